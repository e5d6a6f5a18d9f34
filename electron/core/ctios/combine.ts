/**
 * The third-party CA path: a certificate from another CA (renamed CtiosClientCert.pem / CtiosServerCert.pem)
 * and the request's key, concatenated into one file "in this order": certificate, then key. The two must
 * belong together and the certificate must stand alone (CTI OS supports no certificate chain).
 */
import { X509Certificate } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { CtiError } from '../../../shared/errors.ts';
import { combinedPem } from './combined-file.ts';
import { writeNewFiles } from './new-files.ts';
import { isKeyLabel, PEM_LABEL, readPemFile } from './pem-blocks.ts';
import { readPrivateKeyFile } from './private-key-file.ts';

export interface CombineOptions {
  certificateFile: string;
  keyFile: string;
  outFile: string;
  /** After success, delete the separate certificate and key files, as the procedure's last step says. */
  cleanup?: boolean;
}

export interface CombinedSet {
  file: string;
  subject: string;
  issuer: string;
  deleted: string[];
}

export async function combineCtiosFiles(options: CombineOptions): Promise<CombinedSet> {
  const blocks = await readPemFile(options.certificateFile, 'The certificate file');
  const certificates = blocks.filter((b) => b.label === PEM_LABEL.certificate);
  if (certificates.length === 0) throw new CtiError('BAD_INPUT', `The certificate file ${options.certificateFile} holds no CERTIFICATE block`);
  if (certificates.length > 1) {
    throw new CtiError('BAD_INPUT', `The certificate file ${options.certificateFile} holds a chain of ${certificates.length} certificates; CTI OS supports no chain: keep only the client or server certificate`);
  }
  if (blocks.some((b) => isKeyLabel(b.label))) {
    throw new CtiError('BAD_INPUT', `The certificate file ${options.certificateFile} already holds a private key; give the certificate alone`);
  }
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(certificates[0]!.der);
  } catch {
    throw new CtiError('BAD_INPUT', `The certificate file ${options.certificateFile} holds no readable X.509 certificate`);
  }
  const key = await readPrivateKeyFile(options.keyFile);
  if (!certificate.checkPrivateKey(key.key)) {
    throw new CtiError('BAD_INPUT', `${options.keyFile} is not the key of ${options.certificateFile}: use the key of the request this certificate was issued for`);
  }
  await writeNewFiles([{ path: options.outFile, data: combinedPem(certificate.raw, key.block) }]);
  const deleted: string[] = [];
  if (options.cleanup) {
    for (const path of [options.certificateFile, options.keyFile]) {
      await rm(path, { force: true });
      deleted.push(path);
    }
  }
  return { file: options.outFile, subject: certificate.subject.split('\n').join(', '), issuer: certificate.issuer.split('\n').join(', '), deleted };
}
