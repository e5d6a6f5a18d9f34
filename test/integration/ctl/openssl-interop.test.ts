/**
 * An independent check of the signing rule: OpenSSL verifies our CTL signatures over "the file without the
 * signature TLV" (RSA PKCS#1 v1.5), and reads the record certificates and public keys we write.
 */
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toPem } from '../../../electron/core/pki/certificates.ts';
import { buildSignedCtl } from '../../../electron/lab/ctl-builder.ts';
import { certificateFieldsOf } from '../../../electron/core/ctl/certificate-fields.ts';
import { decodeCtl, signedContent } from '../../../electron/core/ctl/codec.ts';
import { Role } from '../../../electron/core/ctl/tags.ts';
import { selfSignedIdentity, type TestIdentity } from '../../unit/core/ctl/fixtures.ts';

const run = promisify(execFile);

async function openssl(args: string[]): Promise<{ ok: boolean; out: string }> {
  try {
    const { stdout, stderr } = await run('openssl', args);
    return { ok: true, out: stdout + stderr };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

let dir: string;
let sast: TestIdentity;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ctiprefs-ctl-openssl-'));
  sast = await selfSignedIdentity({ CN: 'sast-openssl', O: 'Example' }, { key: { type: 'rsa', bits: 2048 } });
  await writeFile(join(dir, 'sast.pub.pem'), sast.publicKey.export({ type: 'spki', format: 'pem' }));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('CTL signatures checked by OpenSSL', () => {
  it.each(['sha1', 'sha256', 'sha512'] as const)('openssl dgst -%s -verify accepts the signature over the file minus tag 12', async (hash) => {
    const ctl = decodeCtl(buildSignedCtl({ signer: sast, hash, records: [{ role: Role.SAST, certificate: sast.certificate }] }));
    await writeFile(join(dir, `${hash}.content`), signedContent(ctl));
    await writeFile(join(dir, `${hash}.sig`), ctl.header.signature);
    const good = await openssl(['dgst', `-${hash}`, '-verify', join(dir, 'sast.pub.pem'), '-signature', join(dir, `${hash}.sig`), join(dir, `${hash}.content`)]);
    expect(good.out).toContain('Verified OK');
    expect(good.ok).toBe(true);

    // The whole file (signature TLV included) is not what was signed.
    await writeFile(join(dir, `${hash}.whole`), ctl.bytes);
    const whole = await openssl(['dgst', `-${hash}`, '-verify', join(dir, 'sast.pub.pem'), '-signature', join(dir, `${hash}.sig`), join(dir, `${hash}.whole`)]);
    expect(whole.ok).toBe(false);
    expect(whole.out).toContain('Verification failure');
  });

  it('writes certificates and PKCS#1 public keys OpenSSL reads', async () => {
    const ctl = decodeCtl(buildSignedCtl({ signer: sast, hash: 'sha256', records: [{ role: Role.SAST, certificate: sast.certificate }] }));
    const record = ctl.records[0]!;
    await writeFile(join(dir, 'record.pem'), toPem(record.certificate!));
    const cert = await openssl(['x509', '-in', join(dir, 'record.pem'), '-noout', '-subject', '-serial']);
    expect(cert.out).toMatch(/CN ?= ?sast-openssl/);
    expect(cert.out.toUpperCase()).toContain(`SERIAL=${record.serialNumber!.toString('hex').toUpperCase()}`);
    await writeFile(join(dir, 'record.pub.der'), record.publicKey!);
    const key = await openssl(['rsa', '-RSAPublicKey_in', '-inform', 'DER', '-in', join(dir, 'record.pub.der'), '-noout', '-text']);
    expect(key.ok).toBe(true);
    expect(key.out).toContain('Public-Key: (2048 bit)');
  });
});

describe('certificates OpenSSL writes, read for CTL records', () => {
  it('gives names in DER order, the unsigned serial, the signature and both kinds of time', async () => {
    const [key, pem] = [join(dir, 'fields.key'), join(dir, 'fields.pem')];
    // 20 000 days: notAfter lies past 2049, so it is a GeneralizedTime; notBefore a UTCTime.
    const made = await openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', pem,
      '-days', '20000', '-set_serial', '0x00c0ffee', '-subj', '/C=DE/ST=BE/L=Berlin/O=Example GmbH/OU=IT/CN=cucm-pub/emailAddress=pki@example.com']);
    expect(made.ok).toBe(true);
    const x509 = new X509Certificate(await readFile(pem));
    const fields = certificateFieldsOf(x509.raw);
    expect(fields.subject).toBe('C=DE;ST=BE;L=Berlin;O=Example GmbH;OU=IT;CN=cucm-pub;emailAddress=pki@example.com');
    expect(fields.issuer).toBe(fields.subject);
    expect(fields.serialNumber.toString('hex')).toBe('c0ffee');
    expect(fields.notBefore.getTime()).toBe(new Date(x509.validFrom).getTime());
    expect(fields.notAfter.getTime()).toBe(new Date(x509.validTo).getTime());
    expect(fields.notAfter.getUTCFullYear()).toBeGreaterThan(2049);
    expect(x509.verify(x509.publicKey)).toBe(true);
    expect(fields.signature.length).toBeGreaterThan(60);
    expect(x509.raw.subarray(-fields.signature.length).equals(fields.signature)).toBe(true);
  });
});
