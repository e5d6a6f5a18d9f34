/**
 * CertificateOperations against the lab with the real OS vault: a resumed enrollment is a running
 * operation (refuses a second start, can be cancelled, close() waits for it), seals never outlive their
 * operation or their profile, and a status that cannot be written fails the operation cleanly.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OperationStatus } from '../../../shared/model.ts';
import type { Profile } from '../../../shared/profile.ts';
import { openCore, type CoreContext } from '../../../electron/core/context.ts';
import { enrollCertificate } from '../../../electron/core/enroll.ts';
import { tryLock } from '../../../electron/core/fs/lock-file.ts';
import { memoryLogger } from '../../../electron/core/log.ts';
import { CertificateOperations } from '../../../electron/core/operations.ts';
import { readSeal, resumeAccount, sealForResume, sealPath } from '../../../electron/core/resume-seal.ts';
import { startLab, type Lab } from '../../../electron/lab/lab.ts';
import { parseLabProfile } from '../../../electron/lab/profiles.ts';
import { runCli } from '../../helpers/cli.ts';
import { startSilentTcpServer } from '../../helpers/silent-tcp.ts';
import { profileForLab } from '../../helpers/lab-profile.ts';
import { tempDir } from '../../helpers/temp.ts';

let lab: Lab;
let labDir: Awaited<ReturnType<typeof tempDir>>;
let hung: Awaited<ReturnType<typeof startSilentTcpServer>>;

beforeAll(async () => {
  labDir = await tempDir('opsapp-lab');
  lab = await startLab({ dir: labDir.path, profiles: ['op1:12121212:p256', 'op2:34343434:p256'].map(parseLabProfile) });
  hung = await startSilentTcpServer();
}, 120_000);
afterAll(async () => {
  await hung?.close();
  await lab?.close();
  await labDir?.remove();
});

async function freshCore(): Promise<{ core: CoreContext; remove(): Promise<void> }> {
  const home = await tempDir('opsapp-home');
  return { core: openCore({ home: home.path, logger: memoryLogger() }), remove: home.remove };
}

const run = promisify(execFile);
const SINCE = '2026-12-02T06:00:00.000Z';
const profile = (id: string, instanceId: string, overrides: Partial<Profile> = {}) => profileForLab(lab, id, instanceId, overrides);

/** What a crash leaves: an in-progress status and the sealed authentication string. */
async function interrupted(core: CoreContext, p: Profile, authString: string): Promise<void> {
  const since = new Date().toISOString();
  await core.settings.upsertProfile(p);
  await core.status.set(p.id, { state: 'in-progress', since, step: 'capf-connect', attempt: 1, maxAttempts: 1 });
  expect(await sealForResume(core, { profileId: p.id, authString, startedAt: since })).toBe(true);
}

const sealKept = (core: CoreContext, profileId: string) => existsSync(sealPath(core, profileId));

/** A saved profile whose last operation is over. */
async function finished(core: CoreContext, p: Profile): Promise<void> {
  await core.settings.upsertProfile(p);
  await core.status.set(p.id, { state: 'succeeded', at: new Date().toISOString(), outcome: 'installed' });
}

/** What an older build kept in the vault for a profile (a seal of the operation begun at `startedAt`). */
async function vaultSealOf(core: CoreContext, profileId: string, startedAt: string): Promise<void> {
  await (await core.vault()).set(resumeAccount(core, profileId), JSON.stringify({ profileId, authString: '34343434', startedAt }));
}

function stepReached(ops: CertificateOperations, profileId: string, step: string): Promise<void> {
  return new Promise((resolve) => {
    const off = ops.onProgress((e) => {
      if (e.profileId === profileId && e.status.state === 'in-progress' && e.status.step === step) {
        off();
        resolve();
      }
    });
  });
}

