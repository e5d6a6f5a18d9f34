/**
 * What the UI and the CLI show about a stored certificate: the fields of shared/ipc.ts CertificateInfo
 * except the ones only the caller knows (folderId, instanceId, profileIds).
 */
import { X509Certificate } from 'node:crypto';
import { CtiError } from '../../../shared/errors.ts';
import { EXPIRY_WARNING_DAYS } from '../../../shared/fields.ts';
import type { CertificateInfo } from '../../../shared/model.ts';

export type CertificateDetails = Omit<CertificateInfo, 'folderId' | 'instanceId' | 'profileIds' | 'error'>;

/** Below this many days left a certificate is flagged for renewal, unless the settings say otherwise. */
export const EXPIRING_SOON_DAYS = EXPIRY_WARNING_DAYS.default;
const DAY_MS = 86_400_000;

/** OpenSSL's curve names as the NIST names users see in CUCM and in our key specs. */
const CURVE_NAMES: Record<string, string> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };

export function describeCertificate(der: Buffer, now: Date = new Date(), expiryWarningDays: number = EXPIRING_SOON_DAYS): CertificateDetails {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(der);
  } catch (err) {
    throw new CtiError('KEYSTORE', 'The stored certificate is not a valid X.509 certificate', { cause: err });
  }
  const validFrom = new Date(cert.validFrom);
  const validTo = new Date(cert.validTo);
  const msLeft = validTo.getTime() - now.getTime();
  const expired = msLeft < 0;
  const daysLeft = Math.floor(msLeft / DAY_MS);
  return {
    subject: oneLineName(cert.subject),
    issuer: oneLineName(cert.issuer),
    serialNumber: cert.serialNumber.toUpperCase(),
    validFrom: validFrom.toISOString(),
    validTo: validTo.toISOString(),
    daysLeft,
    expired,
    expiringSoon: !expired && daysLeft < expiryWarningDays,
    ...keyOf(cert),
    fingerprintSha256: cert.fingerprint256,
  };
}

function keyOf(cert: X509Certificate): Pick<CertificateDetails, 'keyType' | 'keySize'> {
  const { asymmetricKeyType: type, asymmetricKeyDetails: details } = cert.publicKey;
  if ((type === 'rsa' || type === 'rsa-pss') && details?.modulusLength) return { keyType: 'RSA', keySize: String(details.modulusLength) };
  if (type === 'ec' && details?.namedCurve) return { keyType: 'EC', keySize: CURVE_NAMES[details.namedCurve] ?? details.namedCurve };
  throw new CtiError('KEYSTORE', `The stored certificate has a ${type ?? 'unknown'} key; only RSA and EC keys are supported`);
}

/** Node lists one RDN per line, root first; show them on one line, most specific first (RFC 4514 order). */
function oneLineName(name: string): string {
  return name.split('\n').filter(Boolean).reverse().join(', ');
}
