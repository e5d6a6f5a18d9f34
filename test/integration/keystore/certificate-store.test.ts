/** The certificate store on a real folder with the real OS vault (gnome-keyring from scripts/test.sh). */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as pkijs from 'pkijs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CertificateStore } from '../../../electron/core/keystore/certificate-store.ts';
import { PKCS12_ITERATIONS, PKCS12_ITERATIONS_RANDOM_PASSWORD, readPkcs12 } from '../../../electron/core/keystore/pkcs12.ts';
import { keystoreAccount, KEYSTORE_PASSWORD_ENV, OsVault } from '../../../electron/core/keystore/vault.ts';
import { memoryLogger } from '../../../electron/core/log.ts';
import { toPem } from '../../../electron/core/pki/certificates.ts';
import { issueCertificate, pkcs8 } from '../../unit/core/keystore/fixtures.ts';
import { ctiRejection } from '../../helpers/rejection.ts';

const run = promisify(execFile);
const TIMEOUT = 120_000;

/** The MAC iteration count a keystore file declares (its PBKDF2 counts are the same, see pkcs12.test.ts). */
// RFC 7292's MacData leaves out a count of 1 (its DEFAULT).
const macIterations = async (file: string) => pkijs.PFX.fromBER(new Uint8Array(await readFile(file))).macData?.iterations ?? 1;

let dir: string;
let vault: OsVault;
let logger: ReturnType<typeof memoryLogger>;
let store: CertificateStore;
const usedIds = ['Inst1', 'Inst2', 'Inst3', 'Broken'];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ctiprefs-store-'));
  vault = new OsVault(`ctiprefs-test-${randomBytes(6).toString('hex')}`);
  logger = memoryLogger();
  store = new CertificateStore({ dir: join(dir, 'certs'), vault, logger, env: {} });
});

afterEach(async () => {
  for (const id of usedIds) for (const account of [keystoreAccount(id), store.vaultAccount(id)]) await vault.delete(account);
  await rm(dir, { recursive: true, force: true });
});

