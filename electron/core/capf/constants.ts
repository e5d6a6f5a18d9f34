/**
 * CAPF wire constants (docs/protocols.md section 3). Names follow the protocol's own vocabulary so the
 * client and the lab server read like the spec.
 */
import type { EcCurve } from '../pki/certificates.ts';

export const CAPF_PROTOCOL_ID = 0x55;
/**
 * Protocol versions this side speaks. The server opens with its version; the client answers with the
 * same one, never a higher one (Cisco's JTAPI 15 client answers 1). Version 3 added the key type and
 * curve elements, so versions 1 and 2 know RSA keys only.
 */
export const CAPF_VERSIONS = [1, 2, 3] as const;
export type CapfVersion = (typeof CAPF_VERSIONS)[number];
export const CAPF_LATEST_VERSION: CapfVersion = 3;
export const CAPF_FIRST_EC_VERSION: CapfVersion = 3;
export const CAPF_DEFAULT_PORT = 3804;

/** protocol id (1) + command (1) + session id (4, BE) + body length (2, BE). */
export const CAPF_HEADER_LENGTH = 8;
/** Element header: tag (1) + length (2, BE). */
export const CAPF_ELEMENT_HEADER_LENGTH = 3;
/** The body length field is 16 bits, so no message body can be longer than this. */
export const CAPF_MAX_BODY_LENGTH = 0xffff;

export const CapfCommand = {
  authRequest: 1,
  authResponse: 2,
  keyGenRequest: 3,
  keyGenResponse: 4,
  encryptResponse: 5,
  encryptRequest: 6,
  decryptRequest: 7,
  decryptResponse: 8,
  storeCertificateRequest: 9,
  storeCertificateResponse: 10,
  fetchCertificateRequest: 11,
  fetchCertificateResponse: 12,
  deleteCertificateRequest: 13,
  deleteCertificateResponse: 14,
  endSession: 15,
  retryLater: 16,
  requestInProgress: 17,
  statusRequest: 18,
  statusResponse: 19,
  abortRequest: 20,
  abortResponse: 21,
  signCertificateRequest: 22,
  signCertificateResponse: 23,
} as const;
export type CapfCommandName = keyof typeof CapfCommand;

export const CapfElement = {
  reason: 1,
  reasonInfo: 2,
  certificateType: 3,
  certificate: 4,
  certificateId: 5,
  signedData: 6,
  version: 7,
  authType: 8,
  publicKey: 9,
  keySize: 10,
  password: 11,
  retryDelay: 12,
  deviceName: 13,
  sudiData: 16,
  keyType: 17,
  curve: 18,
  digestType: 19,
  sha2SignedData: 20,
} as const;
export type CapfElementName = keyof typeof CapfElement;

export const CapfReason = {
  noAction: 0,
  updateCertificate: 1,
  invalidElement: 7,
  unknownDevice: 9,
} as const;

export const CapfAuthType = { none: 0, password: 1, noPassword: 2, lsc: 3, mic: 4 } as const;
export const CapfCertificateType = { lsc: 1, mic: 2 } as const;
export const CapfKeyType = { rsa: 0, ec: 1 } as const;

/** Curve element values, indexed by the curve names of pki/certificates.ts. */
export const CapfCurve: Record<EcCurve, number> = { 'P-256': 0, 'P-384': 1, 'P-521': 2 };

/** First byte of the certificate element's wrapper (`01 len(2) 00 type DER`). */
export const CERTIFICATE_WRAPPER_MARKER = 0x01;

function nameOf(table: Record<string, number>, value: number): string | undefined {
  return Object.entries(table).find(([, v]) => v === value)?.[0];
}

/** "keyGenRequest (3)" or "unknown (42)": for messages and logs. */
export function describeCommand(command: number): string {
  return `${nameOf(CapfCommand, command) ?? 'unknown'} (${command})`;
}

export function describeReason(reason: number): string {
  return `${nameOf(CapfReason, reason) ?? 'unknown reason'} (${reason})`;
}

export function isCapfVersion(value: number): value is CapfVersion {
  return (CAPF_VERSIONS as readonly number[]).includes(value);
}

/** Whether a session of this protocol version can carry an EC key request. */
export function versionAllowsEc(version: CapfVersion): boolean {
  return version >= CAPF_FIRST_EC_VERSION;
}

/** "CAPF protocol version 1 allows RSA keys only": the rule behind refusing EC at versions 1 and 2. */
export function describeVersionKeys(version: CapfVersion): string {
  return `CAPF protocol version ${version} allows ${versionAllowsEc(version) ? 'RSA and EC keys' : 'RSA keys only'}`;
}

export function curveFromCode(code: number): EcCurve | undefined {
  return (Object.keys(CapfCurve) as EcCurve[]).find((curve) => CapfCurve[curve] === code);
}
