/** Profiles on disk: `settings.json`, schema-checked on every read and write, written atomically. */
import { CtiError } from '../../shared/errors.ts';
import { SETTINGS_VERSION, validateSettings, type Profile, type Settings } from '../../shared/profile.ts';
import { readJsonFile, writeJsonFile } from './json-file.ts';

export const EMPTY_SETTINGS: Settings = { version: SETTINGS_VERSION, profiles: [], activeProfileId: null };

export class SettingsStore {
  constructor(private readonly path: string) {}

  async read(): Promise<Settings> {
    return readJsonFile(this.path, (value) => checked(value, `${this.path}: `), structuredClone(EMPTY_SETTINGS));
  }

  /** Validates, then replaces the whole document; a bad document never reaches the disk. */
  async write(settings: unknown): Promise<Settings> {
    const valid = checked(settings, '');
    await writeJsonFile(this.path, valid);
    return valid;
  }

  async profile(profileId: string): Promise<Profile> {
    const found = (await this.read()).profiles.find((p) => p.id === profileId);
    if (!found) throw new CtiError('BAD_INPUT', `No profile with id "${profileId}"`);
    return found;
  }

  /** Inserts or replaces one profile (by id) and makes it active. */
  async upsertProfile(profile: Profile): Promise<Settings> {
    const current = await this.read();
    const profiles = current.profiles.filter((p) => p.id !== profile.id);
    profiles.push(profile);
    return this.write({ ...current, profiles, activeProfileId: profile.id });
  }
}

function checked(value: unknown, prefix: string): Settings {
  const result = validateSettings(value);
  if (!result.ok) throw new CtiError('BAD_INPUT', `${prefix}${result.message}`);
  return result.value;
}
