/** Human-readable text for the CLI's results. */
import type { TrustListInfo } from '../../shared/model.ts';
import type { StoredCertificate } from '../core/keystore/certificate-store.ts';

export function formatTrustList(info: TrustListInfo): string {
  const lines = [
    `Trusted CTL ${info.fileName} from ${info.source}`,
    `  signer:        ${info.signerSubject}`,
    `  signer SHA-256: ${info.signerFingerprintSha256}`,
    `  hash:          ${info.hashAlgorithm}`,
    `  timestamp:     ${info.timestamp}`,
    `  first trusted: ${info.firstTrustedAt}${info.trustedOnFirstUse ? ' (trusted on first use, not verified)' : ''}`,
    `  updated:       ${info.updatedAt}`,
    ...info.warnings.map((warning) => `  warning:       ${warning}`),
    `  records:`,
  ];
  for (const r of info.records) {
    lines.push(`    ${r.roleName.padEnd(10)} ${r.subject}${r.validTo ? `  (valid to ${r.validTo})` : ''}`);
  }
  return lines.join('\n');
}

export function formatCertificates(certs: readonly StoredCertificate[], expiryWarningDays?: number): string {
  if (certs.length === 0) return 'No certificates are stored.';
  return certs
    .map((c) => {
      if (c.error) return `${c.instanceId}: cannot be opened (${c.error.code}): ${c.error.message}\n  folder id: ${c.folderId}`;
      const within = expiryWarningDays === undefined ? '' : ` (under ${expiryWarningDays} days)`;
      const mark = c.expired ? ' EXPIRED' : c.expiringSoon ? ` EXPIRING SOON${within}: renew it` : '';
      return [
        `${c.instanceId}: ${c.subject}`,
        `  issuer:  ${c.issuer}`,
        `  key:     ${c.keyType} ${c.keySize}`,
        `  valid to ${c.validTo} (${c.daysLeft} days left${mark})`,
        `  SHA-256: ${c.fingerprintSha256}`,
      ].join('\n');
    })
    .join('\n');
}

export const FIRST_USE_WARNING =
  'The CTL was trusted on first use without verification. Do this on a secure network, and compare the signer fingerprint with the one the administrator gives you.';
