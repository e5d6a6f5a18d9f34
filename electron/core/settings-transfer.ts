/**
 * Settings as a file to hand around (`settings export` / `settings import`): one canonical text, so an
 * export imported elsewhere gives back the same bytes, and the merge of an imported document by profile id.
 */
import { CtiError } from '../../shared/errors.ts';
import { PROFILE_FIELDS, SETTINGS_FIELDS, validateSettings, type Profile, type Settings } from '../../shared/profile.ts';

/** The document with its fields in the schema's order, so the same settings always give the same text. */
export function canonicalSettings(settings: Settings): Settings {
  const ordered = (value: object, fields: readonly string[]) =>
    Object.fromEntries(fields.filter((f) => (value as Record<string, unknown>)[f] !== undefined).map((f) => [f, (value as Record<string, unknown>)[f]]));
  return ordered({ ...settings, profiles: settings.profiles.map((p) => ordered(p, PROFILE_FIELDS)) }, SETTINGS_FIELDS) as unknown as Settings;
}

/** The text `settings export` writes, laid out as settings.json is (an import writes exactly this). */
export function settingsDocument(settings: Settings): string {
  return `${JSON.stringify(canonicalSettings(settings), null, 2)}\n`;
}

/** Parses and validates an imported document with the settings rules; the error names the source and the field. */
export function parseSettingsDocument(text: string, source: string): Settings {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new CtiError('BAD_INPUT', `${source} is not valid JSON (${(err as Error).message})`);
  }
  const checked = validateSettings(value);
  if (!checked.ok) throw new CtiError('BAD_INPUT', `${source}: ${checked.message}`);
  return canonicalSettings(checked.value);
}

const describe = (p: Profile) => `"${p.id}" (user ${p.userName}, instance ID ${p.instanceId})`;

/**
 * `--merge`: the imported profiles are added, or replace the profile with the same id; every other profile
 * stays. An imported profile with the instance ID of another profile that stays is refused, naming both:
 * one instance ID is one certificate, and two profiles enrolling it would invalidate each other's.
 * The active profile and the expiry warning stay, unless they were unset.
 */
export function mergeSettings(current: Settings, imported: Settings, source: string): Settings {
  const importedIds = new Set(imported.profiles.map((p) => p.id));
  const kept = current.profiles.filter((p) => !importedIds.has(p.id));
  for (const incoming of imported.profiles) {
    const clash = kept.find((p) => p.instanceId === incoming.instanceId);
    if (clash) {
      throw new CtiError(
        'BAD_INPUT',
        `Profile ${describe(incoming)} in ${source} has the instance ID of profile ${describe(clash)} in the settings; one instance ID is one certificate: give one of them another instance ID, or import it under the id "${clash.id}" to replace it`,
      );
    }
  }
  const profiles = [...current.profiles.map((p) => imported.profiles.find((i) => i.id === p.id) ?? p), ...imported.profiles.filter((p) => !current.profiles.some((c) => c.id === p.id))];
  const expiryWarningDays = current.expiryWarningDays ?? imported.expiryWarningDays;
  return canonicalSettings({
    ...current,
    profiles,
    activeProfileId: current.activeProfileId ?? imported.activeProfileId,
    ...(expiryWarningDays === undefined ? {} : { expiryWarningDays }),
  });
}
