/** The CAPF server's certificate, checked against the trusted CTL's CAPF records: real certificates, no TLS. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { capfServerCertificateProblem } from '../../../../electron/core/capf/server-certificate.ts';
import { makeIdentity, type IdentityCertificateOptions } from '../../../helpers/certificates.ts';

const DAY_MS = 86_400_000;
/** A DER UTCTime of 13 characters: YYMMDDHHMMSSZ. */
const UTC_TIME_HEADER = Buffer.from([0x17, 0x0d]);

/** A self-signed certificate with exactly this keyUsage, made by OpenSSL (DER). */
function withKeyUsage(keyUsage: string): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'ctiprefs-ku-'));
  try {
    const out = join(dir, 'cert.der');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'key.pem'),
      '-subj', '/CN=CAPF-ku', '-days', '2', '-addext', `keyUsage=critical,${keyUsage}`, '-outform', 'DER', '-out', out], { stdio: 'ignore' });
    return readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function certificate(options: Partial<IdentityCertificateOptions> = {}): Promise<Buffer> {
  return (await makeIdentity({ type: 'ec', curve: 'P-256' }, { subject: { CN: 'CAPF-unit' }, isCa: true, validityDays: 30, ...options })).certificate;
}

describe('capfServerCertificateProblem', () => {
  it('a CAPF record of the CTL, valid now → trusted', async () => {
    const listed = await certificate();
    expect(capfServerCertificateProblem(listed, [await certificate(), listed])).toBeNull();
    // A copy of the same bytes is the same certificate.
    expect(capfServerCertificateProblem(Buffer.from(listed), [listed])).toBeNull();
  });

  it('none, or one the CTL does not list → not trusted', async () => {
    const listed = await certificate();
    expect(capfServerCertificateProblem(undefined, [listed])).toMatch(/not a CAPF certificate of the trusted CTL/);
    expect(capfServerCertificateProblem(await certificate(), [listed])).toMatch(/not a CAPF certificate of the trusted CTL/);
    expect(capfServerCertificateProblem(listed, [])).toMatch(/not a CAPF certificate of the trusted CTL/);
  });

  it('a listed one outside its validity → CERT_NOT_YET_VALID or CERT_HAS_EXPIRED', async () => {
    const listed = await certificate({ notBefore: new Date(Date.now() + DAY_MS), validityDays: 10 });
    expect(capfServerCertificateProblem(listed, [listed])).toMatch(/CERT_NOT_YET_VALID/);
    expect(capfServerCertificateProblem(listed, [listed], new Date(Date.now() + 2 * DAY_MS))).toBeNull();
    expect(capfServerCertificateProblem(listed, [listed], new Date(Date.now() + 12 * DAY_MS))).toMatch(/CERT_HAS_EXPIRED/);
  });

  it('a listed one whose extended key usage leaves out TLS servers → INVALID_PURPOSE', async () => {
    const clientOnly = await certificate({ isCa: false, extendedKeyUsage: ['clientAuth'] });
    expect(capfServerCertificateProblem(clientOnly, [clientOnly])).toMatch(/INVALID_PURPOSE/);
    const server = await certificate({ isCa: false, extendedKeyUsage: ['clientAuth', 'serverAuth'] });
    expect(capfServerCertificateProblem(server, [server])).toBeNull();
  });

  it('a listed one whose key usage leaves out every TLS use → INVALID_PURPOSE; any TLS bit is enough, as for OpenSSL', () => {
    const signingOnly = withKeyUsage('keyCertSign,cRLSign');
    expect(capfServerCertificateProblem(signingOnly, [signingOnly])).toMatch(/key usage does not allow a TLS server \(INVALID_PURPOSE\)/);
    for (const usage of ['digitalSignature', 'keyEncipherment', 'keyAgreement', 'keyCertSign,digitalSignature']) {
      const ok = withKeyUsage(usage);
      expect(capfServerCertificateProblem(ok, [ok]), usage).toBeNull();
    }
  });

  it('a listed one with a time that cannot be read → refused (NaN compares as neither before nor after)', async () => {
    const good = await certificate();
    // The validity is two UTCTimes (tag 0x17, 13 bytes); make each one unreadable in turn.
    const utcTimes: number[] = [];
    for (let at = good.indexOf(UTC_TIME_HEADER); at >= 0; at = good.indexOf(UTC_TIME_HEADER, at + 1)) utcTimes.push(at);
    expect(utcTimes).toHaveLength(2);
    const [notBefore, notAfter] = utcTimes.map((at) => {
      const damaged = Buffer.from(good);
      damaged.write('ZZZZZZZZZZZZZ', at + UTC_TIME_HEADER.length, 'latin1');
      return damaged;
    });
    expect(capfServerCertificateProblem(notBefore, [notBefore!])).toMatch(/ERROR_IN_CERT_NOT_BEFORE_FIELD/);
    expect(capfServerCertificateProblem(notAfter, [notAfter!])).toMatch(/ERROR_IN_CERT_NOT_AFTER_FIELD/);
  });

  it('a listed one with an RSA key under 1024 bits → EE_KEY_TOO_SMALL, as OpenSSL refused it; 1024 bits pass', async () => {
    const weak = (await makeIdentity({ type: 'rsa', bits: 512 }, { subject: { CN: 'CAPF-weak' }, isCa: true, validityDays: 30 })).certificate;
    expect(capfServerCertificateProblem(weak, [weak])).toMatch(/512-bit RSA key is too weak \(EE_KEY_TOO_SMALL/);
    const enough = (await makeIdentity({ type: 'rsa', bits: 1024 }, { subject: { CN: 'CAPF-1024' }, isCa: true, validityDays: 30 })).certificate;
    expect(capfServerCertificateProblem(enough, [enough])).toBeNull();
  });
});
