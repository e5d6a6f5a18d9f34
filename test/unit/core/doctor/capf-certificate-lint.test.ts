/** The CAPF certificate rules of Unified CM 14SU2+, on real X.509 certificates made for each case. */
import { describe, expect, it } from 'vitest';
import { lintCapfCertificate } from '../../../../electron/core/doctor/capf-certificate-lint.ts';
import { clockCheck } from '../../../../electron/core/doctor/local-checks.ts';
import { doctorExitCode, pass, warn, fail } from '../../../../electron/core/doctor/checks.ts';
import { createCertificate } from '../../../../electron/core/pki/certificate-builder.ts';
import { generateKeyPair, type CertificateOptions, type KeySpec } from '../../../../electron/core/pki/certificates.ts';

async function capfCertificate(options: Partial<CertificateOptions> = {}, key: KeySpec = { type: 'rsa', bits: 2048 }): Promise<Buffer> {
  const keys = await generateKeyPair(key);
  return createCertificate({ subject: { CN: 'CAPF-test' }, publicKey: keys.publicKey, selfSigningKey: keys.privateKey, isCa: true, pathLength: 0, ...options });
}

describe('lintCapfCertificate', () => {
  it('passes a CA with pathlen 0 and keyCertSign, naming key and hash', async () => {
    const lint = lintCapfCertificate(await capfCertificate());
    expect(lint).toMatchObject({ status: 'pass', key: 'RSA 2048', hash: 'SHA-256', failures: [], warnings: [] });
  });

  it('fails a certificate that is no CA: no CA:TRUE and no keyCertSign', async () => {
    const lint = lintCapfCertificate(await capfCertificate({ isCa: false }));
    expect(lint.status).toBe('fail');
    expect(lint.failures).toEqual(['it is not a CA (basicConstraints CA:TRUE is missing)', 'its key usage lacks keyCertSign']);
  });

  it('warns about a CA without a path length limit', async () => {
    const lint = lintCapfCertificate(await capfCertificate({ pathLength: undefined }));
    expect(lint).toMatchObject({ status: 'warn', warnings: ['its basicConstraints have no path length (pathlen 0 expected)'] });
  });

  it('fails an expired certificate and one not yet valid', async () => {
    const expired = lintCapfCertificate(await capfCertificate({ notBefore: new Date('2020-01-01T00:00:00Z'), validityDays: 30 }));
    expect(expired.failures).toEqual(['it expired on 2020-01-31T00:00:00.000Z']);
    const early = lintCapfCertificate(await capfCertificate(), new Date('2000-01-01T00:00:00Z'));
    expect(early.failures[0]).toMatch(/^it is not valid before .*check this computer's clock/);
  });

  it('warns about a weak RSA key and a SHA-1 signature; an EC key is named by its curve', async () => {
    const weak = lintCapfCertificate(await capfCertificate({ hash: 'sha1' }, { type: 'rsa', bits: 1024 }));
    expect(weak).toMatchObject({ status: 'warn', key: 'RSA 1024', hash: 'SHA-1' });
    expect(weak.warnings).toEqual(['its RSA key has 1024 bits (at least 2048 expected)', 'it is signed with SHA-1 (SHA-256 or stronger expected)']);
    const ec = lintCapfCertificate(await capfCertificate({ hash: 'sha384' }, { type: 'ec', curve: 'P-384' }));
    expect(ec).toMatchObject({ status: 'pass', key: 'EC P-384', hash: 'SHA-384' });
  });
});

describe('clockCheck and the exit code', () => {
  it('fails when the cluster signed something after this computer\'s now', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    expect(clockCheck([{ source: 'the stored certificate', notBefore: new Date('2025-12-31T00:00:00Z') }], now).status).toBe('pass');
    const behind = clockCheck([{ source: "the CTL's signing time", notBefore: new Date('2026-01-01T01:00:00Z') }], now);
    expect(behind).toMatchObject({ status: 'fail', message: expect.stringContaining("the CTL's signing time starts 2026-01-01T01:00:00.000Z") });
  });

  it('maps the worst status to 0, 7 or 8', () => {
    expect(doctorExitCode({ checks: [pass('a', 'ok.')] })).toBe(0);
    expect(doctorExitCode({ checks: [pass('a', 'ok.'), warn('b', 'hm.', 'do.')] })).toBe(7);
    expect(doctorExitCode({ checks: [warn('b', 'hm.', 'do.'), fail('c', 'no.', 'do.')] })).toBe(8);
  });
});
