/**
 * SignCertificateSetupPackage.exe: the CA signs a client or server request. The request's key must sit
 * beside it (the procedure copies both to the CA machine) because the result, CtiosClient.pem or
 * CtiosServer.pem, holds the certificate and then that key. Everything that can fail (CA password, request
 * signature, key match, existing output) fails before the first file is written.
 */
import { createPublicKey, X509Certificate } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { CtiError } from '../../../shared/errors.ts';
import { createCertificate } from '../pki/certificate-builder.ts';
import { openCtiosCa } from './ca.ts';
import { readCertificateRequest } from './certificate-request.ts';
import { combinedPem } from './combined-file.ts';
import { filesOf, roleOfRequestFile } from './file-names.ts';
import { writeNewFiles } from './new-files.ts';
import { PEM_LABEL, readPemFile, singleBlock } from './pem-blocks.ts';
import { readPrivateKeyFile } from './private-key-file.ts';

export const SIGNED_VALIDITY_DAYS = 1825;
const DAY_MS = 86_400_000;

export interface SignOptions {
  caDir: string;
  password: string;
  requestFile: string;
  outDir: string;
  /** Which request this is; by default taken from the file name (CtiosClientreq.pem or CtiosServerReq.pem). */
  role?: 'client' | 'server';
}

export interface SignedSet {
  role: 'client' | 'server';
  file: string;
  subject: string;
  notAfter: string;
}

export async function signCtiosRequest(options: SignOptions): Promise<SignedSet> {
  const role = options.role ?? roleOfRequestFile(basename(options.requestFile));
  if (!role) {
    throw new CtiError(
      'BAD_INPUT',
      `--request: ${basename(options.requestFile)} is neither ${filesOf('client').request} nor ${filesOf('server').request}; give --role client|server`,
    );
  }
  const ca = await openCtiosCa(options.caDir, options.password);
  const names = filesOf(role);
  const requestBlock = singleBlock(
    await readPemFile(options.requestFile, 'The request'),
    [PEM_LABEL.certificateRequest, PEM_LABEL.newCertificateRequest],
    'The request',
    options.requestFile,
  );
  const request = readCertificateRequest(requestBlock.der, options.requestFile);
  const keyFile = join(dirname(options.requestFile), names.key);
  const key = await readPrivateKeyFile(keyFile);
  const keyPublic = createPublicKey(key.key).export({ type: 'spki', format: 'der' });
  if (!keyPublic.equals(request.publicKey.export({ type: 'spki', format: 'der' }))) {
    throw new CtiError('BAD_INPUT', `${keyFile} is not the key of ${options.requestFile}: copy the key and request made together`);
  }

  // A certificate never outlives the CA that vouches for it.
  const caNotAfter = new Date(ca.certificate.validTo).getTime();
  const validityDays = Math.min(SIGNED_VALIDITY_DAYS, Math.floor((caNotAfter - Date.now()) / DAY_MS));
  if (validityDays < 1) throw new CtiError('BAD_INPUT', `The CA certificate expires on ${ca.certificate.validTo}: create a new CA`);
  const der = createCertificate({
    subject: { der: request.subjectDer },
    publicKey: request.publicKey,
    issuer: { certificate: ca.certificate.raw, privateKey: ca.privateKey },
    validityDays,
    extendedKeyUsage: [role === 'server' ? 'serverAuth' : 'clientAuth'],
  });
  const certificate = new X509Certificate(der);
  if (!certificate.checkPrivateKey(key.key)) throw new CtiError('INTERNAL', 'The signed certificate does not match the request key');
  const file = join(options.outDir, names.combined);
  await writeNewFiles([{ path: file, data: combinedPem(der, key.block) }]);
  return { role, file, subject: request.subjectText, notAfter: certificate.validTo };
}
