/**
 * The JSON Schema of the settings file and of the machine-wide preset, generated from the field rules
 * (shared/fields.ts, shared/profile.ts, shared/preset.ts), so the published schema, the UI, the IPC
 * validation and the CLI all apply one set of limits. `npm run schema` writes docs/*.schema.json.
 */
import { EXPIRY_WARNING_DAYS_FIELD, type FieldRule } from './fields.ts';
import { PRESET_PROFILE_RULES } from './preset.ts';
import { MAX_PROFILES, PROFILE_FIELDS, PROFILE_ID_FIELD, PROFILE_RULES, READABLE_SETTINGS_VERSIONS } from './profile.ts';

type JsonSchema = Record<string, unknown>;

export function fieldSchema(rule: FieldRule): JsonSchema {
  switch (rule.type) {
    case 'integer':
      return { type: 'integer', minimum: rule.min, maximum: rule.max };
    case 'boolean':
      return { type: 'boolean' };
    case 'string':
      return { type: 'string', pattern: rule.pattern };
    case 'array':
      return { type: 'array', items: fieldSchema(rule.items), minItems: rule.minItems, maxItems: rule.maxItems };
  }
}

function rulesSchema(rules: Record<string, { rule: FieldRule }>): Record<string, JsonSchema> {
  return Object.fromEntries(Object.entries(rules).map(([name, { rule }]) => [name, fieldSchema(rule)]));
}

function documentSchema(id: string, title: string, description: string, profile: JsonSchema): JsonSchema {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: id,
    title,
    description,
    type: 'object',
    additionalProperties: false,
    required: ['version', 'profiles', 'activeProfileId'],
    properties: {
      version: { enum: [...READABLE_SETTINGS_VERSIONS] },
      profiles: { type: 'array', maxItems: MAX_PROFILES, items: profile },
      activeProfileId: { anyOf: [{ type: 'null' }, fieldSchema(PROFILE_ID_FIELD)] },
      expiryWarningDays: fieldSchema(EXPIRY_WARNING_DAYS_FIELD),
    },
  };
}

const profileSchema = (extra: Record<string, { rule: FieldRule }> = {}): JsonSchema => ({
  type: 'object',
  additionalProperties: false,
  required: [...PROFILE_FIELDS],
  properties: { ...rulesSchema(PROFILE_RULES), ...rulesSchema(extra) },
});

const NOT_EXPRESSIBLE = 'Also checked by ctiprefs, beyond this schema: profile ids are unique and activeProfileId is one of them.';

export function settingsSchema(): JsonSchema {
  return documentSchema(
    'https://ctiprefs.invalid/settings.schema.json',
    'ctiprefs settings',
    `settings.json of ctiprefs (and what "ctiprefs settings export" writes). No field holds a secret. ${NOT_EXPRESSIBLE}`,
    profileSchema(),
  );
}

export function presetSchema(): JsonSchema {
  return documentSchema(
    'https://ctiprefs.invalid/preset.schema.json',
    'ctiprefs machine-wide preset',
    `preset.json in the machine-wide preset folder: the settings file, plus per profile the preset-only field expectedSignerFingerprint. No field holds a secret. ${NOT_EXPRESSIBLE}`,
    profileSchema(PRESET_PROFILE_RULES),
  );
}

/** The published files, as `npm run schema` writes them (docs/ relative to the project root). */
export function schemaFiles(): Record<string, string> {
  const text = (schema: JsonSchema) => `${JSON.stringify(schema, null, 2)}\n`;
  return { 'docs/settings.schema.json': text(settingsSchema()), 'docs/preset.schema.json': text(presetSchema()) };
}
