/**
 * `--expect-signer-fingerprint` removes trust on first use from managed rollouts: the real CLI against the
 * lab. The first CTL is trusted only when its signer has the given SHA-256 (any case, colons optional);
 * otherwise nothing is stored and both fingerprints are shown (exit 3).
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startLabProcess } from '../../helpers/cli.ts';
import { tempDir } from '../../helpers/temp.ts';

let lab: { child: ChildProcess; ready: Record<string, unknown> };
let root: Awaited<ReturnType<typeof tempDir>>;
let signer: string;

beforeAll(async () => {
  root = await tempDir('expect-signer');
  lab = await startLabProcess(['--dir', join(root.path, 'lab'), '--profile', 'exp1:86427531:p256']);
  const probe = await runCli(['--home', join(root.path, 'probe'), '--json', 'ctl', 'fetch', '--tftp', String(lab.ready.tftp)]);
  signer = JSON.parse(probe.stdout).trustList.signerFingerprintSha256;
}, 60_000);

afterAll(async () => {
  lab?.child.kill();
  await root?.remove();
});

const fetch = (home: string, fingerprint: string) =>
  runCli(['--home', join(root.path, home), '--json', 'ctl', 'fetch', '--tftp', String(lab.ready.tftp), '--expect-signer-fingerprint', fingerprint]);

describe('ctl fetch / enroll --expect-signer-fingerprint', () => {
  it('trusts the first CTL when its signer matches, written in any case and without colons; not as a first-use guess', async () => {
    const run = await fetch('match', signer.replaceAll(':', '').toLowerCase());
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ outcome: 'first-use', trustList: { signerFingerprintSha256: signer, trustedOnFirstUse: false } });
  });

  it('refuses another signer with both fingerprints, exit 3, and stores nothing', async () => {
    const other = `${'AB:'.repeat(31)}AB`;
    const run = await fetch('mismatch', other);
    expect(run.code).toBe(3);
    const { error } = JSON.parse(run.stdout);
    expect(error.code).toBe('CTL_COMPROMISED');
    expect(error.message).toContain(signer);
    expect(error.message).toContain(other);
    expect((await readdir(join(root.path, 'mismatch', 'certificates')).catch(() => [])).filter((f) => f.startsWith('CTLFile'))).toEqual([]);
    expect((await runCli(['--home', join(root.path, 'mismatch'), '--json', 'ctl', 'show'])).code).toBe(3);
  });

  it('refuses a value that is not a SHA-256 fingerprint, naming the flag (exit 2)', async () => {
    const run = await fetch('bad', 'abc');
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout).error.message).toMatch(/^--expect-signer-fingerprint must be a SHA-256 fingerprint: 64 hex digits/);
  });

  it('holds for enroll too: a wrong signer means no CTL and no certificate', async () => {
    const run = await runCli([
      '--home', join(root.path, 'enroll'), '--json', 'enroll', '--tftp', String(lab.ready.tftp), '--capf', String(lab.ready.capf),
      '--user', 'agent', '--instance-id', 'exp1', '--auth-string-file', '-', '--expect-signer-fingerprint', `${'CD:'.repeat(31)}CD`,
    ], { input: '86427531\n' });
    expect(run.code).toBe(3);
    expect(JSON.parse(run.stdout).error.code).toBe('CTL_COMPROMISED');
    const ok = await runCli([
      '--home', join(root.path, 'enroll'), '--json', 'enroll', '--tftp', String(lab.ready.tftp), '--capf', String(lab.ready.capf),
      '--user', 'agent', '--instance-id', 'exp1', '--auth-string-file', '-', '--expect-signer-fingerprint', signer,
    ], { input: '86427531\n' });
    expect(ok.code, ok.stdout).toBe(0);
  });
});
