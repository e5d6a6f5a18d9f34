/** The CLI contract scripts rely on: commands, --json output and exit codes, over real sockets. */
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { AUTH_STRING_FLAG_WARNING } from '../../../electron/cli/commands.ts';
import { CLI, runCli, startLabProcess } from '../../helpers/cli.ts';
import { closedTcpPort } from '../../helpers/ports.ts';
import { startSilentTcpServer } from '../../helpers/silent-tcp.ts';
import { tempDir } from '../../helpers/temp.ts';

let lab: Awaited<ReturnType<typeof startLabProcess>>;
let labDir: Awaited<ReturnType<typeof tempDir>>;
let home: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  labDir = await tempDir('cli-lab');
  home = await tempDir('cli-home');
  lab = await startLabProcess(['--dir', labDir.path, '--profile', 'cli1:12345678:p256', '--profile', 'cli2:87654321:p384', '--profile', 'crash1:13572468:p256']);
}, 120_000);
afterAll(async () => {
  lab?.child.kill('SIGTERM');
  if (lab && lab.child.exitCode === null) await once(lab.child, 'exit');
  await labDir?.remove();
  await home?.remove();
});

const json = async (args: string[], input?: string) => {
  const run = await runCli(['--home', home.path, '--json', ...args], input === undefined ? {} : { input });
  return { ...run, body: JSON.parse(run.stdout || 'null') as Record<string, any> };
};

