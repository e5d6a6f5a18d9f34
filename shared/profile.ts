/**
 * The settings schema: profiles (user name + instance ID pairs) and their validation.
 * Secrets never appear here: the authentication string is asked for each time, the keystore
 * password lives in the OS vault.
 */
import {
  BOOLEAN_FIELD,
  CTIMANAGER_TLS_PORT,
  DEFAULT_CAPF_PORT,
  DEFAULT_TFTP_PORT,
  DEVICE_NAME_TEMPLATE_FIELD,
  ENDPOINT_FIELD,
  HOST_FIELD,
  INSTANCE_ID_FIELD,
  MAX_TFTP_SERVERS,
  PORT_FIELD,
  RETRIES,
  RETRIES_FIELD,
  RETRY_INTERVAL_FIELD,
  RETRY_INTERVAL_S,
  USER_NAME_FIELD,
  checkDeviceNameTemplate,
  checkExpiryWarningDays,
  conforms,
  EXPIRY_WARNING_DAYS,
  checkHost,
  checkInstanceId,
  checkPort,
  checkRetries,
  checkRetryInterval,
  checkUserName,
  DEFAULT_DEVICE_NAME_TEMPLATE,
  parseEndpoint,
  type FieldRule,
} from './fields.ts';

export interface Profile {
  /** Stable identifier of the profile, `[a-z0-9-]{1,64}`. */
  id: string;
  userName: string;
  instanceId: string;
  /** Ordered list of `HOST[:PORT]`; port 69 when omitted. */
  tftpServers: string[];
  capfHost: string;
  capfPort: number;
  /** TLS to CTIManager on 2749 (true) or plain 2748 (false). */
  secureConnection: boolean;
  /** CTIManager `HOST[:PORT]` for the connection test; empty means the first TFTP server's host; port 2749 (TLS) or 2748 (plain) by default. */
  ctiManagerServer: string;
  retries: number;
  retryInterval: number;
  /** CAPF device name template: `CTI-{instance}` (default) or e.g. `{instance}`, `{user}-{instance}`. */
  deviceNameTemplate: string;
  /** Folder holding this profile's keystore and the trusted CTL; empty means the default folder. */
  certificatePath: string;
}

/**
 * Version 2 made `CTI-{instance}` the default device name. Version 1 documents are migrated when read:
 * their `{instance}`, the old default, becomes `CTI-{instance}`; from version 2 on, `{instance}` is a
 * deliberate choice and stays.
 */
export const SETTINGS_VERSION = 2;
const LEGACY_SETTINGS_VERSION = 1;
const VERSION_1_DEFAULT_TEMPLATE = '{instance}';

export interface Settings {
  version: typeof SETTINGS_VERSION;
  profiles: Profile[];
  activeProfileId: string | null;
  /** Days before expiry from which a certificate is marked; absent means EXPIRY_WARNING_DAYS.default. */
  expiryWarningDays?: number;
}

export const SETTINGS_FIELDS = ['version', 'profiles', 'activeProfileId', 'expiryWarningDays'] as const satisfies readonly (keyof Settings)[];
/** The versions validateSettings reads (older ones are migrated). */
export const READABLE_SETTINGS_VERSIONS = [LEGACY_SETTINGS_VERSION, SETTINGS_VERSION] as const;

export function expiryWarningDaysOf(settings: Pick<Settings, 'expiryWarningDays'>): number {
  return settings.expiryWarningDays ?? EXPIRY_WARNING_DAYS.default;
}

export type ProfileErrors = Partial<Record<keyof Profile, string>>;

const PROFILE_ID_PATTERN = '^[a-z0-9-]{1,64}$';
export const PROFILE_ID_FIELD: FieldRule = { type: 'string', pattern: PROFILE_ID_PATTERN };
export const MAX_PROFILES = 100;

export function checkProfileId(value: unknown): string | null {
  return conforms(PROFILE_ID_FIELD, value) ? null : 'Profile id must be 1 to 64 of a-z, 0-9 and -';
}

export function defaultProfile(id: string): Profile {
  return {
    id,
    userName: '',
    instanceId: '',
    tftpServers: [],
    capfHost: '',
    capfPort: DEFAULT_CAPF_PORT,
    secureConnection: true,
    ctiManagerServer: '',
    retries: RETRIES.default,
    retryInterval: RETRY_INTERVAL_S.default,
    deviceNameTemplate: DEFAULT_DEVICE_NAME_TEMPLATE,
    certificatePath: '',
  };
}

const TFTP_SERVERS_FIELD: FieldRule = { type: 'array', items: ENDPOINT_FIELD, minItems: 1, maxItems: MAX_TFTP_SERVERS };

export function checkTftpServers(value: unknown): string | null {
  if (conforms(TFTP_SERVERS_FIELD, value)) return null;
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_TFTP_SERVERS) {
    return `TFTP servers must list 1 to ${MAX_TFTP_SERVERS} servers`;
  }
  for (const entry of value) {
    const parsed = parseEndpoint(entry, DEFAULT_TFTP_PORT, 'TFTP server');
    if ('error' in parsed) return parsed.error;
  }
  return null;
}

function checkOptionalEndpoint(value: unknown, defaultPort: number, label: string): string | null {
  if (value === '') return null;
  const parsed = parseEndpoint(value, defaultPort, label);
  return 'error' in parsed ? parsed.error : null;
}

const CERTIFICATE_PATH_FIELD: FieldRule = { type: 'string', pattern: '^[^\\x00-\\x1f]{0,1024}$' };

function checkCertificatePath(value: unknown): string | null {
  return conforms(CERTIFICATE_PATH_FIELD, value) ? null : 'Certificate path must be a folder path of at most 1024 characters';
}

