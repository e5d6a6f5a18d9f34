/**
 * The whole workflow against the lab over real sockets: TFTP → CTL trust → CAPF over TLS → PKCS#12
 * keystore with its password in the real OS vault (gnome-keyring in the test D-Bus session).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { OperationStatus } from '../../../shared/model.ts';
import type { Profile } from '../../../shared/profile.ts';
import { openCore, type CoreContext } from '../../../electron/core/context.ts';
import { enrollCertificate } from '../../../electron/core/enroll.ts';
import { CertificateOperations } from '../../../electron/core/operations.ts';
import type { SecretVault } from '../../../electron/core/keystore/vault.ts';
import { CertificateStore } from '../../../electron/core/keystore/certificate-store.ts';
import { StatusStore } from '../../../electron/core/status.ts';
import { CtiError } from '../../../shared/errors.ts';
import { resumeAccount } from '../../../electron/core/resume-seal.ts';
import { memoryLogger } from '../../../electron/core/log.ts';
import { startLab, type Lab } from '../../../electron/lab/lab.ts';
import { parseLabProfile } from '../../../electron/lab/profiles.ts';
import { profileForLab } from '../../helpers/lab-profile.ts';
import { closedTcpPort, closedUdpPort } from '../../../scripts/lib/ports.ts';
import { tempDir } from '../../helpers/temp.ts';

let lab: Lab;
let labDir: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  labDir = await tempDir('lab');
  lab = await startLab({
    dir: labDir.path,
    profiles: ['ec1:111111:p256', 'rsa1:222222:rsa1024', 'wrong1:333333:p256', 'retry1:444444:p256', 'resume1:555555:p256', 'resume2:555556:p256', 'none1:666666:p256:none', 'nowrite1:777777:p256', 'nowrite2:777778:p256', 'nowrite3:777779:p256'].map(parseLabProfile),
  });
}, 120_000);
afterAll(async () => {
  await lab?.close();
  await labDir?.remove();
});

async function freshCore(): Promise<{ core: CoreContext; logger: ReturnType<typeof memoryLogger>; remove(): Promise<void> }> {
  const home = await tempDir('home');
  const logger = memoryLogger();
  return { core: openCore({ home: home.path, logger }), logger, remove: home.remove };
}

/** What a crash of an older version leaves behind: an in-progress status and the resume data in the vault. */
async function crashedInOlderVersion(core: CoreContext, profile: Profile, authString: string): Promise<SecretVault> {
  await core.settings.upsertProfile(profile);
  const since = new Date().toISOString();
  await core.status.set(profile.id, { state: 'in-progress', since, step: 'capf-connect', attempt: 1, maxAttempts: 1 });
  const vault = await core.vault();
  await vault.set(resumeAccount(core, profile.id), JSON.stringify({ profileId: profile.id, authString, startedAt: since }));
  return vault;
}

function labProfile(instanceId: string, overrides: Partial<Profile> = {}): Profile {
  return profileForLab(lab, `p-${instanceId.toLowerCase()}`, instanceId, overrides);
}

