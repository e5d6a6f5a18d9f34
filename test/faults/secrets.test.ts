/**
 * Secret hygiene: every CLI flow runs with a recognisable authentication string and keystore password,
 * including a refused string, a crash and resume, and exports; then the home folder (every file, logs
 * included), stdout and stderr are searched for them. Zero hits is the only pass.
 */
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../../electron/lab/lab.ts';
import { parseLabProfile } from '../../electron/lab/profiles.ts';
import { CLI, runCli, type CliRun } from '../helpers/cli.ts';
import { closedTcpPort } from '../helpers/ports.ts';
import { tempDir } from '../helpers/temp.ts';
import { recordFaults } from './fault-report.ts';

const KEYSTORE_PASSWORD = 'kspw-RECOGNISABLE-4417';
const EXPORT_PASSWORD = 'expw-RECOGNISABLE-5528';
// Each variant enrolls its own two instances (each string works once): s1 installs, s2 is cut short and resumed.
const VARIANTS = [
  { label: 'with the OS vault', env: {}, auth: '73195824', resumedAuth: '73195825' },
  { label: 'with CTIPREFS_KEYSTORE_PASSWORD only', env: { CTIPREFS_KEYSTORE_PASSWORD: KEYSTORE_PASSWORD }, auth: '73195826', resumedAuth: '73195827' },
];
const SECRETS = [...VARIANTS.flatMap((v) => [v.auth, v.resumedAuth]), KEYSTORE_PASSWORD, EXPORT_PASSWORD];

let root: Awaited<ReturnType<typeof tempDir>>;
let lab: Lab;

beforeAll(async () => {
  root = await tempDir('faults-secrets');
  const profiles = VARIANTS.flatMap((v, i) => [parseLabProfile(`v${i}s1:${v.auth}:p256`), parseLabProfile(`v${i}s2:${v.resumedAuth}:rsa2048`)]);
  lab = await startLab({ dir: join(root.path, 'lab'), profiles });
}, 60_000);

afterAll(async () => {
  await lab?.close();
  await root?.remove();
});

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(join(entry.parentPath, entry.name));
  }
  return out;
}

function hitsIn(where: string, text: Buffer | string): string[] {
  const haystack = Buffer.isBuffer(text) ? text : Buffer.from(text);
  return SECRETS.filter((secret) => haystack.includes(secret)).map((secret) => `${where} contains ${secret}`);
}

describe('secret hygiene', () => {
  it.each(VARIANTS.map((v, i) => ({ ...v, s1: `v${i}s1`, s2: `v${i}s2` })))('leaves no secret in the home, the logs, stdout or stderr ($label)', async ({ label, env, auth: AUTH, resumedAuth: RESUMED_AUTH, s1, s2 }) => {
    const home = join(root.path, label.replace(/\W+/g, '-'));
    const tftp = `${lab.tftp.host}:${lab.tftp.port}`;
    const capf = `${lab.capf.host}:${lab.capf.port}`;
    const base = ['--home', home, 'enroll', '--tftp', tftp, '--capf', capf, '--user', 'agent'];
    const runs: [string, CliRun][] = [];
    const run = async (name: string, args: string[], input?: string) => {
      const result = await runCli(args, { env: { ...env, CTIPREFS_EXPORT_PASSWORD: EXPORT_PASSWORD }, ...(input === undefined ? {} : { input }) });
      runs.push([name, result]);
      return result;
    };
    const unreachable = `127.0.0.1:${await closedTcpPort()}`;

    await run('ctl fetch', ['--home', home, 'ctl', 'fetch', '--tftp', tftp]);
    await run('enroll refused', [...base, '--instance-id', s1, '--auth-string-file', '-'], '11112222\n');
    await run('enroll unreachable with retries', ['--home', home, 'enroll', '--tftp', tftp, '--capf', unreachable, '--user', 'agent', '--instance-id', s1, '--auth-string', AUTH, '--retries', '1', '--retry-interval', '0']);
    expect((await run('enroll', [...base, '--instance-id', s1, '--auth-string-file', '-'], `${AUTH}\n`)).code).toBe(0);
    await run('enroll again, string spent', [...base, '--json', '--instance-id', s1, '--auth-string', AUTH]);
    // A crash in the middle, then resume (the sealed string is used and erased).
    const child = spawn(process.execPath, [CLI, ...base, '--instance-id', s2, '--auth-string', RESUMED_AUTH], { env: { ...process.env, ...env }, stdio: 'ignore' });
    setTimeout(() => child.kill('SIGKILL'), 300);
    await new Promise((resolve) => child.once('exit', resolve));
    await run('resume', ['--home', home, '--json', 'resume']);
    await run('status', ['--home', home, 'status']);
    await run('certs list', ['--home', home, '--json', 'certs', 'list']);
    await run('export pem', ['--home', home, 'certs', 'export', '--instance-id', s1, '--out', join(home, `${s1}.pem`)]);
    await run('export p12', ['--home', home, 'certs', 'export', '--instance-id', s1, '--format', 'p12', '--out', join(home, `${s1}.p12`)]);

    const hits: string[] = [];
    for (const [name, result] of runs) hits.push(...hitsIn(`${name} stdout`, result.stdout), ...hitsIn(`${name} stderr`, result.stderr));
    const files = await filesUnder(home);
    expect(files.some((f) => f.endsWith('ctiprefs.log'))).toBe(true);
    for (const file of files) hits.push(...hitsIn(file, await readFile(file)));
    await recordFaults({ family: `secret hygiene (${label})`, trials: runs.length + files.length, handled: runs.length + files.length - hits.length, lost: hits.length, notes: `${runs.length} commands, ${files.length} files searched` });
    expect(hits).toEqual([]);
  }, 300_000);
});
