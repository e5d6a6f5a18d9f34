/**
 * `ctiprefs doctor` against the lab in each of its fault modes, over real sockets, through the real CLI:
 * each check's failure is made real (no CTL, a swapped or non-CA CAPF certificate, a changed CTL signer,
 * a compromised certificate, an unreachable server, an unsafe home, no vault), and the exit code follows.
 */
import { once } from 'node:events';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DoctorCheck } from '../../../electron/core/doctor/checks.ts';
import { defaultProfile } from '../../../shared/profile.ts';
import { runCli, startLabProcess } from '../../helpers/cli.ts';
import { closedTcpPort } from '../../../scripts/lib/ports.ts';
import { tempDir } from '../../helpers/temp.ts';

type Ready = Record<string, string>;
const labs: ChildProcess[] = [];
const dirs: Awaited<ReturnType<typeof tempDir>>[] = [];

async function lab(args: string[]): Promise<Ready> {
  const dir = await tempDir('doctor-lab');
  dirs.push(dir);
  const started = await startLabProcess(['--dir', dir.path, ...args]);
  labs.push(started.child);
  return started.ready as Ready;
}

async function home(): Promise<string> {
  const dir = await tempDir('doctor-home');
  dirs.push(dir);
  return join(dir.path, 'home');
}

async function doctor(homeDir: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const run = await runCli(['--home', homeDir, '--json', 'doctor', ...args], { env });
  const checks = (JSON.parse(run.stdout) as { checks: DoctorCheck[] }).checks;
  const byId = (id: string) => {
    const found = checks.find((c) => c.id === id);
    if (!found) throw new Error(`no check ${id} in ${JSON.stringify(checks.map((c) => c.id))}`);
    return found;
  };
  return { ...run, checks, byId };
}

const enroll = (homeDir: string, ready: Ready, instanceId: string, authString: string) =>
  runCli(['--home', homeDir, 'enroll', '--tftp', ready.tftp!, '--capf', ready.capf!, '--user', 'agent', '--instance-id', instanceId, '--auth-string-file', '-'], {
    input: `${authString}\n`,
  });

/** The lab's CTIManager listens on a port of its own: the profile names it, as support staff would. */
async function pointAtCtiManager(homeDir: string, ready: Ready): Promise<void> {
  const file = join(homeDir, 'settings.json');
  const settings = JSON.parse(await readFile(file, 'utf8')) as { profiles: { ctiManagerServer: string }[] };
  for (const profile of settings.profiles) profile.ctiManagerServer = ready.ctiManager!;
  await writeFile(file, JSON.stringify(settings));
}

let healthy: Ready;
beforeAll(async () => {
  healthy = await lab(['--profile', 'doc1:12345678:p256', '--profile', 'comp1:23456789:p256', '--compromised', 'comp1']);
}, 120_000);
afterAll(async () => {
  for (const child of labs) {
    child.kill('SIGTERM');
    if (child.exitCode === null) await once(child, 'exit');
  }
  for (const dir of dirs) await dir.remove();
});

