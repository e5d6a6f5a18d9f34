/**
 * SIGKILL of a real CLI enrollment at points spread over its whole run, against the lab over real sockets:
 * on a fresh home, and on a home whose instance already holds a good certificate. After each kill the
 * keystore opens or is absent (never half-written), the old certificate is never lost, `status` works, and
 * `resume` finishes or fails with a clear code. No run may exit 1.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../../electron/lab/lab.ts';
import { parseLabProfile } from '../../electron/lab/profiles.ts';
import { CLI, runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/temp.ts';
import { recordFaults, trials } from './fault-report.ts';

const TRIALS = trials(4, 200);
const ENV = { CTIPREFS_KEYSTORE_PASSWORD: 'kill-suite-keystore-password' };
const authFor = (i: number, round: number) => String(10_000_000 + i * 10 + round);
const PROBE_AUTH = '99999999';

let root: Awaited<ReturnType<typeof tempDir>>;
let firstLab: Lab;
let lab: Lab;

beforeAll(async () => {
  root = await tempDir('faults-kill');
  const dir = join(root.path, 'lab');
  // Two labs on one lab folder serve the same CTL and CAPF certificate: the first issues the certificates
  // that the re-enrolment trials start with, the second takes the trials themselves.
  const reenrolled = Array.from({ length: TRIALS }, (_, i) => i).filter((i) => i % 2 === 1);
  const probe = parseLabProfile(`probe:${PROBE_AUTH}`);
  firstLab = await startLab({ dir, profiles: [probe, ...reenrolled.map((i) => parseLabProfile(`k${i}:${authFor(i, 1)}`))] });
  lab = await startLab({ dir, profiles: Array.from({ length: TRIALS }, (_, i) => parseLabProfile(`k${i}:${authFor(i, 2)}`)) });
}, 120_000);

afterAll(async () => {
  await Promise.allSettled([firstLab?.close(), lab?.close()]);
  await root?.remove();
});

const endpoints = (l: Lab) => ['--tftp', `${l.tftp.host}:${l.tftp.port}`, '--capf', `${l.capf.host}:${l.capf.port}`];
const enrollArgs = (home: string, l: Lab, instanceId: string, authString: string) => [
  '--home', home, '--json', 'enroll', ...endpoints(l), '--user', 'agent', '--instance-id', instanceId, '--auth-string', authString,
];

interface Stored {
  instanceId: string;
  fingerprintSha256?: string;
}

async function certificatesIn(home: string): Promise<{ code: number; certificates: Stored[] }> {
  const run = await runCli(['--home', home, '--json', 'certs', 'list'], { env: ENV });
  const body = JSON.parse(run.stdout || 'null') as { certificates?: Stored[] } | null;
  return { code: run.code, certificates: body?.certificates ?? [] };
}

function killAfter(args: string[], delayMs: number): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...ENV }, stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

describe('SIGKILL during enrollment', () => {
  it(`keeps every keystore whole and every good certificate, over ${TRIALS} kill points`, async () => {
    // One undisturbed run tells how long a whole enrollment takes on this machine, to spread the kills over.
    const probeHome = join(root.path, 'probe');
    const t0 = performance.now();
    const probe = await runCli(enrollArgs(probeHome, firstLab, 'probe', PROBE_AUTH), { env: ENV });
    const wholeRunMs = performance.now() - t0;
    expect(probe.code, probe.stdout).toBe(0);

    const failures: string[] = [];
    const exits: Record<string, number> = {};
    let handled = 0;
    for (let i = 0; i < TRIALS; i++) {
      const home = join(root.path, `home-${i}`);
      const reenrol = i % 2 === 1;
      let old: string | undefined;
      if (reenrol) {
        expect((await runCli(enrollArgs(home, firstLab, `k${i}`, authFor(i, 1)), { env: ENV })).code).toBe(0);
        old = (await certificatesIn(home)).certificates.find((c) => c.instanceId === `k${i}`)?.fingerprintSha256;
        expect(old).toBeDefined();
      }

      const delay = ((i + 0.5) / TRIALS) * wholeRunMs * 1.1;
      const code = await killAfter(enrollArgs(home, lab, `k${i}`, authFor(i, 2)), delay);
      exits[String(code ?? 'killed')] = (exits[String(code ?? 'killed')] ?? 0) + 1;

      const problems: string[] = [];
      if (code === 1) problems.push('enroll exited 1');
      const after = await certificatesIn(home);
      if (after.code !== 0) problems.push(`certs list exited ${after.code}`);
      if (after.certificates.some((c) => !c.fingerprintSha256)) problems.push('a keystore does not open');
      if (old && !after.certificates.some((c) => c.instanceId === `k${i}`)) problems.push('the good certificate was lost');
      const status = await runCli(['--home', home, '--json', 'status'], { env: ENV });
      if (status.code !== 0) problems.push(`status exited ${status.code}`);
      const resumed = await runCli(['--home', home, '--json', 'resume'], { env: ENV });
      if (resumed.code === 1 || !resumed.stdout.trim()) problems.push(`resume exited ${resumed.code}`);
      const final = await certificatesIn(home);
      if (old && !final.certificates.some((c) => c.instanceId === `k${i}`)) problems.push('the good certificate was lost after resume');
      if (problems.length) failures.push(`trial ${i} (kill at ${Math.round(delay)} ms${reenrol ? ', re-enrolment' : ''}): ${problems.join('; ')}`);
      else handled += 1;
    }
    await recordFaults({
      family: 'SIGKILL during enrollment',
      trials: TRIALS,
      handled,
      lost: failures.length,
      notes: `whole run ${Math.round(wholeRunMs)} ms; enroll exits ${JSON.stringify(exits)}`,
    });
    expect(failures).toEqual([]);
  }, 3_600_000);
});
