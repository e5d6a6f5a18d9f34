/** `ctiprefs ctios ...` as a user runs it: the real CLI in a child process, real files, real openssl. */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startLabProcess } from '../../helpers/cli.ts';
import { tempDir } from '../../helpers/temp.ts';

const run = promisify(execFile);
const PASSWORD = 'ca-password-1';
// Each CLI run starts Node with tsx (seconds on a loaded 2-core machine); a flow runs several.
const FLOW_TIMEOUT_MS = 180_000;

describe('ctiprefs ctios', () => {
  let tmp: { path: string; remove(): Promise<void> };
  const env = () => ({ CTIPREFS_CTIOS_CA_PASSWORD: PASSWORD });
  let ca: string;

  beforeAll(async () => {
    tmp = await tempDir('ctios-cli');
    ca = join(tmp.path, 'ca');
    const made = await runCli(['ctios', 'ca', 'create', '--out', ca], { env: env() });
    expect(made.code, made.stderr).toBe(0);
  }, FLOW_TIMEOUT_MS);
  afterAll(() => tmp.remove());

  it('CA password limits: 7 and 31 characters exit 2, 8 and 30 work', async () => {
    for (const [length, code] of [[7, 2], [8, 0], [30, 0], [31, 2]] as const) {
      const out = join(tmp.path, `ca-${length}`);
      const result = await runCli(['ctios', 'ca', 'create', '--out', out], { env: { CTIPREFS_CTIOS_CA_PASSWORD: 'x'.repeat(length) } });
      expect(result.code, `${length} characters`).toBe(code);
      if (code === 2) {
        expect(result.stderr).toContain(`CA password must be 8 to 30 characters without control characters (got ${length})`);
        await expect(readdir(out)).rejects.toThrow(/ENOENT/);
      }
    }
  }, FLOW_TIMEOUT_MS);

  it('the password never as a flag; from a file or standard input instead', async () => {
    const flag = await runCli(['ctios', 'ca', 'create', '--out', join(tmp.path, 'x'), '--password', PASSWORD]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/Unknown option '--password'/);
    const none = await runCli(['ctios', 'ca', 'create', '--out', join(tmp.path, 'x')], { env: { CTIPREFS_CTIOS_CA_PASSWORD: undefined } });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('set CTIPREFS_CTIOS_CA_PASSWORD or give --password-file FILE|- (never a flag)');
    const stdin = await runCli(['ctios', 'ca', 'create', '--out', join(tmp.path, 'ca-stdin'), '--password-file', '-'], { input: `${PASSWORD}\n` });
    expect(stdin.code, stdin.stderr).toBe(0);
    const { stdout } = await run('openssl', ['pkey', '-in', join(tmp.path, 'ca-stdin', 'CtiosRoot.pem'), '-passin', `pass:${PASSWORD}`, '-noout', '-text']);
    expect(stdout).toContain('Private-Key');
  }, FLOW_TIMEOUT_MS);

  it('request, sign (wrong password writes nothing), check, test against the lab endpoint', async () => {
    const server = join(tmp.path, 'server');
    const client = join(tmp.path, 'client');
    expect((await runCli(['ctios', 'request', '--role', 'server', '--out', server, '--subject', 'CN=ctios1,OU=CTI OS Server'])).code).toBe(0);
    expect((await runCli(['ctios', 'request', '--role', 'client', '--out', client, '--subject', 'CN=desk'])).code).toBe(0);

    const before = await readdir(client);
    const wrong = await runCli(['ctios', 'sign', '--ca', ca, '--request', join(client, 'CtiosClientreq.pem'), '--out', client], { env: { CTIPREFS_CTIOS_CA_PASSWORD: 'wrong-password' } });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('The CA password does not open');
    expect(await readdir(client)).toEqual(before);

    for (const [dir, request] of [[server, 'CtiosServerReq.pem'], [client, 'CtiosClientreq.pem']] as const) {
      const signed = await runCli(['--json', 'ctios', 'sign', '--ca', ca, '--request', join(dir, request), '--out', dir], { env: env() });
      expect(signed.code, signed.stdout).toBe(0);
    }
    const notYet = await runCli(['--json', 'ctios', 'check', client]);
    expect(notYet.code).toBe(7);
    expect(JSON.parse(notYet.stdout).findings[0]).toMatchObject({ finding: 'missing-file', file: 'CtiosRootCert.pem' });
    for (const dir of [server, client]) await writeFile(join(dir, 'CtiosRootCert.pem'), await readFile(join(ca, 'CtiosRootCert.pem')));
    const checked = await runCli(['ctios', 'check', server, '--role', 'server']);
    expect(checked.code, checked.stdout).toBe(0);
    expect(checked.stdout).toContain('CTI OS server set in');

    const { child, ready } = await startLabProcess(['--dir', join(tmp.path, 'lab'), '--ctios-dir', server, '--ctios-handshake-time', '3']);
    try {
      const tested = await runCli(['--home', join(tmp.path, 'home'), '--json', 'ctios', 'test', '--server', String(ready.ctios), '--dir', client]);
      expect(tested.code, tested.stdout).toBe(0);
      expect(JSON.parse(tested.stdout)).toMatchObject({ ok: true, outcome: 'connected', serverSubject: 'OU=CTI OS Server, CN=ctios1' });
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  }, FLOW_TIMEOUT_MS);

  it('combine --cleanup: a third-party certificate + key, then the separate files are gone', async () => {
    const dir = join(tmp.path, 'third');
    expect((await runCli(['ctios', 'request', '--role', 'client', '--out', dir])).code).toBe(0);
    await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(tmp.path, 'tp.key'), '-out', join(tmp.path, 'tp.pem'), '-subj', '/CN=Third Party', '-days', '5']);
    await run('openssl', ['x509', '-req', '-in', join(dir, 'CtiosClientreq.pem'), '-CA', join(tmp.path, 'tp.pem'), '-CAkey', join(tmp.path, 'tp.key'), '-CAcreateserial', '-out', join(dir, 'CtiosClientCert.pem'), '-days', '5']);
    const combined = await runCli(['ctios', 'combine', '--cert', join(dir, 'CtiosClientCert.pem'), '--key', join(dir, 'CtiosClientkey.pem'), '--out', join(dir, 'CtiosClient.pem'), '--cleanup']);
    expect(combined.code, combined.stderr).toBe(0);
    expect((await readdir(dir)).sort()).toEqual(['CtiosClient.pem', 'CtiosClientreq.pem']);
  }, FLOW_TIMEOUT_MS);

  it('settings: set, export to .reg, import back; out-of-range import refused with the value and range', async () => {
    const home = join(tmp.path, 'settings-home');
    const reg = join(tmp.path, 'server.reg');
    expect((await runCli(['--home', home, 'ctios', 'settings', 'set', '--role', 'server', 'InstanceName=cc1', 'SecurityEnabled=1', 'MonitorModeDisableDuration=30'])).code).toBe(0);
    expect((await runCli(['--home', home, 'ctios', 'settings', 'export', '--role', 'server', '--reg', reg])).code).toBe(0);
    const text = (await readFile(reg)).subarray(2).toString('utf16le');
    expect(text).toContain('[HKEY_LOCAL_MACHINE\\SOFTWARE\\Cisco Systems, Inc.\\Ctios\\CTIOS_cc1\\CTIOS1\\Server\\Security]\r\n"SecurityEnabled"=dword:00000001');

    const other = join(tmp.path, 'settings-other');
    const imported = await runCli(['--home', other, '--json', 'ctios', 'settings', 'import', '--role', 'server', '--reg', reg]);
    expect(imported.code, imported.stdout).toBe(0);
    expect(JSON.parse(imported.stdout).settings.server).toMatchObject({ instanceName: 'cc1', values: { SecurityEnabled: 1, MonitorModeDisableDuration: 30 } });

    await writeFile(reg, `Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Cisco Systems, Inc.\\CTI OS Client]\r\n"HandShakeTime"=dword:00000000\r\n`);
    const refused = await runCli(['--home', other, 'ctios', 'settings', 'import', '--reg', reg]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('HandShakeTime must be 1 to 300 seconds, got 0; nothing was imported');
    const shown = await runCli(['--home', other, '--json', 'ctios', 'settings', 'show']);
    expect(JSON.parse(shown.stdout).client.values.HandShakeTime).toBe(5);
  });
});