describe('ctiprefs doctor', () => {
  it('checks servers before any profile exists: a first use is a warning (exit 7), in the order of the issue', async () => {
    const h = await home();
    const run = await doctor(h, ['--tftp', healthy.tftp!, '--capf', healthy.capf!]);
    expect(run.code).toBe(7);
    expect(run.checks.map((c) => c.id)).toEqual([
      `tftp-reachable:${healthy.tftp}`,
      'ctl-present',
      'ctl-trusted',
      'capf-reachable',
      'capf-certificate',
      'duplicate-instance-ids',
      'vault',
      'home-permissions',
      'clock',
    ]);
    expect(run.byId('ctl-trusted')).toMatchObject({ status: 'warn', message: expect.stringContaining('would be trusted on first use') });
    expect(run.checks.filter((c) => c.id !== 'ctl-trusted').every((c) => c.status === 'pass' && c.fix === '')).toBe(true);
    expect(run.byId('capf-certificate').message).toMatch(/CA:TRUE, pathlen 0.*RSA 2048, SHA-256/);
  });

  it('passes every check for an enrolled profile (exit 0), as text too', async () => {
    const h = await home();
    expect((await enroll(h, healthy, 'doc1', '12345678')).code).toBe(0);
    await pointAtCtiManager(h, healthy);
    const run = await doctor(h, []);
    expect(run.checks.filter((c) => c.status !== 'pass')).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.byId('ctimanager-tls').message).toContain('client certificate accepted');
    expect(run.byId('stored-certificate').message).toMatch(/CTI-doc1.*issued by the CTL's CAPF.*days left/);
    const text = await runCli(['--home', h, 'doctor']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('PASS  ctimanager-tls:');
    expect(text.stdout).toMatch(/11 passed, 0 warnings, 0 failed\.\n$/);
  });

  it('fails a certificate CTIManager marked compromised, with the fix (exit 8)', async () => {
    const h = await home();
    expect((await enroll(h, healthy, 'comp1', '23456789')).code).toBe(0);
    await pointAtCtiManager(h, healthy);
    const run = await doctor(h, []);
    expect(run.code).toBe(8);
    expect(run.byId('ctimanager-tls')).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('0x00000011'),
      fix: expect.stringContaining('new instance ID'),
    });
    expect(run.byId('stored-certificate').status).toBe('pass');
  });

  it('warns about duplicate instance IDs among profiles', async () => {
    const h = await home();
    // Two profiles for one instance ID, as a hand-edited or imported settings file may have them.
    const [capfHost, capfPort] = healthy.capf!.split(':');
    const profile = (id: string, userName: string) => ({ ...defaultProfile(id), userName, instanceId: 'doc1', tftpServers: [healthy.tftp!], capfHost, capfPort: Number(capfPort) });
    const file = `${h}-settings.json`;
    await writeFile(file, JSON.stringify({ version: 2, profiles: [profile('doc1-agent', 'agent'), profile('copy-of-doc1', 'other')], activeProfileId: null }));
    expect((await runCli(['--home', h, 'settings', 'import', file])).code).toBe(0);
    const run = await doctor(h, ['--profile', 'copy-of-doc1']);
    expect(run.byId('duplicate-instance-ids')).toMatchObject({ status: 'warn', message: expect.stringContaining('"doc1"') });
  });

  it('names an unreachable TFTP server and skips what depends on it (exit 8)', async () => {
    const h = await home();
    const closed = `127.0.0.1:${await closedTcpPort()}`;
    const run = await doctor(h, ['--tftp', closed]);
    expect(run.code).toBe(8);
    expect(run.byId(`tftp-reachable:${closed}`)).toMatchObject({ status: 'fail', fix: expect.stringContaining('UDP') });
    expect(run.byId('ctl-present')).toMatchObject({ status: 'warn', message: expect.stringMatching(/^Not checked/) });
  });

  it('says "not in mixed mode, or not its TFTP server" when the CTL is missing', async () => {
    const noCtl = await lab(['--ctl-names', 'none']);
    const run = await doctor(await home(), ['--tftp', noCtl.tftp!, '--capf', noCtl.capf!]);
    expect(run.code).toBe(8);
    const present = run.byId('ctl-present');
    expect(present.status).toBe('fail');
    expect(present.message).toContain('not in mixed mode');
    expect(present.message).toContain("not the cluster's TFTP server");
    expect(present.message).toContain('CTLCAPF7f000001.tlv or CTLFile.tlv');
    expect(run.byId(`tftp-reachable:${noCtl.tftp}`).status).toBe('pass');
  });

  it('fails a CAPF certificate the CTL does not list (regenerated), and a trust list whose signer changed', async () => {
    const swapped = await lab(['--capf-certificate', 'swapped']);
    const h = await home();
    const first = await doctor(h, ['--tftp', swapped.tftp!, '--capf', swapped.capf!]);
    expect(first.byId('capf-reachable')).toMatchObject({ status: 'fail', message: expect.stringContaining('does not list in the CAPF role') });
    // Regenerated with the same rules: the certificate itself is fine.
    expect(first.byId('capf-certificate').status).toBe('pass');

    // The home trusts the healthy lab's CTL; the other lab's list has another signer.
    expect((await runCli(['--home', h, 'ctl', 'fetch', '--tftp', healthy.tftp!])).code).toBe(0);
    const changed = await doctor(h, ['--tftp', swapped.tftp!]);
    expect(changed.code).toBe(8);
    expect(changed.byId('ctl-trusted')).toMatchObject({ status: 'fail', message: expect.stringMatching(/^The signer changed: .*SHA-256 [0-9A-F:]{95}.*the trusted signer is/) });
  });

  it('fails a CAPF certificate without CA:TRUE, naming key size and hash', async () => {
    const notCa = await lab(['--capf-certificate', 'not-ca']);
    const run = await doctor(await home(), ['--tftp', notCa.tftp!, '--capf', notCa.capf!]);
    expect(run.code).toBe(8);
    expect(run.byId('capf-reachable').status).toBe('pass');
    expect(run.byId('capf-certificate')).toMatchObject({
      status: 'fail',
      message: expect.stringMatching(/14SU2\+ refuses LSCs .*: it is not a CA \(basicConstraints CA:TRUE is missing\); its key usage lacks keyCertSign \(RSA 2048, SHA-256, valid to /),
      fix: expect.stringContaining('pathlen 0'),
    });
  });

  it('fails an unsafe home with the chmod that fixes it', async () => {
    const h = await home();
    expect((await doctor(h, ['--tftp', healthy.tftp!])).code).toBe(7);
    await chmod(h, 0o777);
    const run = await doctor(h, ['--tftp', healthy.tftp!]);
    expect(run.code).toBe(8);
    expect(run.checks).toEqual([
      { id: 'home-permissions', status: 'fail', message: expect.stringContaining('can be changed by other users (mode 777)'), fix: `Run "chmod go-w ${h}".` },
    ]);
  });

  it('fails the vault check without an OS vault and says what to do', async () => {
    const run = await doctor(await home(), ['--tftp', healthy.tftp!], { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' });
    expect(run.code).toBe(8);
    expect(run.byId('vault')).toMatchObject({ status: 'fail', fix: expect.stringContaining('CTIPREFS_KEYSTORE_PASSWORD') });
    expect(run.byId('ctl-trusted').message).toMatch(/^Not checked/);
  });

  it('refuses a profile together with server flags (exit 2)', async () => {
    const run = await runCli(['--home', await home(), '--json', 'doctor', '--profile', 'x', '--tftp', healthy.tftp!]);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout)).toEqual({ error: { code: 'BAD_INPUT', message: expect.stringContaining('not both') } });
  });
});
