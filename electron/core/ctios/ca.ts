/**
 * The self-signed CTI OS CA (CreateSelfSignedCASetupPackage.exe): CtiosRoot.pem holds its private key,
 * encrypted with the CA password (PKCS#8, AES-256-CBC, readable by `openssl pkey -passin`), and
 * CtiosRootCert.pem its certificate. One CA signs clients and servers alike.
 */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { CtiError } from '../../../shared/errors.ts';
import { checkCtiosCaPassword } from '../../../shared/ctios-fields.ts';
import { createCertificate } from '../pki/certificate-builder.ts';
import { generateKeyPair, toPem, type DistinguishedName } from '../pki/certificates.ts';
import { CA_CERT_FILE, CA_KEY_FILE } from './file-names.ts';
import { writeNewFiles, PUBLIC_FILE_MODE } from './new-files.ts';
import { PEM_LABEL, readPemFile, singleBlock } from './pem-blocks.ts';

export const CA_KEY = { type: 'rsa', bits: 2048 } as const;
export const CA_VALIDITY_DAYS = 3650;
export const DEFAULT_CA_SUBJECT: DistinguishedName = { CN: 'CTI OS Root CA', OU: 'CTI OS Security' };
const KEY_CIPHER = 'aes-256-cbc';

function requirePassword(password: string): void {
  const error = checkCtiosCaPassword(password);
  if (error) throw new CtiError('BAD_INPUT', error);
}

export interface CreatedCa {
  keyFile: string;
  certificateFile: string;
  certificate: X509Certificate;
}

export async function createCtiosCa(dir: string, password: string, subject: DistinguishedName = DEFAULT_CA_SUBJECT): Promise<CreatedCa> {
  requirePassword(password);
  const keys = await generateKeyPair(CA_KEY);
  const der = createCertificate({
    subject,
    publicKey: keys.publicKey,
    selfSigningKey: keys.privateKey,
    isCa: true,
    validityDays: CA_VALIDITY_DAYS,
  });
  const encryptedKey = keys.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: KEY_CIPHER, passphrase: password });
  const keyFile = join(dir, CA_KEY_FILE);
  const certificateFile = join(dir, CA_CERT_FILE);
  await writeNewFiles([
    { path: keyFile, data: encryptedKey },
    { path: certificateFile, data: toPem(der), mode: PUBLIC_FILE_MODE },
  ]);
  return { keyFile, certificateFile, certificate: new X509Certificate(der) };
}

export interface OpenedCa {
  certificate: X509Certificate;
  privateKey: KeyObject;
}

/** Reads the CA from its folder and decrypts its key; a wrong password is reported before anything is written. */
export async function openCtiosCa(dir: string, password: string): Promise<OpenedCa> {
  requirePassword(password);
  const certPath = join(dir, CA_CERT_FILE);
  const keyPath = join(dir, CA_KEY_FILE);
  const certBlock = singleBlock(await readPemFile(certPath, 'The CA certificate'), [PEM_LABEL.certificate], 'The CA certificate', certPath);
  const keyBlock = singleBlock(await readPemFile(keyPath, 'The CA key'), [PEM_LABEL.encryptedPrivateKey], 'The CA key', keyPath);
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(certBlock.der);
  } catch {
    throw new CtiError('BAD_INPUT', `The CA certificate ${certPath} is not a readable X.509 certificate`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: keyBlock.text, format: 'pem', passphrase: password });
  } catch {
    throw new CtiError('BAD_INPUT', `The CA password does not open ${keyPath}: it is not the password this CA was created with`);
  }
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new CtiError('BAD_INPUT', `${keyPath} is not the key of ${certPath}: they are from different CAs`);
  }
  return { certificate, privateKey };
}
