/**
 * The window's CTI OS channels end to end: each payload through the same validation and dispatch as
 * Electron's IPC and the preview bridge, the real AppService on a real home folder, the files read back by
 * openssl, a mutual-TLS test against the lab's CTI OS endpoint, and the folder policy.
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppService, type AppService } from '../../../electron/core/app-service.ts';
import { memoryLogger } from '../../../electron/core/log.ts';
import { encodeRegFile } from '../../../electron/core/ctios/registry-file.ts';
import { dispatchRequest } from '../../../electron/ipc-dispatch.ts';
import { startCtiosLabServer } from '../../../electron/lab/ctios-server.ts';
import type { Channel, IpcEnvelope, ResponseOf } from '../../../shared/ipc.ts';
import { CA_PASSWORD, makeCa, makeSignedSet } from '../../helpers/ctios.ts';
import { tempDir } from '../../helpers/temp.ts';

const run = promisify(execFile);
const openssl = async (...args: string[]) => (await run('openssl', args)).stdout;

let tmp: { path: string; remove(): Promise<void> };
let home: string;
let picked: string | null = null;
let service: AppService;
const logger = memoryLogger();
/** Every answer the channels gave, to prove no key ever left the core. */
const answers: unknown[] = [];

async function call<C extends Channel>(channel: C, payload?: unknown): Promise<IpcEnvelope<ResponseOf<C>>> {
  const envelope = (await dispatchRequest(service, channel, payload, logger)) as IpcEnvelope<ResponseOf<C>>;
  answers.push(envelope);
  return envelope;
}

async function ok<C extends Channel>(channel: C, payload?: unknown): Promise<ResponseOf<C>> {
  const envelope = await call(channel, payload);
  if ('error' in envelope) throw new Error(`${channel}: ${envelope.error.code} ${envelope.error.message}`);
  return envelope.result;
}

async function refused(channel: Channel, payload: unknown): Promise<{ code: string; message: string }> {
  const envelope = await call(channel, payload);
  if (!('error' in envelope)) throw new Error(`${channel} was expected to fail`);
  return envelope.error;
}

beforeAll(async () => {
  tmp = await tempDir('ctios-channels');
  home = join(tmp.path, 'home');
  service = await createAppService({ home, logger, env: { CTIPREFS_KEYSTORE_PASSWORD: 'ctios-channels-test' }, pickFolder: async () => picked });
});
afterAll(async () => {
  await service.close();
  await tmp.remove();
});

