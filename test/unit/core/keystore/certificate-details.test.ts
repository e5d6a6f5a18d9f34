import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CtiError } from '../../../../shared/errors.ts';
import { describeCertificate, EXPIRING_SOON_DAYS } from '../../../../electron/core/keystore/certificate-details.ts';
import { createCertificate } from '../../../../electron/core/pki/certificate-builder.ts';
import { generateKeyPair } from '../../../../electron/core/pki/certificates.ts';
import { issueCertificate } from './fixtures.ts';

const DAY = 86_400_000;

describe('describeCertificate', () => {
  it('describes an RSA certificate', async () => {
    const { certificate } = await issueCertificate({ type: 'rsa', bits: 2048 }, { cn: 'jtapi-rsa' });
    const x509 = new X509Certificate(certificate);
    const details = describeCertificate(certificate);
    expect(details).toMatchObject({
      subject: 'CN=jtapi-rsa, OU=CTI, O=ctiprefs tests',
      issuer: 'CN=Test CAPF CA, O=ctiprefs tests',
      serialNumber: x509.serialNumber.toUpperCase(),
      keyType: 'RSA',
      keySize: '2048',
      fingerprintSha256: x509.fingerprint256,
      expired: false,
      expiringSoon: false,
    });
    expect(details.validTo).toBe(new Date(x509.validTo).toISOString());
    expect(details.validFrom).toBe(new Date(x509.validFrom).toISOString());
    expect(details.daysLeft).toBeGreaterThanOrEqual(363);
  });

  it.each([
    ['P-256', 'P-256'],
    ['P-384', 'P-384'],
    ['P-521', 'P-521'],
  ] as const)('names the EC curve %s', async (curve, expected) => {
    const { certificate } = await issueCertificate({ type: 'ec', curve });
    expect(describeCertificate(certificate)).toMatchObject({ keyType: 'EC', keySize: expected });
  });

  it('flags certificates expiring within 30 days, and expired ones', async () => {
    const { certificate } = await issueCertificate({ type: 'ec', curve: 'P-256' }, { validityDays: 100 });
    const validTo = new Date(new X509Certificate(certificate).validTo).getTime();
    const at = (msBeforeEnd: number) => describeCertificate(certificate, new Date(validTo - msBeforeEnd));
    expect(at((EXPIRING_SOON_DAYS + 1) * DAY)).toMatchObject({ expiringSoon: false, expired: false, daysLeft: EXPIRING_SOON_DAYS + 1 });
    expect(at((EXPIRING_SOON_DAYS - 1) * DAY)).toMatchObject({ expiringSoon: true, expired: false, daysLeft: EXPIRING_SOON_DAYS - 1 });
    expect(at(-DAY)).toMatchObject({ expiringSoon: false, expired: true });
    expect(at(-DAY).daysLeft).toBeLessThan(0);
  });

  it('refuses bytes that are not a certificate, and keys that are neither RSA nor EC', async () => {
    expect(() => describeCertificate(Buffer.from('nope'))).toThrow(CtiError);
    const ed = await import('node:crypto').then(({ generateKeyPairSync }) => generateKeyPairSync('ed25519'));
    const ca = await generateKeyPair({ type: 'ec', curve: 'P-256' });
    const caCert = createCertificate({ subject: { CN: 'CA' }, publicKey: ca.publicKey, selfSigningKey: ca.privateKey, isCa: true });
    const edCert = createCertificate({ subject: { CN: 'ed' }, publicKey: ed.publicKey, issuer: { certificate: caCert, privateKey: ca.privateKey } });
    expect(() => describeCertificate(edCert)).toThrow(/ed25519 key; only RSA and EC/);
  });
});
