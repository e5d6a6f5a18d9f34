/**
 * The real CLI with its home on a real full disk (a 1 MiB tmpfs of the test's own, filled to a chosen
 * amount of free space): never exit 1 or an unhandled rejection; exit 6 names the path; and the exit code of
 * `ctl fetch` says what is on disk. Skipped, with the reason, where mounting is not permitted.
 */
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSignedCtl } from '../../../electron/lab/ctl-builder.ts';
import { Role } from '../../../electron/core/ctl/tags.ts';
import { startTftpServer, type TftpServer } from '../../../electron/lab/tftp/server.ts';
import { makeIdentity, type TestIdentity } from '../../helpers/certificates.ts';
import { runCli, startLabProcess, type CliRun } from '../../helpers/cli.ts';
import { tempDir } from '../../helpers/temp.ts';
import { mountTmpfs, PAGE_BYTES } from '../../helpers/tmpfs.ts';

const disk = mountTmpfs('cli-full', 1024 * 1024);
const noDisk = 'skip' in disk ? disk.skip : undefined;
if (noDisk) console.warn(`cli-full-disk: skipped: ${noDisk}`);

// Each level is one run of the real CLI (seconds each on a loaded machine), hence the long test timeouts.
// Enrollment levels are tried in order until one has room enough to succeed.
const ENROLL_LEVELS = [0, 1, 2, 3, 4, 5, 6, 8, 10, 12, 14, 16, 20, 24, 32];
const FETCH_LEVELS = [0, 1, 2, 3, 4, 5, 6];

let lab: Awaited<ReturnType<typeof startLabProcess>>;
let labDir: Awaited<ReturnType<typeof tempDir>>;
let tftp: TftpServer;
let served: Buffer;

beforeAll(async () => {
  if (noDisk) return;
  labDir = await tempDir('cli-full-lab');
  lab = await startLabProcess(['--dir', labDir.path, ...ENROLL_LEVELS.flatMap((pages) => ['--profile', `full${pages}:${24680000 + pages}:p256`])]);
  tftp = await startTftpServer({ readFile: (name) => (name === 'CTLFile.tlv' ? served : undefined) });
}, 120_000);
afterAll(async () => {
  lab?.child.kill('SIGTERM');
  if (lab && lab.child.exitCode === null) await once(lab.child, 'exit');
  await tftp?.close();
  if (!('skip' in disk)) disk.unmount();
  await labDir?.remove();
});

function parsed(run: CliRun): Record<string, any> {
  return JSON.parse(run.stdout) as Record<string, any>;
}

/** What a crash would print instead of the one JSON object. */
function expectNoCrash(run: CliRun): void {
  expect(run.stderr).not.toMatch(/Unhandled|ERR_UNHANDLED_REJECTION|triggerUncaughtException/);
  expect(run.code).not.toBe(1);
}

describe.skipIf(noDisk)('ctiprefs on a full disk', () => {
  it('enroll: succeeds, or exits 6 naming a path on the full disk, at every amount of free space', async () => {
    if ('skip' in disk) return;
    const outcomes: { pages: number; code: number; message?: string }[] = [];
    for (const pages of ENROLL_LEVELS) {
      disk.clear();
      disk.fill(pages * PAGE_BYTES);
      const args = ['--home', disk.path, '--json', 'enroll', '--tftp', String(lab.ready.tftp), '--capf', String(lab.ready.capf), '--user', 'agent'];
      const run = await runCli([...args, '--instance-id', `full${pages}`, '--auth-string', String(24680000 + pages)]);
      expectNoCrash(run);
      const body = parsed(run);
      outcomes.push({ pages, code: run.code, ...(body.error ? { message: body.error.message } : {}) });
      disk.unfill();
      if (run.code === 0) break;
    }
    const wrong = outcomes.filter((o) => !(o.code === 0 || (o.code === 6 && o.message?.includes(disk.path))));
    expect(wrong).toEqual([]);
    expect(outcomes[0]).toMatchObject({ code: 6, message: expect.stringMatching(/(settings\.json|\.lock): the disk is full \(ENOSPC\)$/) });
    expect(outcomes.map((o) => o.code)).toContain(0);
    // With room again, the home works.
    expect((await runCli(['--home', disk.path, '--json', 'status'])).code).toBe(0);
  }, 240_000);

  it('ctl fetch: exit 0 means the new CTL is trusted, exit 6 that the old one still is', async () => {
    if ('skip' in disk) return;
    const sast: TestIdentity = await makeIdentity({ type: 'rsa', bits: 1024 }, { subject: { CN: 'ITLRECOVERY_cli-full' } });
    const nodes: TestIdentity[] = [];
    for (let i = 0; i < 6; i++) nodes.push(await makeIdentity({ type: 'rsa', bits: 1024 }, { subject: { CN: `node-${i}` } }, sast));
    const ctl = (timestamp: number, count: number) =>
      buildSignedCtl({
        signer: sast,
        hash: 'sha256',
        timestamp,
        records: [{ role: Role.SAST, certificate: sast.certificate }, ...nodes.slice(0, count).map((n) => ({ role: Role.CCM_TFTP, certificate: n.certificate }))],
      });
    const older = ctl(1_800_000_000, 2);
    const newer = ctl(1_800_000_100, 6);
    const fetch = ['--home', disk.path, '--json', 'ctl', 'fetch', '--tftp', `${tftp.host}:${tftp.port}`];

    // One first use, kept as a snapshot that every trial starts from (same path: the record names its folder).
    disk.clear();
    served = older;
    expect((await runCli(fetch)).code).toBe(0);
    const snapshot = await tempDir('cli-full-snapshot');
    execFileSync('cp', ['-a', `${disk.path}/.`, snapshot.path]);
    served = newer;

    const trials: { pages: number; code: number; trusted: string; message?: string }[] = [];
    for (const pages of FETCH_LEVELS) {
      disk.clear();
      execFileSync('cp', ['-a', `${snapshot.path}/.`, disk.path]);
      disk.fill(pages * PAGE_BYTES);
      const run = await runCli(fetch);
      expectNoCrash(run);
      disk.unfill();
      const shown = parsed(await runCli(['--home', disk.path, '--json', 'ctl', 'show']));
      const timestamp = shown.trustList?.timestamp as string | undefined;
      const trusted = timestamp === '2027-01-15T08:01:40.000Z' ? 'new' : timestamp === '2027-01-15T08:00:00.000Z' ? 'old' : String(timestamp);
      trials.push({ pages, code: run.code, trusted, ...(run.code === 0 ? {} : { message: parsed(run).error?.message }) });
    }
    await snapshot.remove();
    const truthful = (t: (typeof trials)[number]) =>
      (t.code === 0 && t.trusted === 'new') || (t.code === 6 && t.trusted === 'old' && (t.message ?? '').includes(`${disk.path}/certificates`));
    expect(trials.filter((t) => !truthful(t))).toEqual([]);
    expect(trials.map((t) => t.code)).toContain(6);
    expect(trials.map((t) => t.code)).toContain(0);
  }, 240_000);
});
