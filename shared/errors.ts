/**
 * Error codes shared by the core, the CLI (exit codes), the IPC bridge and the UI.
 * One table: the code names the fault, `exit` is the CLI exit code of its family,
 * `hint` is the sentence the UI shows under the message ("what to do").
 */
export const ERRORS = {
  BAD_INPUT: { exit: 2, hint: 'Correct the field named in the message and try again.' },

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
  CTL_TAMPERED: {
    exit: 3,
    hint: 'The stored CTL was changed on disk and is no longer trusted. Fetch the CTL again on a secure network.',
  },

  CAPF_AUTH_FAILED: {
    exit: 4,
    hint: 'The CAPF server refused the authentication string. Check it, or ask the administrator for a new one (each string works once).',
  },
  CAPF_UNKNOWN_DEVICE: {
    exit: 4,
    hint: 'The CAPF server does not know this instance ID. Check the instance ID against the CAPF profile of the user.',
  },
  CAPF_REFUSED: { exit: 4, hint: 'The CAPF server refused the operation; the reason number is in the message.' },
  CAPF_PROTOCOL: { exit: 4, hint: 'The CAPF server sent something this client does not understand.' },
  CAPF_NOTHING_TO_DO: {
    exit: 4,
    hint: 'The CAPF profile has no pending operation. Ask the administrator to set the profile to install or upgrade.',
  },
  CERT_COMPROMISED: {
    exit: 4,
    hint: 'CTIManager marked this certificate compromised (TSPERR_INIT_CERTIFICATE_COMPROMISED, 0x00000011). Delete the CAPF profile, create a new one with a new instance ID, and enroll again.',
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
    hint: 'The OS credential vault is not available. Unlock it, or set CTIPREFS_KEYSTORE_PASSWORD for headless use.',
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

/** Normalises anything thrown into a CtiError without leaking stack traces to users. */
export function toCtiError(err: unknown): CtiError {
  if (err instanceof CtiError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new CtiError('INTERNAL', message, { cause: err });
}

export function exitCodeOf(code: ErrorCode): number {
  return ERRORS[code].exit;
}

/** TSP error values from the TAPI developers guide; never compare with `<`. */
export const TSPERR_UNKNOWN = 0x00000010;
export const TSPERR_INIT_CERTIFICATE_COMPROMISED = 0x00000011;
