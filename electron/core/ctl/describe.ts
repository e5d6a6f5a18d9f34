/**
 * Turns a CTL into the plain data the UI and the CLI show (shared/ipc.ts): role names, names, serials,
 * validity and fingerprints. Certificates that fail to parse fall back to the record's own strings.
 */
import { CtiError } from '../../../shared/errors.ts';
import type { CtlRecordInfo, TrustListInfo } from '../../../shared/ipc.ts';
import { fingerprintSha256, tryCertificateFieldsOf, unsignedSerial } from './certificate-fields.ts';
import type { CtlFile, CtlRecord } from './codec.ts';
import { ALLOWED_HASHES_TEXT, hashDisplayNameOf, roleName } from './tags.ts';

/** What the trust store knows about a CTL beyond its bytes. */
export interface CtlTrustMeta {
  firstTrustedAt: string;
  updatedAt: string;
  source: string;
  /** The name the cluster served it under: CTLCAPF<hex>.tlv or CTLFile.tlv. */
  fileName: string;
  trustedOnFirstUse: boolean;
  signerFingerprintSha256: string;
}

function serialHex(serial: Buffer): string {
  return unsignedSerial(serial).toString('hex').toUpperCase();
}

export function describeRecord(record: CtlRecord): CtlRecordInfo {
  const cert = tryCertificateFieldsOf(record.certificate);
  const serial = cert?.serialNumber ?? record.serialNumber;
  const info: CtlRecordInfo = {
    role: record.role,
    roleName: roleName(record.role),
    subject: cert?.subject ?? record.subjectName ?? '',
    issuer: cert?.issuer ?? record.issuerName ?? '',
    serialNumber: serial ? serialHex(serial) : '',
  };
  if (record.dnsName) info.dnsName = record.dnsName;
  if (cert) {
    info.validFrom = cert.notBefore.toISOString();
    info.validTo = cert.notAfter.toISOString();
    info.fingerprintSha256 = cert.fingerprintSha256;
  }
  return info;
}

/** Below this, an RSA signing key is weak by today's rules (NIST SP 800-131A). */
export const MIN_STRONG_RSA_BITS = 2048;

/** What makes the signature weak: SHA-1, or an RSA signer key under 2048 bits. */
function signatureWarnings(ctl: CtlFile, signerFingerprintSha256: string, hashAlgorithm: string): string[] {
  const warnings: string[] = [];
  if (hashAlgorithm === 'SHA-1') warnings.push('The CTL is signed with SHA-1, which is no longer collision-resistant; ask the administrator to move the cluster to SHA-256 or SHA-512.');
  const signer = ctl.records.find((r) => r.certificate && fingerprintSha256(r.certificate) === signerFingerprintSha256);
  const bits = tryCertificateFieldsOf(signer?.certificate)?.x509.publicKey.asymmetricKeyDetails?.modulusLength;
  if (bits !== undefined && bits < MIN_STRONG_RSA_BITS) {
    warnings.push(`The CTL signer's RSA key has ${bits} bits, under the ${MIN_STRONG_RSA_BITS} bits considered safe; ask the administrator to regenerate the signing certificate.`);
  }
  return warnings;
}

export function describeCtl(ctl: CtlFile, meta: CtlTrustMeta): TrustListInfo {
  const hashAlgorithm = hashDisplayNameOf(ctl.header.hashAlgorithm);
  if (!hashAlgorithm) {
    throw new CtiError('CTL_INVALID', `CTL hash algorithm ${ctl.header.hashAlgorithm} is not supported; allowed are ${ALLOWED_HASHES_TEXT}`);
  }
  return {
    signerSubject: ctl.header.signer.name,
    signerFingerprintSha256: meta.signerFingerprintSha256,
    hashAlgorithm,
    timestamp: new Date(ctl.header.timestamp * 1000).toISOString(),
    firstTrustedAt: meta.firstTrustedAt,
    updatedAt: meta.updatedAt,
    source: meta.source,
    fileName: meta.fileName,
    trustedOnFirstUse: meta.trustedOnFirstUse,
    warnings: signatureWarnings(ctl, meta.signerFingerprintSha256, hashAlgorithm),
    records: ctl.records.map(describeRecord),
  };
}