describe('one keystore, one run at a time', () => {
  it('refuses a second profile with the same instance ID and certificate folder while the first runs, not one in another folder', async () => {
    const { core, remove } = await freshCore();
    const first = profile('first', 'op1', { capfPort: hung.port });
    const second = profile('second', 'op1', { capfPort: hung.port });
    const elsewhere = profile('elsewhere', 'op1', { capfPort: hung.port, certificatePath: join(core.layout.home, 'other-folder') });
    for (const p of [first, second, elsewhere]) await core.settings.upsertProfile(p);
    const ops = new CertificateOperations(core);
    const firstConnecting = stepReached(ops, 'first', 'capf-connect');
    const firstRun = ops.start({ profileId: 'first', authString: '12121212' });
    await firstConnecting;

    await expect(ops.start({ profileId: 'second', authString: '12121212' })).rejects.toMatchObject({
      code: 'ALREADY_RUNNING',
      message: expect.stringMatching(/instance ID op1 in the same certificate folder is already running for profile "first"; start profile "second" again/),
    });
    expect(ops.isRunning('second')).toBe(false);
    const elsewhereConnecting = stepReached(ops, 'elsewhere', 'capf-connect');
    const elsewhereRun = ops.start({ profileId: 'elsewhere', authString: '12121212' });
    await elsewhereConnecting;

    ops.cancel('first');
    ops.cancel('elsewhere');
    await Promise.allSettled([firstRun, elsewhereRun]);
    // The first run's end frees the keystore for the second.
    const secondConnecting = stepReached(ops, 'second', 'capf-connect');
    const secondRun = ops.start({ profileId: 'second', authString: '12121212' });
    await secondConnecting;
    ops.cancel('second');
    await Promise.allSettled([secondRun]);
    await remove();
  }, 60_000);
});

describe('a resumed enrollment is a running operation', () => {
  it('refuses a second start for its profile and stops when cancelled', async () => {
    const { core, remove } = await freshCore();
    const p = profile('hang', 'op1', { capfPort: hung.port });
    await interrupted(core, p, '12121212');
    const ops = new CertificateOperations(core);
    const connecting = stepReached(ops, 'hang', 'capf-connect');
    const resuming = ops.resumeInterrupted();
    await connecting;

    expect(ops.isRunning('hang')).toBe(true);
    await expect(ops.start({ profileId: 'hang', authString: '12121212' })).rejects.toMatchObject({
      code: 'ALREADY_RUNNING',
      message: expect.stringContaining('profile "hang" (user labuser, instance ID op1)'),
    });
    ops.cancel('hang');
    expect(await resuming).toEqual([{ profileId: 'hang', status: expect.objectContaining({ state: 'failed', code: 'CANCELLED' }) }]);
    expect(sealKept(core, 'hang')).toBe(false);
    await remove();
  }, 60_000);

  it('is stopped by close(), which returns once it has ended and released its lock', async () => {
    const { core, remove } = await freshCore();
    const p = profile('hang2', 'op1', { capfPort: hung.port });
    await interrupted(core, p, '12121212');
    const ops = new CertificateOperations(core);
    const connecting = stepReached(ops, 'hang2', 'capf-connect');
    const resuming = ops.resumeInterrupted();
    await connecting;
    await ops.close();
    expect(ops.isRunning('hang2')).toBe(false);
    expect(await core.status.get('hang2')).toMatchObject({ state: 'failed', code: 'CANCELLED' });
    const lock = await tryLock(join(core.layout.locksDir, 'enroll-hang2.lock'));
    expect(lock.acquired).toBe(true);
    if (lock.acquired) await lock.lock.release();
    await resuming;
    await expect(ops.start({ profileId: 'hang2', authString: '12121212' })).rejects.toMatchObject({ code: 'CANCELLED' });
    await remove();
  }, 60_000);
});

