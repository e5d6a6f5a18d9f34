/**
 * The machine-wide preset: a settings document an administrator puts on every PC (preset.json in the
 * preset folder), plus preset-only fields per profile. It never holds a secret: there is no field for one,
 * and an unknown field is refused like in the settings file.
 */
import { parseSha256Fingerprint, SHA256_FINGERPRINT_FIELD, type FieldRule } from './fields.ts';
import { validateSettings, type Checked, type Settings } from './profile.ts';

export const PRESET_FILE_NAME = 'preset.json';

/** Fields a preset profile may have beyond the settings file's. */
export const PRESET_PROFILE_RULES = {
  /** The signer the first trusted CTL must have: no trust on first use for this profile. */
  expectedSignerFingerprint: {
    rule: SHA256_FINGERPRINT_FIELD,
    check: (value: unknown) => (typeof value === 'string' ? null : 'expectedSignerFingerprint must be a SHA-256 fingerprint: 64 hex digits, colons allowed'),
  },
} as const satisfies Record<string, { rule: FieldRule; check: (value: unknown) => string | null }>;

export interface Preset {
  /** The settings part: what a user without a settings file starts with. */
  settings: Settings;
  /** Profile id → the expected CTL signer's SHA-256 fingerprint (uppercase, colon-separated). */
  expectedSigners: Record<string, string>;
}

/** Validates a preset document: preset-only fields first, then the rest exactly as a settings file. */
export function validatePreset(value: unknown): Checked<Preset> {
  if (typeof value !== 'object' || value === null || !Array.isArray((value as { profiles?: unknown }).profiles)) {
    return validateSettings(value) as Checked<never>;
  }
  const document = value as Record<string, unknown> & { profiles: unknown[] };
  const expectedSigners: Record<string, string> = {};
  const profiles: unknown[] = [];
  for (const [index, profile] of document.profiles.entries()) {
    if (typeof profile !== 'object' || profile === null) {
      profiles.push(profile);
      continue;
    }
    const { expectedSignerFingerprint, ...rest } = profile as Record<string, unknown>;
    profiles.push(rest);
    if (expectedSignerFingerprint === undefined) continue;
    const refused = PRESET_PROFILE_RULES.expectedSignerFingerprint.check(expectedSignerFingerprint);
    const parsed = refused ? { error: refused } : parseSha256Fingerprint(expectedSignerFingerprint as string, 'expectedSignerFingerprint');
    if (typeof parsed !== 'string') return { ok: false, message: `Profile ${index + 1}: ${parsed.error}` };
    expectedSigners[String(rest.id)] = parsed;
  }
  const settings = validateSettings({ ...document, profiles });
  return settings.ok ? { ok: true, value: { settings: settings.value, expectedSigners } } : settings;
}
