/**
 * One owner for operations, seen from the command line: real CLI processes against one home, the lab on
 * loopback and the real OS vault. Two processes never run one profile at once, two writers never lose a
 * profile, a crash after the certificate was stored resumes as that success, and what cannot be opened
 * can still be deleted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { folderId } from '../../../electron/core/paths.ts';
import { startLab, type Lab } from '../../../electron/lab/lab.ts';
import { labDeviceName, parseLabProfile } from '../../../electron/lab/profiles.ts';
import type { Logger } from '../../../electron/core/log.ts';
import { OsVault } from '../../../electron/core/keystore/vault.ts';
import { CLI, runCli } from '../../helpers/cli.ts';
import { closedTcpPort } from '../../../scripts/lib/ports.ts';
import { startSilentTcpServer } from '../../helpers/silent-tcp.ts';
import { tempDir } from '../../helpers/temp.ts';

let lab: Lab;
let labDir: Awaited<ReturnType<typeof tempDir>>;
/** Called with every lab log event: lets a test act at an exact protocol point. */
let onLabEvent: (event: string) => void = () => undefined;
const labLogger: Logger = { log: (_level, event) => onLabEvent(event) };

beforeAll(async () => {
  labDir = await tempDir('ops-lab');
  lab = await startLab({
    dir: labDir.path,
    logger: labLogger,
    profiles: ['crash2:24682468:p256', 'many1:11112222:p256', 'many2:33334444:p256', 'lost2:55556666:p256'].map(parseLabProfile),
  });
}, 120_000);
afterAll(async () => {
  await lab?.close();
  await labDir?.remove();
});

const tftp = () => `${lab.tftp.host}:${lab.tftp.port}`;
const capf = () => `${lab.capf.host}:${lab.capf.port}`;
const enrollArgs = (home: string, instanceId: string, authString: string, capfAt = capf()) => [
  '--home', home, '--json', 'enroll', '--tftp', tftp(), '--capf', capfAt, '--user', 'agent', '--instance-id', instanceId, '--auth-string', authString,
];
const body = (run: { stdout: string }) => JSON.parse(run.stdout || 'null') as Record<string, any>;

function startCli(args: string[]): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

async function waitForFile(path: string, contains: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if ((await readFile(path, 'utf8').catch(() => '')).includes(contains)) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`${path} never contained ${contains}`);
}

describe('one profile, two processes', () => {
  it('refuses the second run with exit 2 naming the profile, and takes over a lock whose process died', async () => {
    const home = await tempDir('ops-lock');
    const hung = await startSilentTcpServer();
    const first = startCli(enrollArgs(home.path, 'crash2', '24682468', `127.0.0.1:${hung.port}`));
    await waitForFile(join(home.path, 'status.json'), '"capf-connect"');

    const second = await runCli(enrollArgs(home.path, 'crash2', '24682468'));
    expect(second.code).toBe(2);
    expect(body(second).error).toMatchObject({
      code: 'ALREADY_RUNNING',
      message: expect.stringMatching(/already running for profile "cli-[0-9a-f]+" \(user agent, instance ID crash2\) in process \d+/),
    });
    // The refused run changed nothing: the first one still owns the status.
    expect(await readFile(join(home.path, 'status.json'), 'utf8')).toContain('"capf-connect"');

    first.kill('SIGKILL');
    await once(first, 'exit');
    await hung.close();
    // The lock's process is dead: the next run takes it over (and fails only for its own reason).
    const after = await runCli(enrollArgs(home.path, 'crash2', '24682468', `127.0.0.1:${await closedTcpPort()}`));
    expect(body(after).error.code).toBe('NETWORK_UNREACHABLE');
    await home.remove();
  }, 90_000);
});

describe('Ctrl+C', () => {
  it('cancels the enrollment cleanly: exit 5, the profile it created removed with its status, nothing left to resume', async () => {
    const home = await tempDir('ops-sigint');
    const hung = await startSilentTcpServer();
    const child = startCli(enrollArgs(home.path, 'crash2', '24682468', `127.0.0.1:${hung.port}`));
    const exited = once(child, 'exit');
    await waitForFile(join(home.path, 'status.json'), '"capf-connect"');
    child.kill('SIGINT');
    const [code] = await exited;
    await hung.close();
    expect(code).toBe(5);
    // A cancelled run is a failed run: it leaves no stray profile (and so no status) behind.
    expect(JSON.parse(await readFile(join(home.path, 'settings.json'), 'utf8')).profiles).toEqual([]);
    expect(body(await runCli(['--home', home.path, '--json', 'status'])).status).toEqual([]);
    expect(body(await runCli(['--home', home.path, '--json', 'resume'])).resumed).toEqual([]);
    await home.remove();
  }, 90_000);
});

