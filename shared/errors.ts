/**
 * Error codes shared by the core, the CLI (exit codes), the IPC bridge and the UI.
 * One table: the code names the fault, `exit` is the CLI exit code of its family,
 * `hint` is the sentence a person reads first (what happened, what to do); the UI and the CLI show the code
 * and the message (the protocol detail, e.g. the CAPF reason) after it. The CAPF end-session reasons a
 * person can act on have codes of their own (capf/client.ts), so this table holds their sentences too.
 */

import { COMPROMISED_ADVICE } from './texts.ts';
export const ERRORS = {
  BAD_INPUT: { exit: 2, hint: 'Correct the field named in the message and try again.' },
  ALREADY_RUNNING: {
    exit: 2,
    hint: 'Wait until the running certificate update of this profile ends, or cancel it, then try again.',
  },
  IN_USE: { exit: 2, hint: 'Another program uses the port named in the message: stop it, or choose another port.' },

  CTL_NOT_FOUND: {
    exit: 3,
    hint: 'The TFTP server has no CTLFile.tlv: the cluster is probably not in mixed mode. Ask the administrator to enable cluster security, or check the TFTP server address.',
  },
  CTL_NONE: { exit: 3, hint: 'No trusted CTL is stored yet: fetch the CTL from the cluster first.' },
  CTL_INVALID: { exit: 3, hint: 'The CTL file is damaged or not a CTL file. The trusted CTL was kept.' },
  CTL_COMPROMISED: {
    exit: 3,
    hint: 'The new CTL is not signed by a signer of the trusted CTL, so it was rejected and the trusted CTL was kept. Ask the administrator whether the cluster certificates were changed.',
  },
  CTL_NOTHING_REFUSED: {
    exit: 3,
    hint: 'No refused trust list update is kept for this certificate folder: only an update that was refused can be adopted.',
  },
  CTL_TAMPERED: {
    exit: 3,
    hint: 'The stored CTL was changed on disk and is no longer trusted. Forget the trusted list (Trust list tab, or ctiprefs ctl forget), then fetch the CTL again on a secure network.',
  },

  CAPF_AUTH_FAILED: {
    exit: 4,
    hint: 'The CAPF server refused the authentication string. Ask your administrator for a new one.',
  },
  CAPF_UNKNOWN_DEVICE: {
    exit: 4,
    hint: 'The CAPF server does not know this instance ID. Check the instance ID against the CAPF profile of the user, or ask your administrator to create that profile.',
  },
  CAPF_REFUSED: {
    exit: 4,
    hint: 'The CAPF server refused the certificate operation. Ask your administrator to check the CAPF profile of this instance, and quote the reason shown here.',
  },
  CAPF_PROTOCOL: {
    exit: 4,
    hint: 'The CAPF server sent something this client does not understand. Check that the CAPF server address points at a Unified CM CAPF service.',
  },
  CAPF_NOTHING_TO_DO: {
    exit: 4,
    hint: 'The CAPF profile of this instance has no pending operation. Ask your administrator to set it to Install/Upgrade with a new authentication string.',
  },
  CERT_COMPROMISED: {
    exit: 4,
    hint: `CTIManager marked this certificate compromised (TSPERR_INIT_CERTIFICATE_COMPROMISED, 0x00000011). ${COMPROMISED_ADVICE}`,
  },

  TFTP_ERROR: { exit: 5, hint: 'The TFTP server refused the transfer; the TFTP error is in the message.' },
  CERT_REJECTED: {
    exit: 4,
    hint: "Make sure each running instance has its own instance ID and certificate, and that the certificate was issued by this cluster's CAPF; enroll again if needed.",
  },
  NETWORK_UNREACHABLE: { exit: 5, hint: 'Check the server address and port, and that the network allows the connection.' },
  NETWORK_TIMEOUT: { exit: 5, hint: 'The server did not answer in time. Check the address, or try again later.' },
  TLS_UNTRUSTED: {
    exit: 5,
    hint: 'The server certificate is not in the trusted CTL. Fetch the CTL again, or check the server address.',
  },
  CANCELLED: { exit: 5, hint: 'The operation was cancelled.' },

  HOME_UNSAFE: {
    exit: 6,
    hint: 'Another local user could change files in this folder. Make it yours and writable only by you, or choose another home folder.',
  },
  KEYSTORE: { exit: 6, hint: 'The keystore could not be read or written. Check the certificate path and its permissions.' },
  STORAGE: {
    exit: 6,
    hint: 'A file could not be read or written: check the path named in the message, its permissions and the free disk space.',
  },
  VAULT: {
    exit: 6,
    hint: 'Unlock your keyring (the OS credential vault), or on a headless machine set CTIPREFS_KEYSTORE_PASSWORD before starting ctiprefs.',
  },
  CTIOS_SET_INVALID: {
    exit: 7,
    hint: 'Fix the CTI OS files named in the findings (certificate first, then key; signed by CtiosRootCert.pem; no chain), then run "ctiprefs ctios check" again.',
  },
  INTERNAL: { exit: 1, hint: 'An unexpected error occurred; the log has details.' },
} as const;

