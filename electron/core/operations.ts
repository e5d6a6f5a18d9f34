/**
 * The one owner of certificate operations in a process: starting, progress, cancelling, resuming and
 * closing enrollments, for the IPC handlers, the browser preview, the CLI and the start-up resume alike.
 * A profile runs at most once: in this process by the registry, between processes (the app and a CLI on
 * one home) by a lock file per profile. Removing a profile erases what its operation left behind.
 */
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { CtiError, toCtiError } from '../../shared/errors.ts';
import type { OperationStatus, ProgressEvent } from '../../shared/model.ts';
import type { Profile, Settings } from '../../shared/profile.ts';
import type { CoreContext } from './context.ts';
import { enrollCertificate, type EnrollOptions } from './enroll.ts';
import { tryLock, type LockOwner } from './fs/lock-file.ts';
import { resumeEnrollment } from './resume.ts';
import { folderId } from './paths.ts';
import { isInterrupted } from './status.ts';
import { discardSeals, markVaultSealsSwept, sealedProfileIds, unseal, vaultSealsSwept } from './resume-seal.ts';

export interface StartRequest {
  profileId: string;
  authString?: string;
  /**
   * Saved (inserted or replaced, and made active) once the profile's lock is held: the CLI's profiles.
   * When the operation fails, the profile is put back as it was (removed when it was new).
   */
  upsert?: Profile;
  /** Fields that replace the saved profile's for this run only, never saved (`enroll --profile ID --tftp ...`). */
  overrides?: Partial<Omit<Profile, 'id'>>;
  /** Which trust list the enrollment used (see EnrollOptions.onCtl). */
  onCtl?: EnrollOptions['onCtl'];
  onCertificate?: EnrollOptions['onCertificate'];
  firstUse?: EnrollOptions['firstUse'];
}

export interface ResumeResult {
  profileId: string;
  status: OperationStatus;
}

type Task = (
  profile: Profile,
  signal: AbortSignal,
  onProgress: (status: OperationStatus, message: string) => void,
  /** The upsert being written meanwhile; resolved at once without one. */
  profileSaved: Promise<void>,
) => Promise<OperationStatus>;

export class CertificateOperations {
  readonly #core: CoreContext;
  readonly #running = new Map<string, { controller: AbortController; finished: Promise<void> }>();
  readonly #events = new EventEmitter();
  #closed = false;

  constructor(core: CoreContext) {
    this.#core = core;
  }

  onProgress(listener: (event: ProgressEvent) => void): () => void {
    this.#events.on('progress', listener);
    return () => this.#events.off('progress', listener);
  }

  isRunning(profileId: string): boolean {
    return this.#running.has(profileId);
  }