describe('enrollCertificate against the lab', () => {
  it('fetches the CTL, enrolls an EC P-256 certificate and stores it in the keystore', async () => {
    const { core, logger, remove } = await freshCore();
    const profile = labProfile('ec1');
    await core.settings.upsertProfile(profile);
    const events: OperationStatus[] = [];
    const status = await enrollCertificate(core, { profile, authString: '111111', onProgress: (s) => events.push(s) });

    expect(status).toMatchObject({ state: 'succeeded', outcome: 'installed' });
    expect(await core.status.get(profile.id)).toEqual(status);
    const steps = events.flatMap((e) => (e.state === 'in-progress' ? [e.step] : []));
    expect(steps).toEqual(expect.arrayContaining(['ctl-download', 'capf-connect', 'key-generate', 'certificate-store']));
    const [stored] = await (await core.certificateStore(core.dirOf(profile))).list();
    expect(stored).toMatchObject({ instanceId: 'ec1', keyType: 'EC', keySize: 'P-256' });
    expect((stored as { subject: string }).subject).toContain('ec1');
    // The authentication string is never written to settings, status or logs.
    const files = await Promise.all([core.layout.settingsFile, core.layout.statusFile].map((f) => readFile(f, 'utf8')));
    for (const text of [...files, ...logger.lines]) expect(text).not.toContain('111111');
    await remove();
  });

  it('fails before any CAPF session when the vault cannot store the first keystore\'s password, so the string stays unspent', async () => {
    const { core, remove } = await freshCore();
    const profile = labProfile('nowrite1');
    await core.settings.upsertProfile(profile);
    // The real OS vault, except that it stores nothing (a read-only or full keyring): it reads fine.
    const real = await core.vault();
    const readOnly: SecretVault = {
      kind: real.kind,
      get: (account) => real.get(account),
      delete: (account) => real.delete(account),
      set: async (account) => {
        throw new CtiError('VAULT', `The OS credential vault could not store the secret "${account}"`);
      },
    };
    const sessionsBefore = lab.capfServer.sessions;
    const readOnlyCore: CoreContext = { ...core, vault: async () => readOnly, certificateStore: async (dir) => new CertificateStore({ dir, vault: readOnly }) };
    const error = await enrollCertificate(readOnlyCore, { profile, authString: '777777' }).catch((err: unknown) => err);
    expect(error).toMatchObject({ code: 'VAULT', message: expect.stringMatching(/could not store the secret .*not contacted.*still unspent$/) });
    expect(lab.capfServer.sessions).toBe(sessionsBefore);
    expect(await core.status.get(profile.id)).toMatchObject({ state: 'failed', code: 'VAULT' });
    // The same one-time string still works once the vault does.
    expect(await enrollCertificate(core, { profile, authString: '777777' })).toMatchObject({ state: 'succeeded', outcome: 'installed' });
    await remove();
  });

  it('fails before any CAPF session when its first status cannot be written, so the string stays unspent', async () => {
    const { core, remove } = await freshCore();
    const profile = labProfile('nowrite2');
    await core.settings.upsertProfile(profile);
    // A status file on a full disk: the run's first step cannot be recorded.
    class FullDiskStatus extends StatusStore {
      override set(profileId: string, status: OperationStatus): Promise<void> {
        if (status.state === 'in-progress') return Promise.reject(new CtiError('STORAGE', 'status.json: the disk is full (ENOSPC)'));
        return super.set(profileId, status);
      }
    }
    const sessionsBefore = lab.capfServer.sessions;
    const fullCore: CoreContext = { ...core, status: new FullDiskStatus(core.layout.statusFile, join(core.layout.locksDir, 'status.lock')) };
    const error = await enrollCertificate(fullCore, { profile, authString: '777778' }).catch((err: unknown) => err);
    expect(error).toMatchObject({ code: 'STORAGE', message: expect.stringMatching(/disk is full \(ENOSPC\); the CAPF server was not contacted, so the authentication string is still unspent$/) });
    expect(lab.capfServer.sessions).toBe(sessionsBefore);
    // The same one-time string still works once the disk does.
    expect(await enrollCertificate(core, { profile, authString: '777778' })).toMatchObject({ state: 'succeeded', outcome: 'installed' });
    await remove();
  });

  /** Enrolls while the settings write of a new profile fails (a full disk), as CertificateOperations reports it; the error and whether CAPF heard anything. */
  async function enrollWithUnsavedProfile(core: CoreContext, profile: Profile, authString?: string) {
    const sessionsBefore = lab.capfServer.sessions;
    const profileSaved = Promise.reject(new CtiError('STORAGE', 'settings.json: the disk is full (ENOSPC)'));
    profileSaved.catch(() => undefined);
    const error = await enrollCertificate(core, { profile, ...(authString ? { authString } : {}), profileSaved }).catch((err: unknown) => err);
    return { error, capfSessions: lab.capfServer.sessions - sessionsBefore };
  }

  it('fails before any CAPF session when its profile cannot be saved, so the string stays unspent', async () => {
    const { core, remove } = await freshCore();
    const profile = labProfile('nowrite3');
    const { error, capfSessions } = await enrollWithUnsavedProfile(core, profile, '777779');
    expect(error).toMatchObject({ code: 'STORAGE', message: expect.stringMatching(/settings\.json: the disk is full \(ENOSPC\); the CAPF server was not contacted, so the authentication string is still unspent$/) });
    expect(capfSessions).toBe(0);
    await core.settings.upsertProfile(profile);
    expect(await enrollCertificate(core, { profile, authString: '777779' })).toMatchObject({ state: 'succeeded', outcome: 'installed' });
    await remove();
  });

  it('says only that CAPF was not contacted when a run without an authentication string fails before the session', async () => {
    const { core, remove } = await freshCore();
    const { error, capfSessions } = await enrollWithUnsavedProfile(core, labProfile('nowrite4'));
    expect(error).toMatchObject({ code: 'STORAGE', message: expect.stringMatching(/settings\.json: the disk is full \(ENOSPC\); the CAPF server was not contacted$/) });
    expect(capfSessions).toBe(0);
    await remove();
  });

  it('enrolls an RSA certificate when the CAPF profile asks for RSA', async () => {
    const { core, remove } = await freshCore();
    const profile = labProfile('rsa1');
    await core.settings.upsertProfile(profile);
    await enrollCertificate(core, { profile, authString: '222222' });
    const [stored] = await (await core.certificateStore(core.dirOf(profile))).list();
    expect(stored).toMatchObject({ instanceId: 'rsa1', keyType: 'RSA', keySize: '1024' });
    await remove();
  });

  it('treats a refused authentication string as final: no retries, failure persisted with its code', async () => {
    const { core, remove } = await freshCore();
    const profile = labProfile('wrong1', { retries: 3, retryInterval: 0 });
    await core.settings.upsertProfile(profile);
    const before = lab.capfServer.sessions;
    const events: OperationStatus[] = [];
    await expect(enrollCertificate(core, { profile, authString: '9999', onProgress: (s) => events.push(s) })).rejects.toMatchObject({
      code: 'CAPF_AUTH_FAILED',
    });
    expect(lab.capfServer.sessions - before).toBe(1);
    expect(events.some((e) => e.state === 'in-progress' && e.step === 'retry-wait')).toBe(false);
    expect(await core.status.get(profile.id)).toMatchObject({ state: 'failed', code: 'CAPF_AUTH_FAILED', hint: expect.stringContaining('authentication string') });
    const store = await core.certificateStore(core.dirOf(profile));
    expect(await store.list()).toEqual([]);
    // The password made for the keystore that never came is erased with the run.
    expect(await (await core.vault()).get(store.vaultAccount(profile.instanceId))).toBeNull();
    await remove();
  });

  it('honours the retry count and interval on communication failures', async () => {
    const { core, remove } = await freshCore();
    const profile = labProfile('retry1', { capfPort: await closedTcpPort(), retries: 2, retryInterval: 1 });
    await core.settings.upsertProfile(profile);
    const waits: OperationStatus[] = [];
    const started = Date.now();
    await expect(
      enrollCertificate(core, { profile, authString: '444444', onProgress: (s) => s.state === 'in-progress' && s.step === 'retry-wait' && waits.push(s) }),
    ).rejects.toMatchObject({ code: 'NETWORK_UNREACHABLE' });
    // 1 + 2 retries = 3 attempts, so exactly 2 waits of 1 s each.
    expect(waits.map((w) => (w.state === 'in-progress' ? [w.attempt, w.maxAttempts] : []))).toEqual([
      [1, 3],
      [2, 3],
    ]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    await remove();
  });

  it('reports a CAPF profile with nothing to do', async () => {
    const { core, remove } = await freshCore();
    const profile = labProfile('none1');
    await expect(enrollCertificate(core, { profile, authString: '666666' })).rejects.toMatchObject({ code: 'CAPF_NOTHING_TO_DO' });
    await remove();
  });

  it('refuses to connect when no CTL can be downloaded and none is stored', async () => {
    const { core, remove } = await freshCore();
    const profile = labProfile('ec1', { tftpServers: [`127.0.0.1:${await closedUdpPort()}`] });
    const error = await enrollCertificate(core, { profile, authString: '111111' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: expect.stringMatching(/^NETWORK_(UNREACHABLE|TIMEOUT)$/) });
    await remove();
  });

  it('resumes an interrupted operation from a seal an older version kept in the vault, then erases it', async () => {
    const { core, remove } = await freshCore();
    const profile = labProfile('resume1');
    const vault = await crashedInOlderVersion(core, profile, '555555');

    const results = await new CertificateOperations(core).resumeInterrupted();
    expect(results).toEqual([{ profileId: profile.id, status: expect.objectContaining({ state: 'succeeded' }) }]);
    expect(await vault.get(resumeAccount(core, profile.id))).toBeNull();
    expect(await new CertificateOperations(core).resumeInterrupted()).toEqual([]);
    await remove();
  });

  it('erases what an older version sealed in the vault when a new run follows its interrupted one', async () => {
    const { core, remove } = await freshCore();
    const profile = labProfile('resume2');
    const vault = await crashedInOlderVersion(core, profile, '999999');
    expect(await enrollCertificate(core, { profile, authString: '555556' })).toMatchObject({ state: 'succeeded' });
    expect(await vault.get(resumeAccount(core, profile.id))).toBeNull();
    await remove();
  });

  it('marks an interrupted operation without sealed data as failed with what to do', async () => {
    const { core, remove } = await freshCore();
    const profile = labProfile('ec1', { id: 'lost' } as Partial<Profile>);
    await core.settings.upsertProfile(profile);
    await core.status.set('lost', { state: 'pending', since: new Date().toISOString() });
    const [result] = await new CertificateOperations(core).resumeInterrupted();
    expect(result?.status).toMatchObject({ state: 'failed', hint: expect.stringContaining('again') });
    await remove();
  });

  it('keeps the lab CTL on disk between lab restarts', async () => {
    const first = await readFile(join(labDir.path, 'tftp', 'CTLFile.tlv'));
    const again = await startLab({ dir: labDir.path });
    await again.close();
    expect(await readFile(join(labDir.path, 'tftp', 'CTLFile.tlv'))).toEqual(first);
  });
});