describe('two writers of one home', () => {
  it('keeps both profiles and both final states when two enrollments of different profiles finish together', async () => {
    const home = await tempDir('ops-writers');
    const [a, b] = await Promise.all([runCli(enrollArgs(home.path, 'many1', '11112222')), runCli(enrollArgs(home.path, 'many2', '33334444'))]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const settings = JSON.parse(await readFile(join(home.path, 'settings.json'), 'utf8'));
    expect(settings.profiles.map((p: { instanceId: string }) => p.instanceId).sort()).toEqual(['many1', 'many2']);
    const status = body(await runCli(['--home', home.path, '--json', 'status'])).status;
    expect(Object.values(status).map((s: any) => s.state)).toEqual(['succeeded', 'succeeded']);
    await home.remove();
  }, 90_000);
});

describe('crash after the store-certificate response', () => {
  it('resumes as a success with the stored certificate, never CAPF_AUTH_FAILED', async () => {
    lab.capfServer.setProfile(parseLabProfile('crash2:24682468:p256'));
    const home = await tempDir('ops-crash');
    const child = startCli(enrollArgs(home.path, 'crash2', '24682468'));
    const exited = once(child, 'exit');
    // The lab logs the client's store-certificate response before it marks the string spent and answers:
    // the process dies exactly there, as in a power cut right after the client answered.
    onLabEvent = (event) => {
      if (event === 'capf.lab.store-response') child.kill('SIGKILL');
    };
    const [, signal] = await exited;
    onLabEvent = () => undefined;
    expect(signal).toBe('SIGKILL');
    expect(await readFile(join(home.path, 'status.json'), 'utf8')).toContain('"in-progress"');
    const issued = lab.capfServer.issued.get(labDeviceName('crash2'));
    expect(issued).toBeDefined();

    const resumed = await runCli(['--home', home.path, '--json', 'resume']);
    expect(resumed.code).toBe(0);
    const [result] = body(resumed).resumed;
    expect(result.status).toMatchObject({ state: 'succeeded', outcome: 'installed' });
    const listed = body(await runCli(['--home', home.path, '--json', 'certs', 'list'])).certificates;
    expect(listed).toHaveLength(1);
    expect(listed[0].fingerprintSha256).toBe(result.status.fingerprintSha256);
    expect(listed[0].fingerprintSha256).toBe(new (await import('node:crypto')).X509Certificate(issued!).fingerprint256);
    await home.remove();
  }, 90_000);
});

describe('certs delete', () => {
  it('deletes a keystore whose password is lost, only with --yes, and lists it marked before', async () => {
    const home = await tempDir('ops-lost');
    expect((await runCli(enrollArgs(home.path, 'lost2', '55556666'))).code).toBe(0);
    const folder = join(home.path, 'certificates');
    // The password is lost: the vault entry is gone.
    await new OsVault().delete(`keystore:${folderId(folder)}:lost2`);

    const listed = body(await runCli(['--home', home.path, '--json', 'certs', 'list'])).certificates;
    expect(listed).toEqual([expect.objectContaining({ instanceId: 'lost2', folderId: folderId(folder), error: expect.objectContaining({ code: 'KEYSTORE' }) })]);

    const refused = await runCli(['--home', home.path, '--json', 'certs', 'delete', '--instance-id', 'lost2']);
    expect(refused.code).toBe(2);
    expect(body(refused).error.message).toMatch(/--yes/);
    const deleted = await runCli(['--home', home.path, '--json', 'certs', 'delete', '--instance-id', 'lost2', '--folder', folder, '--yes']);
    expect(deleted.code).toBe(0);
    expect(body(await runCli(['--home', home.path, '--json', 'certs', 'list'])).certificates).toEqual([]);
    await home.remove();
  }, 90_000);
});

describe('ctl forget', () => {
  it('forgets a tampered trusted CTL; the next fetch is a first use again', async () => {
    const home = await tempDir('ops-forget');
    expect((await runCli(['--home', home.path, '--json', 'ctl', 'fetch', '--tftp', tftp()])).code).toBe(0);
    const record = join(home.path, 'certificates', 'ctl-trust.json');
    await writeFile(record, (await readFile(record, 'utf8')).replace('"trustedOnFirstUse": true', '"trustedOnFirstUse": false'));
    expect(body(await runCli(['--home', home.path, '--json', 'ctl', 'fetch', '--tftp', tftp()])).error.code).toBe('CTL_TAMPERED');

    const forgot = await runCli(['--home', home.path, '--json', 'ctl', 'forget']);
    expect(forgot.code).toBe(0);
    expect(body(forgot)).toMatchObject({ forgotten: true, tampered: true });
    const again = await runCli(['--home', home.path, '--json', 'ctl', 'fetch', '--tftp', tftp()]);
    expect(body(again)).toMatchObject({ outcome: 'first-use' });
    const text = await runCli(['--home', home.path, 'ctl', 'forget']);
    expect(text.stdout).toMatch(/Forgot the trusted CTL signed by SHA-256 [0-9A-F:]+/);
    expect((await runCli(['--home', home.path, 'ctl', 'forget'])).stdout).toMatch(/nothing to forget/);
    await home.remove();
  }, 90_000);
});

describe("the user's environment is never exit 1", () => {
  it('names the path for a --home under a file and a settings.json that is a folder (exit 2)', async () => {
    const home = await tempDir('ops-env');
    const file = join(home.path, 'a-file');
    await writeFile(file, 'x');
    const under = await runCli(['--home', join(file, 'home'), '--json', 'status']);
    expect(under.code).toBe(2);
    expect(body(under).error.message).toContain(file);

    const folderHome = join(home.path, 'h2');
    await mkdir(join(folderHome, 'settings.json'), { recursive: true });
    const settings = await runCli(['--home', folderHome, '--json', 'certs', 'list']);
    expect(settings.code).toBe(2);
    expect(body(settings).error.message).toContain(join(folderHome, 'settings.json'));
    await home.remove();
  });

  it('names the port of a lab that cannot listen (exit 2)', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as { port: number }).port;
    const home = await tempDir('ops-port');
    const run = await runCli(['--json', 'lab', '--dir', home.path, '--capf-port', String(port)]);
    busy.close();
    expect(run.code).toBe(2);
    expect(run.stdout + run.stderr).toContain(`:${port}`);
    await home.remove();
  }, 60_000);
});