  /** Runs an enrollment to its end; ALREADY_RUNNING when this profile runs here or in another process. */
  start(request: StartRequest): Promise<OperationStatus> {
    const { authString, onCtl, onCertificate, firstUse } = request;
    return this.#run(
      request.profileId,
      (profile, signal, onProgress, profileSaved) =>
        enrollCertificate(this.#core, {
          profile,
          ...(authString ? { authString } : {}),
          ...(onCtl ? { onCtl } : {}),
          ...(onCertificate ? { onCertificate } : {}),
          ...(firstUse ? { firstUse } : {}),
          signal,
          onProgress,
          profileSaved,
        }),
      request.upsert,
      request.overrides,
    );
  }

  cancel(profileId: string): void {
    this.#running.get(profileId)?.controller.abort();
  }

  /**
   * Start-up: erases the seals of operations that are over, then resumes those a crash interrupted, each
   * as a running operation. One that another process is running right now is left to that process.
   */
  async resumeInterrupted(): Promise<ResumeResult[]> {
    await this.#eraseFinishedSeals();
    const settings = await this.#core.settings.read();
    const results: ResumeResult[] = [];
    for (const profileId of await this.#core.status.interrupted()) {
      if (this.#running.has(profileId)) continue;
      if (!settings.profiles.some((p) => p.id === profileId)) {
        await this.#forget(profileId);
        continue;
      }
      try {
        results.push({ profileId, status: await this.#run(profileId, (profile, signal, onProgress) => this.#resumeIfStillInterrupted(profile, signal, onProgress)) });
      } catch (err) {
        if (toCtiError(err).code === 'ALREADY_RUNNING') continue;
        results.push({ profileId, status: await this.#core.status.get(profileId) });
      }
    }
    return results;
  }

  /** Saves the settings; a profile that is removed must not be running, and its seal and status go with it. */
  async saveSettings(next: Settings): Promise<Settings> {
    const current = await this.#core.settings.read();
    for (const profile of current.profiles) {
      if (next.profiles.some((p) => p.id === profile.id)) continue;
      const attempt = this.#running.has(profile.id) ? null : await tryLock(this.#lockPath(profile.id));
      if (!attempt?.acquired) throw alreadyRunning(profile, attempt?.owner ?? null, 'it cannot be deleted now');
      await attempt.lock.release();
    }
    const { saved, previous } = await this.#core.settings.replace(next);
    for (const profile of previous.profiles) {
      if (!saved.profiles.some((p) => p.id === profile.id)) await this.#forget(profile.id);
    }
    return saved;
  }

  /** Cancels every running operation and waits until each has ended (its status written, its lock released). */
  async close(): Promise<void> {
    this.#closed = true;
    const running = [...this.#running.values()];
    for (const { controller } of running) controller.abort();
    await Promise.allSettled(running.map((r) => r.finished));
  }

  async #run(profileId: string, task: Task, upsert?: Profile, overrides?: StartRequest['overrides']): Promise<OperationStatus> {
    if (this.#closed) throw new CtiError('CANCELLED', 'ctiprefs is closing; no new certificate update is started');
    if (this.#running.has(profileId)) throw alreadyRunning(await this.#profileOrNull(profileId, upsert), null);
    // Claimed before the first await, so two quick clicks cannot both start.
    const controller = new AbortController();
    let finish!: () => void;
    this.#running.set(profileId, { controller, finished: new Promise((resolve) => (finish = resolve)) });
    try {
      const described = { ...(upsert ?? (await this.#core.settings.profile(profileId))), ...overrides };
      const release = await this.#lockRun(profileId, described);
      try {
        const before = upsert ? await this.#core.settings.read() : undefined;
        // Written while the task starts; the task waits for it before it records the run.
        const profileSaved = upsert ? this.#core.settings.upsertProfile(upsert).then(() => undefined) : Promise.resolve();
        profileSaved.catch(() => undefined);
        const profile = { ...(upsert ?? (await this.#core.settings.profile(profileId))), ...overrides };
        try {
          return await task(profile, controller.signal, (status, message) => this.#events.emit('progress', { profileId, status, message } satisfies ProgressEvent), profileSaved);
        } catch (err) {
          // Put back only after the upsert is over: restored first, the profile would come back with it.
          await profileSaved.catch(() => undefined);
          if (before) await this.#restoreAfterFailure(profileId, before);
          throw err;
        }
      } finally {
        await release();
      }
    } finally {
      this.#running.delete(profileId);
      finish();
    }
  }

  /** A failed run leaves no profile behind: a new one is removed with its status, a changed one is put back. */
  async #restoreAfterFailure(profileId: string, before: Settings): Promise<void> {
    try {
      await this.#core.settings.restoreProfile(profileId, before);
      if (!before.profiles.some((p) => p.id === profileId)) await this.#forget(profileId);
    } catch (err) {
      // The run's own failure is the answer; the profile left behind is named in the log.
      this.#core.logger.log('error', 'profile.restore-failed', { profile: profileId, message: toCtiError(err).message });
    }
  }

  async #resumeIfStillInterrupted(profile: Profile, signal: AbortSignal, onProgress: (s: OperationStatus, m: string) => void): Promise<OperationStatus> {
    // Another process may have finished it between the status read and taking the lock.
    const status = await this.#core.status.get(profile.id);
    if (!isInterrupted(status)) return status;
    return resumeEnrollment(this.#core, profile, { signal, onProgress });
  }

  /**
   * The seals of operations that are over (a crash between the last status write and the erase leaves
   * one; so does a profile removed meanwhile), each erased under its profile's lock, so that a run another
   * process starts meanwhile keeps its own. Older builds' vault seals are looked for until one sweep has
   * found every operation over.
   */
  async #eraseFinishedSeals(): Promise<void> {
    const [sealed, swept] = await Promise.all([sealedProfileIds(this.#core), vaultSealsSwept(this.#core)]);
    // Once swept, only the profiles with a seal file have anything to erase.
    const ids = swept ? sealed : new Set([...sealed, ...(await this.#knownProfileIds())]);
    let allErased = true;
    for (const id of ids) {
      const erase = swept ? () => unseal(this.#core, id).then(() => true) : () => discardSeals(this.#core, id);
      const erased = await this.#whileIdle(id, erase);
      allErased &&= erased;
    }
    if (!swept && allErased) await markVaultSealsSwept(this.#core);
  }

  /** The profiles of the settings, and any the status still names. */
  async #knownProfileIds(): Promise<string[]> {
    const [settings, statuses] = await Promise.all([this.#core.settings.read(), this.#core.status.all()]);
    return [...settings.profiles.map((p) => p.id), ...Object.keys(statuses)];
  }

  /** Runs `work` under the profile's lock when no operation of it runs or was cut short; false otherwise. */
  async #whileIdle(profileId: string, work: () => Promise<boolean>): Promise<boolean> {
    if (this.#running.has(profileId)) return false;
    const attempt = await tryLock(this.#lockPath(profileId));
    if (!attempt.acquired) return false;
    try {
      // The status under the lock: a run another process started may have been cut short meanwhile.
      return !isInterrupted(await this.#core.status.get(profileId)) && (await work());
    } finally {
      await attempt.lock.release();
    }
  }

  async #forget(profileId: string): Promise<void> {
    await discardSeals(this.#core, profileId);
    await this.#core.status.remove(profileId);
    this.#core.logger.log('info', 'profile.forgotten', { profile: profileId });
  }

  /**
   * Takes the profile's lock, then its keystore's: two profiles with one instance ID in one certificate
   * folder share a keystore and its vault password, so they run one at a time too, or one run could erase
   * the password the other's new keystore is written with. Gives back the release of both.
   */
  async #lockRun(profileId: string, described: Profile): Promise<() => Promise<void>> {
    const about = { profile: profileId, user: described.userName, instanceId: described.instanceId };
    const profileLock = await tryLock(this.#lockPath(profileId), about);
    if (!profileLock.acquired) throw alreadyRunning(described, profileLock.owner);
    try {
      const keystoreLock = await tryLock(this.#keystoreLockPath(described), about);
      if (!keystoreLock.acquired) throw keystoreBusy(described, keystoreLock.owner);
      return async () => {
        await keystoreLock.lock.release();
        await profileLock.lock.release();
      };
    } catch (err) {
      await profileLock.lock.release();
      throw err;
    }
  }

  /** The keystore's lock: its certificate folder and instance ID (locks of one home; see the README's limits). */
  #keystoreLockPath(profile: Pick<Profile, 'certificatePath' | 'instanceId'>): string {
    return join(this.#core.layout.locksDir, `keystore-${folderId(this.#core.dirOf(profile))}-${profile.instanceId}.lock`);
  }

  #lockPath(profileId: string): string {
    return join(this.#core.layout.locksDir, `enroll-${profileId}.lock`);
  }

  async #profileOrNull(profileId: string, upsert?: Profile): Promise<Profile | null> {
    return upsert ?? (await this.#core.settings.profile(profileId).catch(() => null));
  }
}

/** Another profile's run holds the keystore this one would write. */
function keystoreBusy(profile: Pick<Profile, 'id' | 'instanceId'>, owner: LockOwner | null): CtiError {
  const other = owner?.about?.profile;
  const by = other ? `profile "${other}"` : 'another profile';
  return new CtiError(
    'ALREADY_RUNNING',
    `A certificate update of instance ID ${profile.instanceId} in the same certificate folder is already running for ${by}${ownerPlace(owner)}; start profile "${profile.id}" again once it has ended`,
  );
}

/** Where the lock's owner runs, when that is another process. */
function ownerPlace(owner: LockOwner | null): string {
  return owner && owner.pid !== process.pid ? ` in process ${owner.pid} since ${owner.since}` : '';
}

function alreadyRunning(profile: Pick<Profile, 'id' | 'userName' | 'instanceId'> | null, owner: LockOwner | null, consequence?: string): CtiError {
  const who = profile ? `profile "${profile.id}" (user ${profile.userName}, instance ID ${profile.instanceId})` : 'this profile';
  return new CtiError('ALREADY_RUNNING', `A certificate update is already running for ${who}${ownerPlace(owner)}${consequence ? `; ${consequence}` : ''}`);
}