describe('resume seals', () => {
  it('are erased when a settings save removes their profile, which is refused while it runs', async () => {
    const { core, remove } = await freshCore();
    const ops = new CertificateOperations(core);
    await interrupted(core, profile('gone', 'op2'), '34343434');
    const keep = profile('keep', 'op1', { capfPort: hung.port });
    await core.settings.upsertProfile(keep);

    const connecting = stepReached(ops, 'keep', 'capf-connect');
    const running = ops.start({ profileId: 'keep', authString: '12121212' }).catch((e: unknown) => e);
    await connecting;
    const settings = await core.settings.read();
    await expect(ops.saveSettings({ ...settings, profiles: settings.profiles.filter((p) => p.id !== 'keep') })).rejects.toMatchObject({ code: 'ALREADY_RUNNING' });
    ops.cancel('keep');
    await running;

    await ops.saveSettings({ ...settings, profiles: settings.profiles.filter((p) => p.id !== 'gone') });
    expect(sealKept(core, 'gone')).toBe(false);
    expect(await core.status.all()).not.toHaveProperty('gone');
    await remove();
  }, 60_000);

  it('are erased at start-up when their operation is over', async () => {
    const { core, remove } = await freshCore();
    const p = profile('done', 'op2');
    await interrupted(core, p, '34343434');
    // A crash between the final status write and the erase.
    await core.status.set(p.id, { state: 'succeeded', at: new Date().toISOString(), outcome: 'installed' });
    expect(await new CertificateOperations(core).resumeInterrupted()).toEqual([]);
    expect(sealKept(core, p.id)).toBe(false);
    await remove();
  });

  it('erase what older versions kept in the vault, at start-up, when their operation is over', async () => {
    const { core, remove } = await freshCore();
    const p = profile('olddone', 'op2');
    await finished(core, p);
    await vaultSealOf(core, p.id, SINCE);
    expect(await new CertificateOperations(core).resumeInterrupted()).toEqual([]);
    expect(await (await core.vault()).get(resumeAccount(core, p.id))).toBeNull();
    // Swept once for this home (no seal folder was there yet): later starts leave the vault alone.
    expect(existsSync(join(core.layout.resumeDir, '.vault-swept'))).toBe(true);
    await vaultSealOf(core, p.id, SINCE);
    await new CertificateOperations(core).resumeInterrupted();
    expect(await (await core.vault()).get(resumeAccount(core, p.id))).not.toBeNull();
    await (await core.vault()).delete(resumeAccount(core, p.id));
    await remove();
  });

  it('are left alone at start-up while another process holds their profile\'s lock', async () => {
    const { core, remove } = await freshCore();
    const p = profile('busy', 'op2');
    await finished(core, p);
    expect(await sealForResume(core, { profileId: p.id, authString: '34343434', startedAt: SINCE })).toBe(true);
    const other = await tryLock(join(core.layout.locksDir, `enroll-${p.id}.lock`));
    expect(other.acquired).toBe(true);
    await new CertificateOperations(core).resumeInterrupted();
    expect(sealKept(core, p.id)).toBe(true);
    if (other.acquired) await other.lock.release();
    await new CertificateOperations(core).resumeInterrupted();
    expect(sealKept(core, p.id)).toBe(false);
    await remove();
  });

  it('of an older build that no longer match the interrupted run are erased from the vault, and it fails with what to do', async () => {
    const { core, remove } = await freshCore();
    const p = profile('stalevault', 'op2');
    await core.settings.upsertProfile(p);
    await core.status.set(p.id, { state: 'in-progress', since: new Date().toISOString(), step: 'capf-connect', attempt: 1, maxAttempts: 1 });
    await vaultSealOf(core, p.id, SINCE);
    expect(await new CertificateOperations(core).resumeInterrupted()).toEqual([{ profileId: p.id, status: expect.objectContaining({ state: 'failed', code: 'CANCELLED' }) }]);
    expect(await (await core.vault()).get(resumeAccount(core, p.id))).toBeNull();
    await remove();
  });

  it('are files only the vault opens: no authentication string in them, private, a changed byte refused', async () => {
    const { core, remove } = await freshCore();
    expect(await sealForResume(core, { profileId: 'sealed', authString: '56565656', startedAt: SINCE })).toBe(true);
    const path = sealPath(core, 'sealed');
    const bytes = await readFile(path);
    expect(bytes.toString('latin1')).not.toContain('56565656');
    if (process.platform !== 'win32') expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readSeal(core, 'sealed', SINCE)).toMatchObject({ seal: { profileId: 'sealed', authString: '56565656' } });
    // Under another profile's name it does not open either.
    await copyFile(path, sealPath(core, 'other'));
    expect(await readSeal(core, 'other', SINCE)).toEqual({ missing: 'gone' });
    const sealed = JSON.parse(bytes.toString('utf8')) as { data: string };
    const data = Buffer.from(sealed.data, 'base64url');
    data[0]! ^= 1;
    await writeFile(path, JSON.stringify({ ...sealed, data: data.toString('base64url') }));
    expect(await readSeal(core, 'sealed', SINCE)).toEqual({ missing: 'gone' });
    await writeFile(path, 'not a seal');
    expect(await readSeal(core, 'sealed', SINCE)).toEqual({ missing: 'gone' });
    await remove();
  });

  it('open only for the operation that wrote them: a seal of an earlier run holds a spent string', async () => {
    const { core, remove } = await freshCore();
    expect(await sealForResume(core, { profileId: 'stale', authString: '78787878', startedAt: SINCE })).toBe(true);
    expect(await readSeal(core, 'stale', new Date().toISOString())).toEqual({ missing: 'gone' });
    expect(await readSeal(core, 'stale', SINCE)).toMatchObject({ seal: { authString: '78787878' } });
    await remove();
  });

  it('are never read through a link, from a device or a pipe, from a folder or past their size', async () => {
    const { core, remove } = await freshCore();
    await mkdir(core.layout.resumeDir, { recursive: true });
    const cases: Array<[string, (path: string) => Promise<unknown>]> = [
      ['link', (path) => symlink('/dev/zero', path)],
      ['pipe', (path) => run('mkfifo', [path])],
      ['folder', (path) => mkdir(path)],
      ['huge', (path) => writeFile(path, Buffer.alloc(1024 * 1024, 0x7b))],
    ];
    for (const [profileId, plant] of cases) {
      await plant(sealPath(core, profileId));
      expect(await readSeal(core, profileId, SINCE)).toEqual({ missing: 'gone' });
    }
    await remove();
  });

  it('of two homes with the same profile id never meet', async () => {
    const [one, two] = [await freshCore(), await freshCore()];
    expect(resumeAccount(one.core, 'lab')).not.toBe(resumeAccount(two.core, 'lab'));
    expect(await sealForResume(one.core, { profileId: 'lab', authString: '12121212', startedAt: SINCE })).toBe(true);
    // Copied into the other home, the seal does not open there: the home is part of what it authenticates.
    await mkdir(two.core.layout.resumeDir, { recursive: true });
    await copyFile(sealPath(one.core, 'lab'), sealPath(two.core, 'lab'));
    expect(await readSeal(two.core, 'lab', SINCE)).toEqual({ missing: 'gone' });
    expect(await readSeal(one.core, 'lab', SINCE)).toMatchObject({ seal: { authString: '12121212' } });
    await one.remove();
    await two.remove();
  });
});

