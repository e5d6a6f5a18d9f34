/** Every `ctios check` finding, each made real once with real files. */
import { generateKeyPairSync } from 'node:crypto';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCtiosCa } from '../../../electron/core/ctios/ca.ts';
import { checkCtiosSet, CHECK_FINDINGS, type CheckFindingName } from '../../../electron/core/ctios/check.ts';
import { createCertificate } from '../../../electron/core/pki/certificate-builder.ts';
import { toPem } from '../../../electron/core/pki/certificates.ts';
import { CA_PASSWORD, makeCa, makeSignedSet } from '../../helpers/ctios.ts';
import { tempDir } from '../../helpers/temp.ts';

const BEGIN_KEY = '-----BEGIN PRIVATE KEY-----';

describe('ctios check findings', () => {
  let tmp: { path: string; remove(): Promise<void> };
  let ca: string;
  let good: string;
  let certPem: string;
  let keyPem: string;
  let rootPem: string;
  const seen = new Set<CheckFindingName>();

  beforeAll(async () => {
    tmp = await tempDir('ctios-check');
    ca = await makeCa(join(tmp.path, 'ca'));
    good = await makeSignedSet(ca, join(tmp.path, 'good'), 'client');
    const combined = await readFile(join(good, 'CtiosClient.pem'), 'utf8');
    certPem = combined.slice(0, combined.indexOf(BEGIN_KEY));
    keyPem = combined.slice(combined.indexOf(BEGIN_KEY));
    rootPem = await readFile(join(ca, 'CtiosRootCert.pem'), 'utf8');
  });
  afterAll(async () => {
    await tmp.remove();
  });

  /** A folder with CtiosRootCert.pem and a CtiosClient.pem of the given text. */
  async function setWith(name: string, combined: string | undefined, root: string | null = rootPem): Promise<string> {
    const dir = join(tmp.path, name);
    await mkdir(dir, { recursive: true });
    if (root !== null) await writeFile(join(dir, 'CtiosRootCert.pem'), root);
    if (combined !== undefined) await writeFile(join(dir, 'CtiosClient.pem'), combined);
    return dir;
  }

  async function expectFindings(dir: string, expected: CheckFindingName[], role: 'client' | 'server' = 'client') {
    const report = await checkCtiosSet(dir, role);
    expect(report.findings.map((f) => f.finding)).toEqual(expected);
    for (const f of expected) seen.add(f);
    return report;
  }

  it('a good set has no findings', async () => {
    const dir = await setWith('clean', `${certPem}${keyPem}`);
    const report = await expectFindings(dir, []);
    expect(report.ok).toBe(true);
    expect(report.files.map((f) => [f.name, f.present])).toEqual([['CtiosRootCert.pem', true], ['CtiosClient.pem', true]]);
  });

  it('missing-file: both files, by name', async () => {
    const report = await expectFindings(await setWith('empty', undefined, null), ['missing-file', 'missing-file']);
    expect(report.findings.map((f) => f.file)).toEqual(['CtiosRootCert.pem', 'CtiosClient.pem']);
    expect(report.ok).toBe(false);
    const server = await checkCtiosSet(join(tmp.path, 'empty'), 'server');
    expect(server.findings.map((f) => f.file)).toEqual(['CtiosRootCert.pem', 'CtiosServer.pem']);
  });

  it('unreadable-file: no PEM in the root file', async () => {
    await expectFindings(await setWith('garbage-root', `${certPem}${keyPem}`, 'not a certificate\n'), ['unreadable-file']);
  });

  it('missing-certificate and missing-key', async () => {
    await expectFindings(await setWith('key-only', keyPem), ['missing-certificate']);
    await expectFindings(await setWith('cert-only', certPem), ['missing-key']);
  });

  it('key-before-certificate: the order the chapter calls very important', async () => {
    const report = await expectFindings(await setWith('reversed', `${keyPem}${certPem}`), ['key-before-certificate']);
    expect(report.findings[0]!.message).toContain('certificate first, then key');
  });

  it('chain: more than one certificate in CtiosClient.pem or in CtiosRootCert.pem', async () => {
    await expectFindings(await setWith('chain', `${certPem}${rootPem}${keyPem}`), ['chain']);
    await expectFindings(await setWith('root-chain', `${certPem}${keyPem}`, `${rootPem}${certPem}`), ['chain']);
  });

  it('not-signed-by-root: signed by another CA', async () => {
    const otherCa = await makeCa(join(tmp.path, 'other-ca'));
    const other = await makeSignedSet(otherCa, join(tmp.path, 'other-set'), 'client');
    await copyFile(join(ca, 'CtiosRootCert.pem'), join(other, 'CtiosRootCert.pem'));
    await expectFindings(other, ['not-signed-by-root', 'leftover-file']);
  });

  it('expired and not-yet-valid', async () => {
    const opened = await openCtiosCa(ca, CA_PASSWORD);
    const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const issue = (notBefore: Date) =>
      toPem(createCertificate({ subject: { CN: 'dated' }, publicKey: keys.publicKey, issuer: { certificate: opened.certificate.raw, privateKey: opened.privateKey }, notBefore, validityDays: 10 }));
    const key = keys.privateKey.export({ type: 'pkcs8', format: 'pem' });
    await expectFindings(await setWith('expired', `${issue(new Date(Date.now() - 30 * 86_400_000))}${key}`), ['expired']);
    await expectFindings(await setWith('future', `${issue(new Date(Date.now() + 30 * 86_400_000))}${key}`), ['not-yet-valid']);
  });

  it('key-mismatch and encrypted-key', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    await expectFindings(await setWith('mismatch', `${certPem}${other.export({ type: 'pkcs8', format: 'pem' })}`), ['key-mismatch']);
    const encrypted = other.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'whatever1' });
    await expectFindings(await setWith('encrypted', `${certPem}${encrypted}`), ['encrypted-key']);
  });

  it('leftover-file: the separate key the procedure deletes is still there (a warning)', async () => {
    const report = await expectFindings(good, ['leftover-file']);
    expect(report.findings[0]).toMatchObject({ severity: 'warning', file: 'CtiosClientkey.pem' });
    expect(report.ok).toBe(true);
  });

  it('made every finding real', () => {
    expect([...seen].sort()).toEqual([...CHECK_FINDINGS].sort());
  });
});