describe('save and load', () => {
  it('writes <dir>/<instanceId>.p12 with mode 0600 under a vault password, and loads it back', async () => {
    const issued = await issueCertificate({ type: 'rsa', bits: 2048 });
    await store.save('Inst1', issued);
    const file = join(dir, 'certs', 'Inst1.p12');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const password = await vault.get(store.vaultAccount('Inst1'));
    expect(password).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const opened = await readPkcs12(await readFile(file), password!);
    expect(opened.friendlyName).toBe('Inst1');
    // A random 256-bit vault secret needs no slow key derivation.
    expect(await macIterations(file)).toBe(PKCS12_ITERATIONS_RANDOM_PASSWORD.mac);

    const loaded = await store.load('Inst1');
    expect(pkcs8(loaded!.privateKey).equals(pkcs8(issued.privateKey))).toBe(true);
    expect(loaded!.certificate.equals(issued.certificate)).toBe(true);
    expect(loaded!.chain).toEqual(issued.chain);
    expect((await store.loadCertificate('Inst1'))?.equals(issued.certificate)).toBe(true);
    expect(await readdir(join(dir, 'certs'))).toEqual(['Inst1.p12']); // no temp files left
  }, TIMEOUT);

  it('creates a first keystore\'s password in prepare(), writes the keystore under it, and keeps it then', async () => {
    await store.prepare('Inst2');
    const password = await vault.get(store.vaultAccount('Inst2'));
    expect(password).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await store.has('Inst2')).toBe(false);
    const issued = await issueCertificate({ type: 'ec', curve: 'P-256' });
    await store.save('Inst2', issued);
    await store.discardUnused('Inst2');
    expect(await vault.get(store.vaultAccount('Inst2'))).toBe(password);
    const opened = await readPkcs12(await readFile(join(dir, 'certs', 'Inst2.p12')), password!);
    expect(opened.certificate.equals(issued.certificate)).toBe(true);
  }, TIMEOUT);

  it('writes the keystore under the vault\'s password of the moment of save(), not the one prepare() found', async () => {
    await store.prepare('Inst2');
    // Another process replaced the password meanwhile (a delete and a new first keystore, say).
    const replaced = randomBytes(32).toString('base64url');
    await vault.set(store.vaultAccount('Inst2'), replaced);
    const issued = await issueCertificate({ type: 'ec', curve: 'P-256' });
    await store.save('Inst2', issued);
    const opened = await readPkcs12(await readFile(join(dir, 'certs', 'Inst2.p12')), replaced);
    expect(opened.certificate.equals(issued.certificate)).toBe(true);
  }, TIMEOUT);

  it('erases the password prepare() created when the run ends without a keystore', async () => {
    await store.prepare('Inst2');
    expect(await vault.get(store.vaultAccount('Inst2'))).not.toBeNull();
    await store.discardUnused('Inst2');
    expect(await vault.get(store.vaultAccount('Inst2'))).toBeNull();
  });

  it('gives an existing keystore whose password is lost no new one in prepare(): it still says the password is missing', async () => {
    await store.save('Inst1', await issueCertificate({ type: 'ec', curve: 'P-256' }));
    await vault.delete(store.vaultAccount('Inst1'));
    await store.prepare('Inst1');
    await store.discardUnused('Inst1');
    expect(await vault.get(store.vaultAccount('Inst1'))).toBeNull();
    await expect(store.load('Inst1')).rejects.toMatchObject({ code: 'KEYSTORE', message: expect.stringContaining('password is not in the OS credential vault') });
  }, TIMEOUT);

  it('answers null for an instance ID without a keystore', async () => {
    expect(await store.load('Inst2')).toBeNull();
    expect(await store.loadCertificate('Inst2')).toBeNull();
  });

  it('replaces a keystore with a new certificate under the same vault password', async () => {
    await store.save('Inst1', await issueCertificate({ type: 'ec', curve: 'P-256' }));
    const password = await vault.get(store.vaultAccount('Inst1'));
    const renewed = await issueCertificate({ type: 'ec', curve: 'P-384' });
    await store.save('Inst1', renewed);
    expect((await store.loadCertificate('Inst1'))?.equals(renewed.certificate)).toBe(true);
    expect(await vault.get(store.vaultAccount('Inst1'))).toBe(password);
  }, TIMEOUT);

  it('keeps the previous keystore when the new one cannot be built', async () => {
    const first = await issueCertificate({ type: 'ec', curve: 'P-256' });
    await store.save('Inst1', first);
    const before = await readFile(join(dir, 'certs', 'Inst1.p12'));
    const other = await issueCertificate({ type: 'ec', curve: 'P-256' });
    const error = await ctiRejection(store.save('Inst1', { privateKey: other.privateKey, certificate: first.certificate }));
    expect(error.code).toBe('KEYSTORE');
    expect((await readFile(join(dir, 'certs', 'Inst1.p12'))).equals(before)).toBe(true);
    expect((await store.loadCertificate('Inst1'))?.equals(first.certificate)).toBe(true);
  }, TIMEOUT);

  it('uses CTIPREFS_KEYSTORE_PASSWORD when set: openssl opens the file with it', async () => {
    const password = 'ci-agent-password-1';
    const envStore = new CertificateStore({ dir, vault, env: { [KEYSTORE_PASSWORD_ENV]: password } });
    await envStore.save('Inst3', await issueCertificate({ type: 'ec', curve: 'P-256' }));
    expect(await vault.get(envStore.vaultAccount('Inst3'))).toBeNull();
    const { stdout } = await run('openssl', ['pkcs12', '-in', join(dir, 'Inst3.p12'), '-passin', `pass:${password}`, '-nokeys'], { timeout: TIMEOUT });
    expect(stdout).toContain('BEGIN CERTIFICATE');
    // A person chose this password: every guess must cost the full count.
    expect(await macIterations(join(dir, 'Inst3.p12'))).toBe(PKCS12_ITERATIONS);
  }, TIMEOUT);

  it('reports a keystore whose password is missing from the vault, without creating one', async () => {
    await store.save('Inst1', await issueCertificate({ type: 'ec', curve: 'P-256' }));
    await vault.delete(store.vaultAccount('Inst1'));
    const error = await ctiRejection(store.load('Inst1'));
    expect(error.code).toBe('KEYSTORE');
    expect(error.message).toMatch(/password is not in the OS credential vault/);
    expect(await vault.get(store.vaultAccount('Inst1'))).toBeNull();
  }, TIMEOUT);
});

