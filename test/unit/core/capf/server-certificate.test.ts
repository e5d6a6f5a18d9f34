/** The CAPF server's certificate, checked against the trusted CTL's CAPF records: real certificates, no TLS. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { capfServerCertificateProblem } from '../../../../electron/core/capf/server-certificate.ts';
import { makeIdentity, type IdentityCertificateOptions } from '../../../helpers/certificates.ts';

const DAY_MS = 86_400_000;

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
});
