/**
 * SecuritySetupPackage.exe: a key pair and a certificate request for a client, server or peer, written as
 * CtiosClientkey.pem + CtiosClientreq.pem or CtiosServerKey.pem + CtiosServerReq.pem.
 *
 * The key is written unencrypted (PKCS#8 PEM) with mode 0600: it ends up as the second half of
 * CtiosClient.pem / CtiosServer.pem, which the CTI OS client and server read as they are, and the
 * chapter's "certificate password" for it "need not be remembered", so a password would protect nothing a
 * file mode does not. The procedure deletes the separate key once the combined file exists.
 */
import { join } from 'node:path';
import type { CtiosRole } from '../../../shared/ctios-fields.ts';
import { generateKeyPair, toPem, type DistinguishedName } from '../pki/certificates.ts';
import { createCertificateRequest } from './certificate-request.ts';
import { filesOf } from './file-names.ts';
import { PUBLIC_FILE_MODE, writeNewFiles } from './new-files.ts';
import { PEM_LABEL } from './pem-blocks.ts';

export const REQUEST_KEY = { type: 'rsa', bits: 2048 } as const;

export interface CreatedRequest {
  role: CtiosRole;
  keyFile: string;
  requestFile: string;
}

export async function createCtiosRequest(role: CtiosRole, dir: string, subject: DistinguishedName): Promise<CreatedRequest> {
  const keys = await generateKeyPair(REQUEST_KEY);
  const request = createCertificateRequest(subject, keys.publicKey, keys.privateKey);
  const names = filesOf(role);
  const keyFile = join(dir, names.key);
  const requestFile = join(dir, names.request);
  await writeNewFiles([
    { path: keyFile, data: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }) },
    { path: requestFile, data: toPem(request, PEM_LABEL.certificateRequest), mode: PUBLIC_FILE_MODE },
  ]);
  return { role, keyFile, requestFile };
}
