/**
 * The CTI OS Security file names, exactly as Cisco's setup programs write them (the chapter's spelling,
 * including "Clientkey" and "Clientreq" in lower case against "ServerKey" and "ServerReq").
 */
import type { CtiosRole } from './ctios-fields.ts';
import type { CtiosFileState } from './ctios-model.ts';

/** The CA's private key, encrypted with the CA password: "must be kept in a safe place". */
export const CA_KEY_FILE = 'CtiosRoot.pem';
/** The CA's certificate: generated once, copied to every client and server. */
export const CA_CERT_FILE = 'CtiosRootCert.pem';

export interface CtiosRoleFiles {
  /** The request's private key (SecuritySetupPackage.exe). */
  key: string;
  /** The PKCS#10 certificate request. */
  request: string;
  /** A third-party CA's certificate, renamed as the procedure says. */
  certificate: string;
  /** What the CTI OS client or server reads: certificate first, then key. */
  combined: string;
}

const CLIENT_FILES: CtiosRoleFiles = {
  key: 'CtiosClientkey.pem',
  request: 'CtiosClientreq.pem',
  certificate: 'CtiosClientCert.pem',
  combined: 'CtiosClient.pem',
};

const SERVER_FILES: CtiosRoleFiles = {
  key: 'CtiosServerKey.pem',
  request: 'CtiosServerReq.pem',
  certificate: 'CtiosServerCert.pem',
  combined: 'CtiosServer.pem',
};

/** A peer server's set is a client set made on the server machine, under the client's names. */
export function filesOf(role: CtiosRole): CtiosRoleFiles {
  return role === 'server' ? SERVER_FILES : CLIENT_FILES;
}

/** Which kind of request a file is, by its CTI OS name (Windows file names ignore case). */
export function roleOfRequestFile(fileName: string): 'client' | 'server' | undefined {
  const lower = fileName.toLowerCase();
  if (lower === CLIENT_FILES.request.toLowerCase()) return 'client';
  if (lower === SERVER_FILES.request.toLowerCase()) return 'server';
  return undefined;
}

/** Every file name of the procedure, in the order it makes them: the CA, then each set's key, request and certificates. */
export function ctiosFileNames(): Pick<CtiosFileState, 'name' | 'kind' | 'role'>[] {
  const files: Pick<CtiosFileState, 'name' | 'kind' | 'role'>[] = [
    { name: CA_KEY_FILE, kind: 'ca-key' },
    { name: CA_CERT_FILE, kind: 'ca-certificate' },
  ];
  for (const role of ['client', 'server'] as const) {
    const names = filesOf(role);
    files.push(
      { name: names.key, kind: 'key', role },
      { name: names.request, kind: 'request', role },
      { name: names.certificate, kind: 'third-party-certificate', role },
      { name: names.combined, kind: 'combined', role },
    );
  }
  return files;
}