describe('a status that cannot be written during a step', () => {
  it('fails the operation cleanly with the file named, never an unhandled rejection', async () => {
    const { core, remove } = await freshCore();
    const p = profile('nowrite', 'op2');
    await core.settings.upsertProfile(p);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const seen: OperationStatus[] = [];
    try {
      const error = await enrollCertificate(core, {
        profile: p,
        authString: '34343434',
        onProgress: (status) => {
          seen.push(status);
          // From here on every status write fails: status.json is now a folder.
          if (status.state === 'in-progress' && status.step === 'capf-connect') {
            void rm(core.layout.statusFile).then(() => mkdir(core.layout.statusFile));
          }
        },
      }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'BAD_INPUT', message: expect.stringContaining(core.layout.statusFile) });
      expect(seen.at(-1)).toMatchObject({ state: 'failed' });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    await remove();
  }, 60_000);
});

describe('resume without an OS vault', () => {
  it('says what is true: the string was not kept, and was not used up', async () => {
    const home = await tempDir('opsapp-novault');
    const p = profile('novault', 'op2');
    await writeFile(join(home.path, 'settings.json'), JSON.stringify({ version: 1, profiles: [p], activeProfileId: p.id }));
    await writeFile(join(home.path, 'status.json'), JSON.stringify({ version: 1, profiles: { novault: { state: 'in-progress', since: new Date().toISOString(), step: 'capf-authenticate', attempt: 1, maxAttempts: 1 } } }));
    const run = await runCli(['--home', home.path, '--json', 'resume'], {
      env: { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/ctiprefs-bus', CTIPREFS_KEYSTORE_PASSWORD: 'headless-agent-1' },
    });
    expect(run.code).toBe(0);
    const [result] = JSON.parse(run.stdout).resumed;
    expect(result.status).toMatchObject({
      state: 'failed',
      message: expect.stringMatching(/no OS credential vault.*should still be valid/),
      hint: 'Run the certificate update again with the same authentication string.',
    });
    expect(result.status.message).not.toMatch(/new (authentication )?string/);
    await home.remove();
  }, 60_000);
});