describe('CTI OS channels', () => {
  it('create CA, request, sign, check and test: files openssl accepts, answers without keys', async () => {
    const ca = await ok('ctios:ca-create', { dir: 'ctios', password: CA_PASSWORD });
    expect(ca).toMatchObject({ dir: join(home, 'ctios'), keyFile: 'CtiosRoot.pem', certificateFile: 'CtiosRootCert.pem', subject: 'OU=CTI OS Security, CN=CTI OS Root CA' });
    const dir = join(home, 'ctios');
    expect(await openssl('pkey', '-in', join(dir, 'CtiosRoot.pem'), '-passin', `pass:${CA_PASSWORD}`, '-noout', '-text')).toContain('Private-Key: (2048 bit');

    const request = await ok('ctios:request', { dir: 'ctios', role: 'client', subject: 'CN=desk-7,OU=CTI OS Client' });
    expect(request).toEqual({ role: 'client', dir, keyFile: 'CtiosClientkey.pem', requestFile: 'CtiosClientreq.pem' });
    const verified = await run('openssl', ['req', '-in', join(dir, 'CtiosClientreq.pem'), '-verify', '-noout', '-subject']);
    expect(`${verified.stdout}${verified.stderr}`).toMatch(/verify OK/i);
    expect(verified.stdout).toContain('CN = desk-7');

    const signed = await ok('ctios:sign', { caDir: 'ctios', dir: 'ctios', role: 'client', password: CA_PASSWORD });
    expect(signed).toMatchObject({ role: 'client', dir, file: 'CtiosClient.pem', subject: 'OU=CTI OS Client, CN=desk-7', rootCopied: false });
    expect((await openssl('verify', '-CAfile', join(dir, 'CtiosRootCert.pem'), join(dir, 'CtiosClient.pem'))).trim()).toBe(`${join(dir, 'CtiosClient.pem')}: OK`);

    const state = await ok('ctios:state', { dir: 'ctios' });
    const present = state.files.filter((f) => f.present).map((f) => f.name);
    expect(present).toEqual(['CtiosRoot.pem', 'CtiosRootCert.pem', 'CtiosClientkey.pem', 'CtiosClientreq.pem', 'CtiosClient.pem']);
    expect(state.files.find((f) => f.name === 'CtiosClient.pem')).toMatchObject({ subject: 'OU=CTI OS Client, CN=desk-7', issuer: 'OU=CTI OS Security, CN=CTI OS Root CA', validTo: signed.notAfter });
    expect(state.files.find((f) => f.name === 'CtiosClientreq.pem')?.subject).toBe('OU=CTI OS Client, CN=desk-7');

    const check = await ok('ctios:check', { dir: 'ctios', role: 'client' });
    expect(check.ok).toBe(true);
    expect(check.findings.map((f) => f.finding)).toEqual(['leftover-file']);

    // A server set in its own folder, signed by the same CA: CtiosRootCert.pem is copied beside it.
    await ok('ctios:request', { dir: 'ctios-server', role: 'server', subject: 'CN=ctios-server' });
    const server = await ok('ctios:sign', { caDir: 'ctios', dir: 'ctios-server', role: 'server', password: CA_PASSWORD });
    expect(server).toMatchObject({ role: 'server', file: 'CtiosServer.pem', rootCopied: true });
    expect(await readFile(join(home, 'ctios-server', 'CtiosRootCert.pem'), 'utf8')).toBe(await readFile(join(dir, 'CtiosRootCert.pem'), 'utf8'));

    const lab = await startCtiosLabServer({ dir: join(home, 'ctios-server') });
    try {
      const test = await ok('ctios:test', { dir: 'ctios', server: `127.0.0.1:${lab.port}` });
      expect(test).toMatchObject({ ok: true, outcome: 'connected', clientSubject: 'OU=CTI OS Client, CN=desk-7', serverSubject: 'CN=ctios-server', protocol: 'TLSv1.2' });
    } finally {
      await lab.close();
    }

    const said = JSON.stringify(answers);
    expect(said).not.toContain('PRIVATE KEY');
    expect(said).not.toContain(CA_PASSWORD);
    expect(logger.lines.join('\n')).not.toContain(CA_PASSWORD);
  });

  it('refuses a wrong CA password without writing anything', async () => {
    await ok('ctios:request', { dir: 'wrong-password', role: 'client', subject: '' });
    const before = await readdir(join(home, 'wrong-password'));
    const error = await refused('ctios:sign', { caDir: 'ctios', dir: 'wrong-password', role: 'client', password: 'not-the-password' });
    expect(error.code).toBe('BAD_INPUT');
    expect(error.message).toContain('The CA password does not open');
    expect(error.message).not.toContain('not-the-password');
    expect(await readdir(join(home, 'wrong-password'))).toEqual(before);
    expect(JSON.stringify(logger.lines)).not.toContain('not-the-password');
  });

  it('says what is wrong with a file that is there but unusable, and never fails the whole state', async () => {
    const dir = join(home, 'damaged');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'CtiosRootCert.pem'), 'not a PEM file');
    await writeFile(join(dir, 'CtiosRoot.pem'), await readFile(join(home, 'ctios', 'CtiosRootCert.pem')));
    const request = await readFile(join(home, 'ctios', 'CtiosClientreq.pem'), 'utf8');
    // One base64 character changed inside the request: its signature no longer verifies.
    const lines = request.split('\n');
    lines[3] = `${lines[3]![0] === 'A' ? 'B' : 'A'}${lines[3]!.slice(1)}`;
    await writeFile(join(dir, 'CtiosClientreq.pem'), lines.join('\n'));
    await mkdir(join(dir, 'CtiosClient.pem'));
    const state = await ok('ctios:state', { dir: 'damaged' });
    const problem = (name: string) => state.files.find((f) => f.name === name)?.problem;
    expect(problem('CtiosRootCert.pem')).toBe('holds no PEM block');
    expect(problem('CtiosRoot.pem')).toBe('holds no private key');
    expect(problem('CtiosClientreq.pem')).toBe('holds a certificate request that does not verify (changed, damaged or not PKCS#10)');
    expect(problem('CtiosClient.pem')).toBe('is not a regular file');
    expect(state.files.find((f) => f.name === 'CtiosServer.pem')).toMatchObject({ present: false });
  });

  it('never overwrites a CA that is there', async () => {
    const before = await readFile(join(home, 'ctios', 'CtiosRoot.pem'), 'utf8');
    const error = await refused('ctios:ca-create', { dir: 'ctios', password: 'another-password' });
    expect(error.message).toMatch(/already exists and is kept/);
    expect(await readFile(join(home, 'ctios', 'CtiosRoot.pem'), 'utf8')).toBe(before);
  });

  it('combines a third-party certificate with its key, cleaning up as asked; openssl reads the result', async () => {
    const other = await makeCa(join(tmp.path, 'third-party-ca'));
    const issued = await makeSignedSet(other, join(tmp.path, 'issued'), 'client', 'desk-3p');
    await ok('ctios:request', { dir: 'third-party', role: 'client', subject: 'CN=unused' });
    const dir = join(home, 'third-party');
    // The third party certified the key made in that other folder: put that key and its certificate here.
    const combinedElsewhere = await readFile(join(issued, 'CtiosClient.pem'), 'utf8');
    const [certificate] = combinedElsewhere.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/)!;
    await writeFile(join(dir, 'CtiosClientCert.pem'), certificate);
    const wrongKey = await refused('ctios:combine', { dir: 'third-party', role: 'client', cleanup: true });
    expect(wrongKey.message).toMatch(/is not the key of/);
    await writeFile(join(dir, 'CtiosClientkey.pem'), await readFile(join(issued, 'CtiosClientkey.pem')), { mode: 0o600 });
    const combined = await ok('ctios:combine', { dir: 'third-party', role: 'client', cleanup: true });
    expect(combined).toEqual({ dir, file: 'CtiosClient.pem', subject: 'CN=desk-3p', issuer: 'OU=CTI OS Security, CN=CTI OS Root CA', deleted: ['CtiosClientCert.pem', 'CtiosClientkey.pem'] });
    expect(await openssl('x509', '-in', join(dir, 'CtiosClient.pem'), '-noout', '-subject')).toContain('CN = desk-3p');
    const files = await readdir(dir);
    expect(files).not.toContain('CtiosClientCert.pem');
    expect(files).not.toContain('CtiosClientkey.pem');
  });

  it('keeps settings with the shared rules and round-trips them through a .reg file', async () => {
    const set = await ok('ctios:settings-set', { role: 'server', changes: { instancename: 'cc1', NumBytesRenegotiation: 20_000_000, SecurityEnabled: 1 } });
    expect(set.server).toMatchObject({ instanceName: 'cc1', serverName: 'CTIOS1', values: { NumBytesRenegotiation: 20_000_000, SecurityEnabled: 1 } });
    expect((await refused('ctios:settings-set', { role: 'client', changes: { HandShakeTime: 301 } })).message).toContain('HandShakeTime must be 1 to 300 seconds');

    const exported = await ok('ctios:reg-export', { role: 'server' });
    expect(exported.fileName).toBe('ctios-server.reg');
    expect(exported.key).toBe('HKEY_LOCAL_MACHINE\\SOFTWARE\\Cisco Systems, Inc.\\Ctios\\CTIOS_cc1\\CTIOS1\\Server\\Security');
    const text = Buffer.from(exported.base64, 'base64').toString('utf16le');
    expect(text).toContain('"NumBytesRenegotiation"=dword:01312d00');

    // Back to the defaults, then the exported file brings the values back.
    await ok('ctios:settings-set', { role: 'server', changes: { NumBytesRenegotiation: 10_000_000, SecurityEnabled: 0 } });
    const imported = await ok('ctios:reg-import', { role: 'server', base64: exported.base64 });
    expect(imported.imported).toContain('NumBytesRenegotiation');
    expect((await ok('ctios:settings-get')).server.values).toMatchObject({ NumBytesRenegotiation: 20_000_000, SecurityEnabled: 1 });

    const outOfRange = encodeRegFile([{ key: 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Cisco Systems, Inc.\\CTI OS Client', values: { HandShakeTime: 0, CAType: 2 } }]);
    const error = await refused('ctios:reg-import', { role: 'client', base64: outOfRange.toString('base64') });
    expect(error.message).toContain('HandShakeTime must be 1 to 300 seconds, got 0; nothing was imported');
    expect((await ok('ctios:settings-get')).client.values).toEqual({ CAType: 1, HandShakeTime: 5 });
  });
});

describe('CTI OS folders over IPC', () => {
  it('refuses folders outside the home that were not picked, also through a link in the home', async () => {
    for (const dir of ['/etc', '../outside', join(tmp.path, 'elsewhere')]) {
      const error = await refused('ctios:state', { dir });
      expect(error.code).toBe('BAD_INPUT');
      expect(error.message).toMatch(/^Set folder: .* is outside .*; choose it with "Choose set folder…"/);
    }
    await mkdir(join(tmp.path, 'target'), { recursive: true });
    await symlink(join(tmp.path, 'target'), join(home, 'link'));
    expect((await refused('ctios:ca-create', { dir: 'link/ca', password: CA_PASSWORD })).message).toMatch(/is outside/);
    expect(await readdir(join(tmp.path, 'target'))).toEqual([]);
    expect((await refused('ctios:sign', { caDir: '/etc', dir: 'ctios', role: 'client', password: CA_PASSWORD })).message).toMatch(/^CA folder: \/etc is outside/);
  });

  it('accepts a folder picked in the native dialog', async () => {
    picked = join(tmp.path, 'picked-ca');
    expect(await ok('folders:pick')).toBe(picked);
    const ca = await ok('ctios:ca-create', { dir: picked, password: CA_PASSWORD });
    expect(ca.dir).toBe(picked);
    expect(await openssl('x509', '-in', join(picked, 'CtiosRootCert.pem'), '-noout', '-subject')).toContain('CN = CTI OS Root CA');
  });
});
