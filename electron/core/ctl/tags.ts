/**
 * Named constants of the CTL file format (docs/protocols.md section 2): header and record tags, hash
 * algorithms, certificate roles ("functions") and the limits this client accepts.
 */

/** Header TLV tags. Padding (13) is a single byte with no length. */
export const HeaderTag = {
  VERSION: 1,
  HEADER_LENGTH: 2,
  SIGNER_INFO: 3,
  SIGNER_NAME: 4,
  SERIAL_NUMBER: 5,
  ISSUER_NAME: 6,
  SIGNATURE_INFO: 7,
  HASH_ALGORITHM: 8,
  SIGNATURE_ALGORITHM_INFO: 9,
  SIGNATURE_ALGORITHM: 10,
  SIGNATURE_MODULUS: 11,
  SIGNATURE: 12,
  PADDING: 13,
  FILENAME: 14,
  TIMESTAMP: 15,
  SIGNER_VERSION: 28,
} as const;

/** Header tags whose value is a sequence of header TLVs. */
export const HEADER_CONTAINER_TAGS: ReadonlySet<number> = new Set([
  HeaderTag.SIGNER_INFO,
  HeaderTag.SIGNATURE_INFO,
  HeaderTag.SIGNATURE_ALGORITHM_INFO,
]);

/** Record TLV tags; every record starts with RECORD_LENGTH. */
export const RecordTag = {
  RECORD_LENGTH: 1,
  DNS_NAME: 2,
  SUBJECT_NAME: 3,
  ROLE: 4,
  ISSUER_NAME: 5,
  SERIAL_NUMBER: 6,
  PUBLIC_KEY: 7,
  SIGNATURE: 8,
  CERTIFICATE: 9,
  IP_ADDRESS: 10,
  CERTIFICATE_HASH: 11,
  HASH_ALGORITHM: 12,
} as const;

/** Every TLV head: tag (1 byte) + length (2 bytes BE). */
export const TLV_HEAD_BYTES = 3;
/** The record-length TLV that opens every record: head + 2-byte value. */
export const RECORD_LENGTH_TLV_BYTES = TLV_HEAD_BYTES + 2;
/** The header is padded with PADDING bytes to a multiple of this. */
export const HEADER_ALIGNMENT = 4;

export const HashAlgorithm = { SHA1: 1, SHA256: 2, SHA512: 3 } as const;
export type CtlHashName = 'sha1' | 'sha256' | 'sha512';

const HASH_NAMES: Record<number, { node: CtlHashName; display: 'SHA-1' | 'SHA-256' | 'SHA-512' }> = {
  [HashAlgorithm.SHA1]: { node: 'sha1', display: 'SHA-1' },
  [HashAlgorithm.SHA256]: { node: 'sha256', display: 'SHA-256' },
  [HashAlgorithm.SHA512]: { node: 'sha512', display: 'SHA-512' },
};

/** node:crypto hash name of a header hash algorithm, or undefined when the value is not one of 1, 2, 3. */
export function hashNameOf(algorithm: number): CtlHashName | undefined {
  return HASH_NAMES[algorithm]?.node;
}

export function hashDisplayNameOf(algorithm: number): 'SHA-1' | 'SHA-256' | 'SHA-512' | undefined {
  return HASH_NAMES[algorithm]?.display;
}

export function hashAlgorithmOf(name: CtlHashName): number {
  return { sha1: HashAlgorithm.SHA1, sha256: HashAlgorithm.SHA256, sha512: HashAlgorithm.SHA512 }[name];
}

export const ALLOWED_HASHES_TEXT = '1 (SHA-1), 2 (SHA-256) or 3 (SHA-512)';

/** The only signature algorithm the format defines. */
export const SIGNATURE_ALGORITHM_RSA = 0;
/** Signature modulus index → signature length in bytes. */
export const SIGNATURE_MODULUS_BYTES = [64, 128, 256, 512] as const;

export const Role = {
  SAST: 0,
  CCM: 1,
  CCM_TFTP: 2,
  TFTP: 3,
  CAPF: 4,
  APP_SERVER: 7,
  TVS: 21,
} as const;

const ROLE_NAMES: Record<number, string> = {
  [Role.SAST]: 'SAST',
  [Role.CCM]: 'CCM',
  [Role.CCM_TFTP]: 'CCM+TFTP',
  [Role.TFTP]: 'TFTP',
  [Role.CAPF]: 'CAPF',
  [Role.APP_SERVER]: 'APP-SERVER',
  [Role.TVS]: 'TVS',
};

export function roleName(role: number): string {
  return ROLE_NAMES[role] ?? `Role ${role}`;
}

/**
 * The role whose certificates may sign the next CTL: SAST, the "security tokens" of the product documents.
 * On tokenless clusters the signing CallManager or ITLRecovery certificate is listed as SAST too, so a
 * record in the CCM, CCM+TFTP, TFTP or CAPF role never makes its holder a signer (docs/protocols.md).
 */
export const CTL_SIGNING_ROLES: ReadonlySet<number> = new Set([Role.SAST]);

/** CAPF TLS trust anchors. */
export const CAPF_ROLES: readonly number[] = [Role.CAPF];
/** CTIManager TLS (port 2749) trust anchors. */
export const CTIMANAGER_ROLES: readonly number[] = [Role.CCM, Role.CCM_TFTP];

/** A CTL is a few kilobytes; anything far larger is not a CTL. */
export const CTL_MAX_FILE_BYTES = 1024 * 1024;
export const CTL_MAX_RECORDS = 256;
