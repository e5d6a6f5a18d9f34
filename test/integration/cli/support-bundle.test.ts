/**
 * The support bundle and the operation history through the real CLI against the lab: everything a support
 * call needs is in the one file, and no secret is: not the authentication strings (the spent one and a
 * refused one), not the keystore password from the OS vault, no private key.
 */
import { folderId } from '../../../electron/core/paths.ts';
import { once } from 'node:events';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keystoreAccount, OsVault } from '../../../electron/core/keystore/vault.ts';
import { runCli, startLabProcess } from '../../helpers/cli.ts';
import { tempDir } from '../../helpers/temp.ts';

const GOOD_AUTH = '24681357';
const REFUSED_AUTH = '97531864';
let lab: Awaited<ReturnType<typeof startLabProcess>>;
let labDir: Awaited<ReturnType<typeof tempDir>>;
let home: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  labDir = await tempDir('bundle-lab');
  home = await tempDir('bundle-home');
  lab = await startLabProcess(['--dir', labDir.path, '--profile', `bun1:${GOOD_AUTH}:p256`]);
}, 120_000);
afterAll(async () => {
  lab?.child.kill('SIGTERM');
  if (lab && lab.child.exitCode === null) await once(lab.child, 'exit');
  await labDir?.remove();
  await home?.remove();
});

const enroll = (authString: string) =>
  runCli(['--home', home.path, 'enroll', '--tftp', String(lab.ready.tftp), '--capf', String(lab.ready.capf), '--user', 'agent', '--instance-id', 'bun1', '--auth-string-file', '-'], {
    input: `${authString}\n`,
  });

describe('support bundle and history', () => {
  it('keeps each operation in the history and writes a bundle without any secret or key', async () => {
    expect((await enroll(REFUSED_AUTH)).code).toBe(4);
    expect((await enroll(GOOD_AUTH)).code).toBe(0);

    const history = JSON.parse(await readFile(join(home.path, 'history.json'), 'utf8')) as { profiles: Record<string, unknown[]> };
    const [profileId, records] = Object.entries(history.profiles)[0]!;
    expect(records).toEqual([
      { operationId: expect.stringMatching(/^[0-9a-f]{12}$/), startedAt: expect.any(String), endedAt: expect.any(String), outcome: 'installed', attempts: 1, capfServer: String(lab.ready.capf) },
      { operationId: expect.stringMatching(/^[0-9a-f]{12}$/), startedAt: expect.any(String), endedAt: expect.any(String), outcome: 'failed', code: 'CAPF_AUTH_FAILED', attempts: 1, capfServer: String(lab.ready.capf) },
    ]);

    const out = join(home.path, 'bundle.json');
    const run = await runCli(['--home', home.path, '--json', 'support-bundle', '--out', out]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ out, bytes: (await stat(out)).size });
    expect((await stat(out)).mode & 0o777).toBe(0o600);
    const text = await readFile(out, 'utf8');
    const bundle = JSON.parse(text) as Record<string, any>;
    expect(bundle.app).toEqual({ name: 'ctiprefs', version: '0.1.0' });
    expect(bundle.os).toMatchObject({ platform: process.platform, node: process.version });
    expect(bundle.paths).toMatchObject({ home: home.path, log: join(home.path, 'logs', 'ctiprefs.log') });
    expect(bundle.settings.profiles[0]).toMatchObject({ id: profileId, instanceId: 'bun1' });
    expect(bundle.status[profileId]).toMatchObject({ state: 'succeeded', outcome: 'installed' });
    expect(bundle.history[profileId]).toEqual(records);
    expect(bundle.trustLists[0].trustList).toMatchObject({ signerFingerprintSha256: expect.any(String), fileName: 'CTLCAPF7f000001.tlv' });
    expect(bundle.certificates[0].certificates[0]).toMatchObject({ instanceId: 'bun1', subject: expect.stringContaining('CTI-bun1'), fingerprintSha256: expect.any(String) });
    expect(bundle.doctor.checks.map((c: { id: string }) => c.id)).toContain('stored-certificate');
    expect(bundle.log.some((line: { event: string }) => line.event === 'enroll.succeeded')).toBe(true);

    const keystorePassword = await new OsVault().get(keystoreAccount(`${folderId(join(home.path, 'certificates'))}:bun1`));
    expect(keystorePassword).toBeTruthy();
    expect(text).not.toContain(keystorePassword!);
    expect(text).not.toContain(GOOD_AUTH);
    expect(text).not.toContain(REFUSED_AUTH);
    expect(text).not.toContain('PRIVATE KEY');
  });

  it('marks a certificate inside the expiry warning in certs list and doctor, with the threshold a setting', async () => {
    const list = async () => JSON.parse((await runCli(['--home', home.path, '--json', 'certs', 'list'])).stdout) as Record<string, any>;
    expect(await list()).toMatchObject({ expiryWarningDays: 30, certificates: [{ instanceId: 'bun1', expiringSoon: false }] });
    // The lab issues for 365 days, so a 365-day warning covers the fresh certificate.
    const set = await runCli(['--home', home.path, 'settings', 'expiry-warning-days', '365']);
    expect(set.code).toBe(0);
    expect(await list()).toMatchObject({ expiryWarningDays: 365, certificates: [{ instanceId: 'bun1', expiringSoon: true, daysLeft: 364 }] });
    const text = await runCli(['--home', home.path, 'certs', 'list']);
    expect(text.stdout).toContain('(364 days left EXPIRING SOON (under 365 days): renew it)');
    const doctor = await runCli(['--home', home.path, '--json', 'doctor']);
    const stored = (JSON.parse(doctor.stdout) as { checks: { id: string }[] }).checks.find((c) => c.id === 'stored-certificate');
    expect(stored).toMatchObject({ status: 'warn', message: expect.stringContaining('expires soon: 364 days left'), fix: expect.stringContaining('new authentication string') });
    const bad = await runCli(['--home', home.path, '--json', 'settings', 'expiry-warning-days', '400']);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout).error.message).toBe('expiry-warning-days: Expiry warning days must be 1 to 365, got "400"');
  });

  it('says which flag is missing (exit 2)', async () => {
    const run = await runCli(['--home', home.path, '--json', 'support-bundle']);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout).error.message).toBe('--out is required: the file to write');
  });
});