describe('ctiprefs CLI', () => {
  it('prints the lab ready line with its endpoints', () => {
    expect(lab.ready).toMatchObject({ ready: true, tftp: expect.stringMatching(/^127\.0\.0\.1:\d+$/), capf: expect.stringMatching(/^127\.0\.0\.1:\d+$/) });
  });

  it('exits 3 when no CTL is trusted yet', async () => {
    const run = await json(['ctl', 'show']);
    expect(run.code).toBe(3);
    expect(run.body).toEqual({ error: { code: 'CTL_NONE', message: expect.any(String) } });
  });

  it('fetches the CTL on first use, then finds it unchanged', async () => {
    // Without --capf only CTLFile.tlv is asked for.
    const first = await json(['ctl', 'fetch', '--tftp', String(lab.ready.tftp)]);
    expect(first.code).toBe(0);
    expect(first.body).toMatchObject({
      outcome: 'first-use',
      fileName: 'CTLFile.tlv',
      trustList: { trustedOnFirstUse: true, fileName: 'CTLFile.tlv', signerFingerprintSha256: expect.any(String) },
    });
    const roles = first.body.trustList.records.map((r: { roleName: string }) => r.roleName);
    expect(roles).toEqual(expect.arrayContaining(['SAST', 'CCM+TFTP', 'CAPF']));
    const again = await json(['ctl', 'fetch', '--tftp', `127.0.0.1:${await closedTcpPort()}`, '--tftp', String(lab.ready.tftp)]);
    expect(again.body).toMatchObject({ outcome: 'unchanged' });
    const shown = await json(['ctl', 'show']);
    expect(shown.body.trustList.signerFingerprintSha256).toBe(first.body.trustList.signerFingerprintSha256);
    // With --capf the CTLCAPF name comes first; the lab serves both names, the same bytes.
    const byCapf = await runCli(['--home', home.path, 'ctl', 'fetch', '--tftp', String(lab.ready.tftp), '--capf', String(lab.ready.capf)]);
    expect(byCapf.code).toBe(0);
    expect(byCapf.stdout).toContain(`CTL CTLCAPF7f000001.tlv from ${String(lab.ready.tftp)} is unchanged.`);
    const text = await runCli(['--home', home.path, 'ctl', 'show']);
    expect(text.stdout).toContain(`Trusted CTL CTLFile.tlv from ${String(lab.ready.tftp)}`);
  });

  it('exits 2 naming the field and its range for bad input', async () => {
    const args = ['enroll', '--tftp', String(lab.ready.tftp), '--capf', String(lab.ready.capf), '--user', 'u', '--instance-id', 'cli1', '--auth-string', '12345678'];
    const retries = await json([...args, '--retries', '4']);
    expect(retries.code).toBe(2);
    expect(retries.body.error).toEqual({ code: 'BAD_INPUT', message: '--retries: Retries must be 0 to 3, got "4"' });
    const interval = await json([...args, '--retry-interval', '16']);
    expect(interval.body.error.message).toBe('--retry-interval: Retry interval must be 0 to 15, got "16"');
    const auth = await json([...args.slice(0, -2), '--auth-string', '12']);
    expect(auth.body.error.message).toMatch(/4 to 10 digits/);
    const unknown = await json(['certs', 'list', '--password', 'x']);
    expect(unknown.code).toBe(2);
  });

  it('exits 4 on a refused authentication string and 0 on enrollment, reading it from stdin', async () => {
    const base = ['enroll', '--tftp', String(lab.ready.tftp), '--capf', String(lab.ready.capf), '--user', 'agent', '--instance-id', 'cli1'];
    const refused = await json([...base, '--auth-string', '0000']);
    expect(refused.code).toBe(4);
    expect(refused.body.error.code).toBe('CAPF_AUTH_FAILED');
    expect(refused.stderr).toContain(`ctiprefs: warning: ${AUTH_STRING_FLAG_WARNING}\n`);

    const ok = await json([...base, '--auth-string-file', '-'], '12345678\n');
    expect(ok.code).toBe(0);
    expect(ok.stderr).not.toContain('warning');
    expect(ok.body).toMatchObject({
      status: { state: 'succeeded', outcome: 'installed' },
      ctl: { outcome: 'unchanged', server: String(lab.ready.tftp), fileName: 'CTLCAPF7f000001.tlv' },
      certificate: { instanceId: 'cli1', keyType: 'EC', subject: expect.stringContaining('CTI-cli1') },
    });

    const reused = await json([...base, '--auth-string', '12345678']);
    expect(reused.code).toBe(4);
    expect(reused.body.error.code).toBe('CAPF_AUTH_FAILED');

    const listed = await json(['certs', 'list']);
    expect(listed.body.certificates.map((c: { instanceId: string }) => c.instanceId)).toEqual(['cli1']);
    const settings = await readFile(join(home.path, 'settings.json'), 'utf8');
    expect(settings).not.toContain('12345678');
  });

  it('exports the certificate as PEM and the keystore as PKCS#12', async () => {
    const pem = join(home.path, 'cli1.pem');
    const run = await runCli(['--home', home.path, 'certs', 'export', '--instance-id', 'cli1', '--out', pem]);
    expect(run.code).toBe(0);
    const text = await readFile(pem, 'utf8');
    expect(text).not.toContain('PRIVATE KEY');
    expect(new X509Certificate(text).subject).toContain('cli1');
    const p12 = join(home.path, 'cli1.p12');
    const p12Args = ['--home', home.path, 'certs', 'export', '--instance-id', 'cli1', '--out', p12, '--format', 'p12'];
    expect((await runCli(p12Args)).code).toBe(2);
    expect((await runCli(p12Args, { env: { CTIPREFS_EXPORT_PASSWORD: 'export-pass-1' } })).code).toBe(0);
    const info = execFileSync('openssl', ['pkcs12', '-in', p12, '-passin', 'pass:export-pass-1', '-nokeys']).toString();
    expect(info).toContain('BEGIN CERTIFICATE');
    const missing = await runCli(['--home', home.path, 'certs', 'export', '--instance-id', 'nobody', '--out', pem]);
    expect(missing.code).toBe(6);
  });

  it('exits 5 when every TFTP server is unreachable', async () => {
    const other = await tempDir('cli-home2');
    const run = await runCli(['--home', other.path, '--json', 'ctl', 'fetch', '--tftp', `127.0.0.1:${await closedTcpPort()}`]);
    expect(run.code).toBe(5);
    await other.remove();
  });

  it('uses the device name template for the CAPF device name', async () => {
    const file = join(home.path, 'auth.txt');
    await writeFile(file, '87654321');
    const run = await json(['enroll', '--tftp', String(lab.ready.tftp), '--capf', String(lab.ready.capf), '--user', 'bob', '--instance-id', 'other', '--device-name', 'CTI-cli2', '--auth-string-file', file]);
    expect(run.code).toBe(0);
    expect(run.body.certificate).toMatchObject({ instanceId: 'other', keySize: 'P-384' });
    expect(run.body.certificate.subject).toContain('CTI-cli2');
    const settings = JSON.parse(await readFile(join(home.path, 'settings.json'), 'utf8'));
    expect(settings.profiles.map((p: { deviceNameTemplate: string }) => p.deviceNameTemplate).sort()).toEqual(['CTI-cli2', 'CTI-{instance}']);
  });

  it('lab: refuses an EC profile at --capf-version 1 and unknown option values, exit 2 naming them', async () => {
    const ec = await runCli(['--json', 'lab', '--dir', labDir.path, '--capf-version', '1', '--profile', 'v1ec:12341234:p256']);
    expect(ec.code).toBe(2);
    expect(JSON.parse(ec.stdout).error.message).toBe('Lab CAPF server: CAPF protocol version 1 allows RSA keys only, but profile CTI-v1ec asks for EC P-256');
    const version = await runCli(['--json', 'lab', '--dir', labDir.path, '--capf-version', '4']);
    expect(JSON.parse(version.stdout).error.message).toBe('--capf-version must be one of 1, 2, 3, got "4"');
    const names = await runCli(['--json', 'lab', '--dir', labDir.path, '--ctl-names', 'ctl']);
    expect(JSON.parse(names.stdout).error.message).toBe('--ctl-names must be one of both, ctlfile, ctlcapf, none, got "ctl"');
  });

  it('resumes an enrollment killed mid-session (kill -9) with "resume"', async () => {
    const crashHome = await tempDir('cli-crash');
    const hung = await startSilentTcpServer();
    const child = spawn(process.execPath, [CLI, '--home', crashHome.path, 'enroll', '--tftp', String(lab.ready.tftp), '--capf', `127.0.0.1:${hung.port}`, '--user', 'agent', '--instance-id', 'crash1', '--auth-string', '13572468'], { stdio: 'ignore' });
    const statusFile = join(crashHome.path, 'status.json');
    // Wait until the enrollment is talking to the (hung) CAPF server, then pull the plug.
    for (let i = 0; i < 200; i++) {
      const text = await readFile(statusFile, 'utf8').catch(() => '');
      if (text.includes('"capf-connect"')) break;
      await sleep(50);
    }
    child.kill('SIGKILL');
    await once(child, 'exit');
    await hung.close();
    expect(await readFile(statusFile, 'utf8')).toContain('"in-progress"');

    // The server is back: point the profile at the real CAPF and restart.
    const settingsFile = join(crashHome.path, 'settings.json');
    const [capfHost, capfPort] = String(lab.ready.capf).split(':');
    const settings = JSON.parse(await readFile(settingsFile, 'utf8'));
    settings.profiles[0].capfHost = capfHost;
    settings.profiles[0].capfPort = Number(capfPort);
    await writeFile(settingsFile, JSON.stringify(settings));

    const resumed = await runCli(['--home', crashHome.path, '--json', 'resume']);
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout).resumed).toEqual([{ profileId: settings.profiles[0].id, status: expect.objectContaining({ state: 'succeeded' }) }]);
    const listed = JSON.parse((await runCli(['--home', crashHome.path, '--json', 'certs', 'list'])).stdout);
    expect(listed.certificates.map((c: { instanceId: string }) => c.instanceId)).toEqual(['crash1']);
    await crashHome.remove();
  });
});
