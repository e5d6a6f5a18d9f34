/**
 * Profiles on disk: `settings.json`, schema-checked on every read and write, written atomically. A user
 * without a settings file starts from the machine-wide preset (electron/core/preset.ts): it is what read()
 * returns, and the first write copies it into the user's file, which wins from then on.
 */
import { CtiError } from '../../shared/errors.ts';
import { SETTINGS_VERSION, validateSettings, type Profile, type Settings } from '../../shared/profile.ts';
import { withDocumentLock } from './document-lock.ts';
import { readJsonFile, writeJsonFile } from './json-file.ts';

export const EMPTY_SETTINGS: Settings = { version: SETTINGS_VERSION, profiles: [], activeProfileId: null };

export class SettingsStore {
  constructor(
    private readonly path: string,
    /** Held around every read-modify-write, so two processes never lose each other's profile. */
    private readonly lockPath = `${path}.lock`,
    /** What a user without a settings file starts with (the preset); null when there is none. */
    private readonly defaults: () => Promise<Settings | null> = async () => null,
  ) {}

  async read(): Promise<Settings> {
    const own = await readJsonFile<Settings | null>(this.path, (value) => checked(value, `${this.path}: `), null);
    return own ?? (await this.defaults()) ?? structuredClone(EMPTY_SETTINGS);
  }

  /** Whether the user has a settings file of their own (else read() gives the preset's). */
  async exists(): Promise<boolean> {
    return readJsonFile<boolean>(this.path, () => true, false);
  }

  /** Validates, then replaces the whole document; a bad document never reaches the disk. */
  async write(settings: unknown): Promise<Settings> {
    return (await this.replace(settings)).saved;
  }

  /** Like write, and also returns the document it replaced (to see which profiles were removed). */
  async replace(settings: unknown): Promise<{ saved: Settings; previous: Settings }> {
    const valid = checked(settings, '');
    return this.update(async (previous) => ({ next: valid, result: { saved: valid, previous } }));
  }

  async profile(profileId: string): Promise<Profile> {
    const found = (await this.read()).profiles.find((p) => p.id === profileId);
    if (!found) throw new CtiError('BAD_INPUT', `No profile with id "${profileId}"`);
    return found;
  }

  /** Inserts or replaces one profile (by id) and makes it active. */
  async upsertProfile(profile: Profile): Promise<Settings> {
    return this.update(async (current) => {
      const profiles = current.profiles.filter((p) => p.id !== profile.id);
      profiles.push(profile);
      const next = checked({ ...current, profiles, activeProfileId: profile.id }, '');
      return { next, result: next };
    });
  }

  /** Inserts or replaces several profiles (by id) in one atomic write; the active profile stays, or becomes the first. */
  async upsertProfiles(incoming: readonly Profile[]): Promise<Settings> {
    return this.update(async (current) => {
      const ids = new Set(incoming.map((p) => p.id));
      const profiles = [...current.profiles.filter((p) => !ids.has(p.id)), ...incoming];
      const next = checked({ ...current, profiles, activeProfileId: current.activeProfileId ?? incoming[0]?.id ?? null }, '');
      return { next, result: next };
    });
  }

  /** Puts one profile back as `before` had it (removed when it was not there), and the active profile with it. */
  async restoreProfile(profileId: string, before: Settings): Promise<void> {
    await this.update(async (current) => {
      const old = before.profiles.find((p) => p.id === profileId);
      const profiles = current.profiles.filter((p) => p.id !== profileId);
      if (old) profiles.splice(Math.min(before.profiles.indexOf(old), profiles.length), 0, old);
      const active = current.activeProfileId === profileId ? before.activeProfileId : current.activeProfileId;
      const activeProfileId = active !== null && profiles.some((p) => p.id === active) ? active : null;
      return { next: checked({ ...current, profiles, activeProfileId }, ''), result: undefined };
    });
  }

  private update<T>(change: (current: Settings) => Promise<{ next: Settings; result: T }>): Promise<T> {
    return withDocumentLock(this.lockPath, this.path, async () => {
      const { next, result } = await change(await this.read());
      await writeJsonFile(this.path, next);
      return result;
    });
  }
}

function checked(value: unknown, prefix: string): Settings {
  const result = validateSettings(value);
  if (!result.ok) throw new CtiError('BAD_INPUT', `${prefix}${result.message}`);
  return result.value;
}
