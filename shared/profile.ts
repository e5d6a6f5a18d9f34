/**
 * The settings schema: profiles (user name + instance ID pairs) and their validation.
 * Secrets never appear here: the authentication string is asked for each time, the keystore
 * password lives in the OS vault.
 */
import {
  CTIMANAGER_TLS_PORT,
  DEFAULT_CAPF_PORT,
  DEFAULT_TFTP_PORT,
  MAX_TFTP_SERVERS,
  RETRIES,
  RETRY_INTERVAL_S,
  checkDeviceNameTemplate,
  checkExpiryWarningDays,
  EXPIRY_WARNING_DAYS,
  checkHost,
  checkInstanceId,
  checkPort,
  checkRetries,
  checkRetryInterval,
  checkUserName,
  DEFAULT_DEVICE_NAME_TEMPLATE,
  parseEndpoint,
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

export function expiryWarningDaysOf(settings: Pick<Settings, 'expiryWarningDays'>): number {
  return settings.expiryWarningDays ?? EXPIRY_WARNING_DAYS.default;
}

export const PROFILE_FIELDS = [
  'id',
  'userName',
  'instanceId',
  'tftpServers',
  'capfHost',
  'capfPort',
  'secureConnection',
  'ctiManagerServer',
  'retries',
  'retryInterval',
  'deviceNameTemplate',
  'certificatePath',
] as const satisfies readonly (keyof Profile)[];

export type ProfileErrors = Partial<Record<keyof Profile, string>>;

const PROFILE_ID = /^[a-z0-9-]{1,64}$/;

export function checkProfileId(value: unknown): string | null {
  return typeof value === 'string' && PROFILE_ID.test(value) ? null : 'Profile id must be 1 to 64 of a-z, 0-9 and -';
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

export function checkTftpServers(value: unknown): string | null {
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

function checkCertificatePath(value: unknown): string | null {
  return typeof value === 'string' && value.length <= 1024 && !/[\x00-\x1f]/.test(value)
    ? null
    : 'Certificate path must be a folder path of at most 1024 characters';
}

/** Checks every field of a profile; returns the errors by field (empty when valid). */
export function validateProfile(value: unknown): ProfileErrors {
  const p = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const errors: ProfileErrors = {};
  const set = (field: keyof Profile, error: string | null) => {
    if (error) errors[field] = error;
  };
  set('id', checkProfileId(p.id));
  set('userName', checkUserName(p.userName));
  set('instanceId', checkInstanceId(p.instanceId));
  set('tftpServers', checkTftpServers(p.tftpServers));
  set('capfHost', checkHost(p.capfHost, 'CAPF server'));
  set('capfPort', checkPort(p.capfPort, 'CAPF port'));
  set('secureConnection', typeof p.secureConnection === 'boolean' ? null : 'Secure connection must be true or false');
  set('ctiManagerServer', checkOptionalEndpoint(p.ctiManagerServer, CTIMANAGER_TLS_PORT, 'CTIManager server'));
  set('retries', checkRetries(p.retries));
  set('retryInterval', checkRetryInterval(p.retryInterval));
  set('deviceNameTemplate', checkDeviceNameTemplate(p.deviceNameTemplate));
  set('certificatePath', checkCertificatePath(p.certificatePath));
  for (const key of Object.keys(p)) {
    if (!(PROFILE_FIELDS as readonly string[]).includes(key)) errors.id ??= `Unknown profile field "${key}"`;
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
  if (!Array.isArray(s.profiles) || s.profiles.length > 100) {
    return { ok: false, message: 'Settings profiles must be a list of at most 100 profiles' };
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
    if (!['version', 'profiles', 'activeProfileId', 'expiryWarningDays'].includes(key)) {
      return { ok: false, message: `Unknown settings field "${key}"` };
    }
  }
  return { ok: true, value: s as unknown as Settings };
}

/** Instance IDs used by more than one profile: one certificate per instance is required. */
export function sharedInstanceIds(profiles: readonly Profile[]): string[] {
  const seen = new Map<string, number>();
  for (const p of profiles) seen.set(p.instanceId, (seen.get(p.instanceId) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([id]) => id);
}