export type ErrorCode = keyof typeof ERRORS;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERRORS, value);
}

/** The one error type the core throws; it survives IPC and JSON as `{ code, message }`. */
export class CtiError extends Error {
  override readonly name = 'CtiError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  toJSON(): { code: ErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

/**
 * Normalises anything thrown into a CtiError without leaking stack traces to users. `path` names the file
 * for the errno errors Node raises without one (reading a folder as a file says only EISDIR).
 */
export function toCtiError(err: unknown, context: { path?: string } = {}): CtiError {
  if (err instanceof CtiError) return err;
  const fromSystem = systemError(err, context.path);
  if (fromSystem) return fromSystem;
  const message = err instanceof Error ? err.message : String(err);
  return new CtiError('INTERNAL', message, { cause: err });
}

/** The fields Node puts on a failed file or socket call (fs, net); read without importing node: modules. */
interface SystemErrorFields {
  code?: unknown;
  path?: unknown;
  dest?: unknown;
  address?: unknown;
  port?: unknown;
}

/** What the user can do about a file system errno; the path is added by systemError (or fileSystemError). */
export const FILE_ERRNO: Readonly<Record<string, { code: ErrorCode; says: string }>> = {
  ENOSPC: { code: 'STORAGE', says: 'the disk is full' },
  EDQUOT: { code: 'STORAGE', says: 'the disk quota is used up' },
  EACCES: { code: 'STORAGE', says: 'permission denied' },
  EPERM: { code: 'STORAGE', says: 'operation not permitted' },
  EROFS: { code: 'STORAGE', says: 'the file system is read-only' },
  EIO: { code: 'STORAGE', says: 'input/output error' },
  EMFILE: { code: 'STORAGE', says: 'too many open files' },
  EISDIR: { code: 'BAD_INPUT', says: 'it is a folder where a file is expected' },
  ENOTDIR: { code: 'BAD_INPUT', says: 'a part of the path is a file where a folder is expected' },
  ENOENT: { code: 'BAD_INPUT', says: 'no such file or folder' },
  EEXIST: { code: 'BAD_INPUT', says: 'something else already exists there' },
  ENAMETOOLONG: { code: 'BAD_INPUT', says: 'the path is too long' },
  ELOOP: { code: 'BAD_INPUT', says: 'too many symbolic links' },
};

/**
 * A Node errno error about the user's environment (a full disk, a folder where a file belongs, a port in
 * use) as a typed error naming the path or port; null for anything else, which stays INTERNAL.
 */
function systemError(err: unknown, knownPath?: string): CtiError | null {
  if (typeof err !== 'object' || err === null) return null;
  const { code, dest, address, port } = err as SystemErrorFields;
  // The path the caller worked on (a file the user named), not the temp file or folder Node tripped on.
  const path = knownPath ?? (err as SystemErrorFields).path;
  if (typeof code !== 'string') return null;
  if (code === 'EADDRINUSE' || code === 'EADDRNOTAVAIL') {
    const where = typeof port === 'number' ? `${typeof address === 'string' ? address : ''}:${port}` : 'the address';
    const says = code === 'EADDRINUSE' ? 'is already in use' : 'is not an address of this machine';
    return new CtiError('IN_USE', `Cannot listen on ${where}: it ${says} (${code})`, { cause: err });
  }
  const known = FILE_ERRNO[code];
  if (!known || typeof path !== 'string') return null;
  const target = typeof dest === 'string' ? `${path} -> ${dest}` : path;
  return new CtiError(known.code, `${target}: ${known.says} (${code})`, { cause: err });
}

export function exitCodeOf(code: ErrorCode): number {
  return ERRORS[code].exit;
}

/**
 * Whether the authentication string is still good after an enrollment failed with this code: it was never
 * shown to the CAPF server (bad input, another run, a CTL problem) or the exchange broke off (network,
 * timeout, untrusted TLS, cancel). Once the CAPF server has answered (refused, unknown instance, nothing to
 * do) or anything after it failed, the one-time string counts as spent and the field is cleared.
 */
export function keepsAuthString(code: ErrorCode): boolean {
  return AUTH_STRING_NOT_SPENT_EXITS.has(ERRORS[code].exit);
}
const AUTH_STRING_NOT_SPENT_EXITS: ReadonlySet<number> = new Set([ERRORS.BAD_INPUT.exit, ERRORS.CTL_NONE.exit, ERRORS.NETWORK_TIMEOUT.exit]);

/** TSP error values from the TAPI developers guide; never compare with `<`. */
export const TSPERR_UNKNOWN = 0x00000010;
export const TSPERR_INIT_CERTIFICATE_COMPROMISED = 0x00000011;