/** A rule that is one of several: the empty string, or an endpoint. */
const orEmpty = (rule: FieldRule & { type: 'string' }): FieldRule => ({ type: 'string', pattern: `^$|${rule.pattern}` });

/**
 * Each profile field: what it may hold (the JSON Schema is generated from `rule`) and the check that says
 * why a value is refused (it refuses exactly what `rule` refuses).
 */
export const PROFILE_RULES = {
  id: { rule: PROFILE_ID_FIELD, check: checkProfileId },
  userName: { rule: USER_NAME_FIELD, check: checkUserName },
  instanceId: { rule: INSTANCE_ID_FIELD, check: checkInstanceId },
  tftpServers: { rule: TFTP_SERVERS_FIELD, check: checkTftpServers },
  capfHost: { rule: HOST_FIELD, check: (v) => checkHost(v, 'CAPF server') },
  capfPort: { rule: PORT_FIELD, check: (v) => checkPort(v, 'CAPF port') },
  secureConnection: { rule: BOOLEAN_FIELD, check: (v) => (typeof v === 'boolean' ? null : 'Secure connection must be true or false') },
  ctiManagerServer: { rule: orEmpty(ENDPOINT_FIELD as FieldRule & { type: 'string' }), check: (v) => checkOptionalEndpoint(v, CTIMANAGER_TLS_PORT, 'CTIManager server') },
  retries: { rule: RETRIES_FIELD, check: checkRetries },
  retryInterval: { rule: RETRY_INTERVAL_FIELD, check: checkRetryInterval },
  deviceNameTemplate: { rule: DEVICE_NAME_TEMPLATE_FIELD, check: checkDeviceNameTemplate },
  certificatePath: { rule: CERTIFICATE_PATH_FIELD, check: checkCertificatePath },
} as const satisfies Record<keyof Profile, { rule: FieldRule; check: (value: unknown) => string | null }>;

export const PROFILE_FIELDS = Object.keys(PROFILE_RULES) as (keyof Profile)[];

/** The refusal of a field name that is not in the list, with the names that are. */
export function unknownFieldError(what: string, key: string, allowed: readonly string[]): string {
  return `Unknown ${what} field "${key}"; allowed: ${allowed.join(', ')}`;
}

/** Checks every field of a profile; returns the errors by field (empty when valid). */
export function validateProfile(value: unknown): ProfileErrors {
  const p = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const errors: ProfileErrors = {};
  // An unknown field first: it is what a document with a secret in it (authString, password) gets.
  const unknown = Object.keys(p).find((key) => !(PROFILE_FIELDS as readonly string[]).includes(key));
  if (unknown !== undefined) errors.id = unknownFieldError('profile', unknown, PROFILE_FIELDS);
  for (const field of PROFILE_FIELDS) {
    const { rule, check } = PROFILE_RULES[field];
    // The rule decides; the check only words the refusal (a fallback keeps the two from disagreeing).
    if (!conforms(rule, p[field])) errors[field] ??= check(p[field]) ?? `${field} is not valid`;
  }
  return errors;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

/** A version 1 document as version 2: profiles with the old default device name get the new default. */
function migrateVersion1(s: Record<string, unknown>): Record<string, unknown> {
  const profiles = Array.isArray(s.profiles)
    ? s.profiles.map((p: unknown) =>
        typeof p === 'object' && p !== null && (p as Partial<Profile>).deviceNameTemplate === VERSION_1_DEFAULT_TEMPLATE
          ? { ...p, deviceNameTemplate: DEFAULT_DEVICE_NAME_TEMPLATE }
          : p,
      )
    : s.profiles;
  return { ...s, version: SETTINGS_VERSION, profiles };
}

/** Validates a whole settings document (from disk or IPC), migrating version 1; unknown fields are refused. */
export function validateSettings(value: unknown): Checked<Settings> {
  if (typeof value !== 'object' || value === null) return { ok: false, message: 'Settings must be an object' };
  let s = value as Record<string, unknown>;
  if (s.version === LEGACY_SETTINGS_VERSION) s = migrateVersion1(s);
  if (s.version !== SETTINGS_VERSION) {
    return { ok: false, message: `Settings version must be ${LEGACY_SETTINGS_VERSION} or ${SETTINGS_VERSION}` };
  }
  if (!Array.isArray(s.profiles) || s.profiles.length > MAX_PROFILES) {
    return { ok: false, message: `Settings profiles must be a list of at most ${MAX_PROFILES} profiles` };
  }
  const ids = new Set<string>();
  for (const [index, profile] of s.profiles.entries()) {
    const errors = validateProfile(profile);
    const first = Object.values(errors)[0];
    if (first) return { ok: false, message: `Profile ${index + 1}: ${first}` };
    const id = (profile as Profile).id;
    if (ids.has(id)) return { ok: false, message: `Profile id "${id}" is used twice` };
    ids.add(id);
  }
  if (s.activeProfileId !== null && !(typeof s.activeProfileId === 'string' && ids.has(s.activeProfileId))) {
    return { ok: false, message: 'Active profile must be one of the profile ids, or null' };
  }
  if (s.expiryWarningDays !== undefined) {
    const error = checkExpiryWarningDays(s.expiryWarningDays);
    if (error) return { ok: false, message: error };
  }
  for (const key of Object.keys(s)) {
    if (!(SETTINGS_FIELDS as readonly string[]).includes(key)) return { ok: false, message: unknownFieldError('settings', key, SETTINGS_FIELDS) };
  }
  return { ok: true, value: s as unknown as Settings };
}

/** Instance IDs used by more than one profile: one certificate per instance is required. */
export function sharedInstanceIds(profiles: readonly Profile[]): string[] {
  const seen = new Map<string, number>();
  for (const p of profiles) seen.set(p.instanceId, (seen.get(p.instanceId) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([id]) => id);
}
