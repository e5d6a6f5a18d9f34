/** The unencrypted private key of a CTI OS request, read from its PEM file with the fault named. */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { CtiError } from '../../../shared/errors.ts';
import { isKeyLabel, PEM_LABEL, readPemFile, type PemBlock } from './pem-blocks.ts';

export interface PrivateKeyFile {
  key: KeyObject;
  /** The key's PEM block as found, written into the combined file unchanged. */
  block: PemBlock;
}

export async function readPrivateKeyFile(path: string): Promise<PrivateKeyFile> {
  const keys = (await readPemFile(path, 'The key file')).filter((b) => isKeyLabel(b.label));
  if (keys.length !== 1) throw new CtiError('BAD_INPUT', `The key file ${path} must hold exactly one private key, found ${keys.length}`);
  const block = keys[0]!;
  if (block.label === PEM_LABEL.encryptedPrivateKey || /Proc-Type: 4,ENCRYPTED/.test(block.text)) {
    throw new CtiError('BAD_INPUT', `The key file ${path} is encrypted; CTI OS reads the key in CtiosClient.pem/CtiosServer.pem unencrypted (openssl pkey -in KEY -out PLAIN)`);
  }
  try {
    return { key: createPrivateKey({ key: block.text, format: 'pem' }), block };
  } catch {
    throw new CtiError('BAD_INPUT', `The key file ${path} holds a private key that cannot be read`);
  }
}