describe('instance IDs never leave the folder', () => {
  it.each(['../evil', 'a/b', '..', '', 'Inst1.p12', 'x\0y', 'C:\\evil', 'a'.repeat(129)])('refuses %j', async (id) => {
    const issued = await issueCertificate({ type: 'ec', curve: 'P-256' });
    for (const attempt of [store.save(id, issued), store.load(id), store.exportPem(id), store.delete(id), store.exportP12(id, join(dir, 'out.p12'), 'export-password')]) {
      const error = await ctiRejection(attempt);
      expect(error.code).toBe('BAD_INPUT');
      expect(error.message).toMatch(/Instance ID must be 1 to 128 letters or digits/);
    }
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('list', () => {
  it('describes every keystore, lists unreadable ones with an error, and ignores other files', async () => {
    await store.save('Inst2', await issueCertificate({ type: 'ec', curve: 'P-384' }, { cn: 'user-two', validityDays: 10 }));
    await store.save('Inst1', await issueCertificate({ type: 'rsa', bits: 2048 }, { cn: 'user-one' }));
    await writeFile(join(dir, 'certs', 'Broken.p12'), 'not a keystore');
    await vault.set(store.vaultAccount('Broken'), 'some-password');
    await writeFile(join(dir, 'certs', 'notes.txt'), 'hello');
    await writeFile(join(dir, 'certs', 'bad name.p12'), 'ignored: not an instance ID');

    const listed = await store.list();
    expect(listed.map((entry) => entry.instanceId)).toEqual(['Broken', 'Inst1', 'Inst2']);
    const [broken, one, two] = listed;
    expect(broken?.error?.code).toBe('KEYSTORE');
    expect(broken?.error?.message).toMatch(/Broken\.p12/);
    expect(one).toMatchObject({ subject: 'CN=user-one, OU=CTI, O=ctiprefs tests', keyType: 'RSA', keySize: '2048', expiringSoon: false });
    expect(two).toMatchObject({ keyType: 'EC', keySize: 'P-384', expiringSoon: true, expired: false });
    expect(JSON.stringify(listed)).not.toMatch(/PRIVATE KEY|privateKey/);
    expect(logger.lines.join('\n')).toMatch(/keystore\.unreadable/);
  }, TIMEOUT);

  it('is empty for a folder that does not exist yet', async () => {
    expect(await store.list()).toEqual([]);
  });
});

describe('export and delete', () => {
  it('exports the certificate and chain as PEM, never the key', async () => {
    const issued = await issueCertificate({ type: 'ec', curve: 'P-256' });
    await store.save('Inst1', issued);
    const pem = await store.exportPem('Inst1');
    expect(pem).toBe(toPem(issued.certificate) + toPem(issued.chain[0]!));
    expect(pem).not.toMatch(/PRIVATE KEY/);
    expect((await ctiRejection(store.exportPem('Inst2'))).message).toMatch(/No certificate is stored for instance ID "Inst2"/);
  }, TIMEOUT);

  it('exports a copy of the keystore encrypted with the password the user chose', async () => {
    const issued = await issueCertificate({ type: 'ec', curve: 'P-256' });
    await store.save('Inst1', issued);
    const out = join(dir, 'export', 'copy.p12');
    await store.exportP12('Inst1', out, 'chosen-by-user');
    expect((await stat(out)).mode & 0o777).toBe(0o600);
    const opened = await readPkcs12(await readFile(out), 'chosen-by-user');
    expect(opened.certificate.equals(issued.certificate)).toBe(true);
    await expect(readPkcs12(await readFile(out), (await vault.get(store.vaultAccount('Inst1')))!)).rejects.toMatchObject({ code: 'KEYSTORE' });
    await expect(store.exportP12('Inst1', out, 'short')).rejects.toMatchObject({ code: 'BAD_INPUT' });
  }, TIMEOUT);

  it('deletes the keystore and its vault password', async () => {
    await store.save('Inst1', await issueCertificate({ type: 'ec', curve: 'P-256' }));
    expect(await store.delete('Inst1')).toBe(true);
    expect(await store.load('Inst1')).toBeNull();
    expect(await vault.get(store.vaultAccount('Inst1'))).toBeNull();
    expect(await store.delete('Inst1')).toBe(false);
  }, TIMEOUT);
});

describe('secrets stay out of logs and errors', () => {
  it('never logs the keystore password or key material', async () => {
    const issued = await issueCertificate({ type: 'ec', curve: 'P-256' });
    await store.save('Inst1', issued);
    await store.list();
    await store.exportPem('Inst1');
    await store.delete('Inst1');
    await store.save('Inst1', issued);
    const password = (await vault.get(store.vaultAccount('Inst1')))!;
    const log = logger.lines.join('\n');
    expect(log).toMatch(/keystore\.saved/);
    expect(log).not.toContain(password);
    expect(log).not.toContain(pkcs8(issued.privateKey).toString('base64').slice(0, 40));
  }, TIMEOUT);
});

describe('vault accounts per folder (real vault)', () => {
  it('keeps the same instance ID in two folders apart: own passwords, deleting one leaves the other', async () => {
    const other = new CertificateStore({ dir: join(dir, 'other-certs'), vault, env: {} });
    expect(other.folderId).not.toBe(store.folderId);
    const first = await issueCertificate({ type: 'ec', curve: 'P-256' });
    const second = await issueCertificate({ type: 'ec', curve: 'P-256' });
    await store.save('Inst1', first);
    await other.save('Inst1', second);
    const [a, b] = [await vault.get(store.vaultAccount('Inst1')), await vault.get(other.vaultAccount('Inst1'))];
    expect(a).toBeTruthy();
    expect(b).toBeTruthy();
    expect(a).not.toBe(b);
    expect(await vault.get(keystoreAccount('Inst1'))).toBeNull();

    expect(await store.delete('Inst1')).toBe(true);
    expect((await other.loadCertificate('Inst1'))?.equals(second.certificate)).toBe(true);
    await other.delete('Inst1');
  }, TIMEOUT);

  it('moves the password of an older version (keystore:<instanceId>) to the folder account on first open, without losing it', async () => {
    const issued = await issueCertificate({ type: 'ec', curve: 'P-256' });
    await store.save('Inst1', issued);
    // What an older version left: the same keystore, its password under the old account name only.
    const password = (await vault.get(store.vaultAccount('Inst1')))!;
    await vault.delete(store.vaultAccount('Inst1'));
    await vault.set(keystoreAccount('Inst1'), password);

    expect((await store.loadCertificate('Inst1'))?.equals(issued.certificate)).toBe(true);
    expect(await vault.get(store.vaultAccount('Inst1'))).toBe(password);
    expect(logger.lines.join('\n')).toMatch(/keystore\.password-migrated/);
    // A re-enrolment reuses the migrated password: the old keystore never becomes unreadable midway.
    await store.save('Inst1', await issueCertificate({ type: 'ec', curve: 'P-256' }));
    expect(await vault.get(store.vaultAccount('Inst1'))).toBe(password);
  }, TIMEOUT);

  it('never takes an old-style password that does not open this folder\'s keystore', async () => {
    await store.save('Inst1', await issueCertificate({ type: 'ec', curve: 'P-256' }));
    await vault.delete(store.vaultAccount('Inst1'));
    await vault.set(keystoreAccount('Inst1'), 'belongs-to-another-folder');
    const error = await ctiRejection(store.load('Inst1'));
    expect(error.message).toMatch(/password is not in the OS credential vault/);
    expect(await vault.get(store.vaultAccount('Inst1'))).toBeNull();
  }, TIMEOUT);
});
