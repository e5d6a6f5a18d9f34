/**
 * Concurrency between processes on one home, with the real CLI and the lab: an enrollment while `ctl fetch`
 * runs, and two enrollments of one profile. Nothing is lost: the trusted CTL stays readable, the certificate
 * is stored, and a loser gets a clear error (ALREADY_RUNNING, exit 2), never exit 1 or a damaged file.
 * (Two settings writers: test/integration/app/document-writers.test.ts.)
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../../electron/lab/lab.ts';
import { parseLabProfile } from '../../electron/lab/profiles.ts';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/temp.ts';
import { recordFaults, trials } from './fault-report.ts';

const TRIALS = trials(3, 30);
const ENV = { CTIPREFS_KEYSTORE_PASSWORD: 'concurrency-keystore-password' };
const authFor = (i: number, round: number) => String(20_000_000 + i * 10 + round);

let root: Awaited<ReturnType<typeof tempDir>>;
let lab: Lab;

beforeAll(async () => {
  root = await tempDir('faults-concurrency');
  const profiles = Array.from({ length: TRIALS }, (_, i) => [parseLabProfile(`c${i}:${authFor(i, 1)}`), parseLabProfile(`d${i}:${authFor(i, 2)}`)]).flat();
  lab = await startLab({ dir: join(root.path, 'lab'), profiles });
}, 60_000);

afterAll(async () => {
  await lab?.close();
  await root?.remove();
});

const tftp = () => `${lab.tftp.host}:${lab.tftp.port}`;
const enroll = (home: string, instanceId: string, auth: string) =>
  runCli(['--home', home, '--json', 'enroll', '--tftp', tftp(), '--capf', `${lab.capf.host}:${lab.capf.port}`, '--user', 'agent', '--instance-id', instanceId, '--auth-string', auth], { env: ENV });
const json = (stdout: string) => JSON.parse(stdout || 'null') as { error?: { code: string }; certificates?: { instanceId: string; fingerprintSha256?: string }[] } | null;

describe('concurrent processes on one home', () => {
  it(`enrollment during ctl fetch, and two enrollments of one profile (${TRIALS} homes each)`, async () => {
    const failures: string[] = [];
    let handled = 0;
    for (let i = 0; i < TRIALS; i++) {
      const home = join(root.path, `home-${i}`);
      const [enrolled, fetched] = await Promise.all([enroll(home, `c${i}`, authFor(i, 1)), runCli(['--home', home, '--json', 'ctl', 'fetch', '--tftp', tftp()], { env: ENV })]);
      const shown = await runCli(['--home', home, '--json', 'ctl', 'show'], { env: ENV });
      const problems: string[] = [];
      if (enrolled.code !== 0) problems.push(`enroll exited ${enrolled.code}: ${enrolled.stdout}`);
      if (fetched.code !== 0) problems.push(`ctl fetch exited ${fetched.code}: ${fetched.stdout}`);
      if (shown.code !== 0) problems.push(`ctl show exited ${shown.code}: ${shown.stdout}`);

      // Two enrollments of one profile at once: one wins, the other is told it is already running.
      const [first, second] = await Promise.all([enroll(home, `d${i}`, authFor(i, 2)), enroll(home, `d${i}`, authFor(i, 2))]);
      const codes = [first.code, second.code].sort();
      const loser = [first, second].find((run) => run.code !== 0);
      const clearLoss = loser === undefined || (loser.code === 2 && json(loser.stdout)?.error?.code === 'ALREADY_RUNNING') || loser.code === 4;
      if (!codes.includes(0) || !clearLoss) problems.push(`two enrollments of d${i} exited ${codes.join(' and ')}: ${loser?.stdout}`);
      const listed = json((await runCli(['--home', home, '--json', 'certs', 'list'], { env: ENV })).stdout)?.certificates ?? [];
      for (const id of [`c${i}`, `d${i}`]) if (!listed.some((c) => c.instanceId === id && c.fingerprintSha256)) problems.push(`${id} is not stored`);
      if (problems.length) failures.push(`home ${i}: ${problems.join('; ')}`);
      else handled += 1;
    }
    await recordFaults({ family: 'concurrent processes', trials: TRIALS, handled, lost: failures.length, notes: 'enroll during ctl fetch; two enrolls of one profile' });
    expect(failures).toEqual([]);
  }, 1_800_000);
});
