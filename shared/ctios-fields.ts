/**
 * CTI OS security field rules from Cisco's CTI OS Security chapter: one source of truth for the CLI, the IPC
 * validation and the UI. Validators return a message naming the field and its allowed values, or null.
 *
 * The chapter gives defaults and, for NumBytesRenegotiation, a minimum; it gives no maximums. Where it is
 * silent, ctiprefs uses the bounds below (its own choice, stated in the README) so a typo never exports
 * a nonsense value such as a handshake wait of a hundred years.
 */
import { parseEndpoint, type Endpoint, type FieldError } from './fields.ts';

/** "a password for the CA (between 8 and 30 characters)". */
export const CTIOS_CA_PASSWORD_LENGTH = { min: 8, max: 30 } as const;

export function checkCtiosCaPassword(value: unknown): FieldError {
  const length = typeof value === 'string' ? [...value].length : -1;
  const valid =
    typeof value === 'string' &&
    length >= CTIOS_CA_PASSWORD_LENGTH.min &&
    length <= CTIOS_CA_PASSWORD_LENGTH.max &&
    !/[\x00-\x1f\x7f]/.test(value);
  return valid
    ? null
    : `CA password must be ${CTIOS_CA_PASSWORD_LENGTH.min} to ${CTIOS_CA_PASSWORD_LENGTH.max} characters without control characters${length >= 0 ? ` (got ${length})` : ''}`;
}

/** client: a CTI Toolkit desktop; server: a CTI OS server; peer: a CTI OS server's client set for its peer. */
export const CTIOS_ROLES = ['client', 'server', 'peer'] as const;
export type CtiosRole = (typeof CTIOS_ROLES)[number];
/** Registry settings exist for the desktop client and the server (a peer uses the server's). */
export const CTIOS_SETTINGS_ROLES = ['client', 'server'] as const;
export type CtiosSettingsRole = (typeof CTIOS_SETTINGS_ROLES)[number];

export function isCtiosRole(value: unknown): value is CtiosRole {
  return typeof value === 'string' && (CTIOS_ROLES as readonly string[]).includes(value);
}

export function isCtiosSettingsRole(value: unknown): value is CtiosSettingsRole {
  return typeof value === 'string' && (CTIOS_SETTINGS_ROLES as readonly string[]).includes(value);
}

/** One DWORD registry value: its range (or its allowed values with their meaning), default and unit. */
export interface CtiosDwordRule {
  min: number;
  max: number;
  default: number;
  unit?: string;
  /** Allowed values and what each means, for the fields that are a choice. */
  choices?: Readonly<Record<number, string>>;
}

const DWORD_MAX = 0xffff_ffff;
const CA_TYPE: CtiosDwordRule = { min: 1, max: 2, default: 1, choices: { 1: 'self-signed', 2: 'third party' } };
const OFF_ON = { 0: 'off', 1: 'on' } as const;

export const CTIOS_CLIENT_VALUES = {
  CAType: CA_TYPE,
  HandShakeTime: { min: 1, max: 300, default: 5, unit: 'seconds' },
} as const satisfies Record<string, CtiosDwordRule>;

export const CTIOS_SERVER_VALUES = {
  SecurityEnabled: { min: 0, max: 1, default: 0, choices: OFF_ON },
  AuthenticationEnabled: { min: 0, max: 1, default: 1, choices: OFF_ON },
  CAType: CA_TYPE,
  NumBytesRenegotiation: { min: 10_000_000, max: DWORD_MAX, default: 10_000_000, unit: 'bytes' },
  MonitorModeDisableThreshold: { min: 1, max: 100, default: 3, unit: 'failed attempts' },
  MonitorModeDisableDuration: { min: 1, max: 1440, default: 15, unit: 'minutes' },
} as const satisfies Record<string, CtiosDwordRule>;

export type CtiosClientValueName = keyof typeof CTIOS_CLIENT_VALUES;
export type CtiosServerValueName = keyof typeof CTIOS_SERVER_VALUES;

export function ctiosValueRules(role: CtiosSettingsRole): Readonly<Record<string, CtiosDwordRule>> {
  return role === 'client' ? CTIOS_CLIENT_VALUES : CTIOS_SERVER_VALUES;
}

export function describeCtiosRange(rule: CtiosDwordRule): string {
  if (rule.choices) {
    return Object.entries(rule.choices)
      .map(([value, meaning]) => `${value} (${meaning})`)
      .join(' or ');
  }
  return `${rule.min} to ${rule.max}${rule.unit ? ` ${rule.unit}` : ''}`;
}

export function checkCtiosValue(name: string, rule: CtiosDwordRule, value: unknown): FieldError {
  return typeof value === 'number' && Number.isInteger(value) && value >= rule.min && value <= rule.max
    ? null
    : `${name} must be ${describeCtiosRange(rule)}`;
}

/** A CTI OS server to test against: HOST:PORT, the port always given (CTI OS has no fixed port). */
export function parseCtiosServer(text: unknown): Endpoint | { error: string } {
  const label = 'CTI OS server';
  if (typeof text === 'string' && !/:\d{1,5}$/.test(text.trim())) return { error: `${label} must be HOST:PORT (CTI OS has no fixed port)` };
  return parseEndpoint(text, 0, label);
}

/** The `<InstanceName>` and `<ServerName>` parts of the server's registry key: one key name each. */
const REGISTRY_KEY_PART = /^[^\\\x00-\x1f\x7f]{1,64}$/;
export const DEFAULT_CTIOS_SERVER_NAME = 'CTIOS1';
/** Server settings that name its registry key rather than a DWORD under it, with their settings field. */
export const CTIOS_SERVER_KEY_SETTINGS = { InstanceName: 'instanceName', ServerName: 'serverName' } as const;
/** A .reg file of CTI OS settings is a few hundred bytes; anything near this is not one. */
export const MAX_REG_FILE_BYTES = 64 * 1024;

export function checkCtiosKeyPart(label: string, value: unknown): FieldError {
  return typeof value === 'string' && REGISTRY_KEY_PART.test(value) && value.trim() === value
    ? null
    : `${label} must be 1 to 64 printable characters without a backslash`;
}

export interface CtiosClientSettings {
  values: Record<CtiosClientValueName, number>;
}

export interface CtiosServerSettings {
  values: Record<CtiosServerValueName, number>;
  /** `CTIOS_<InstanceName>` in the registry key; unset until the user names it. */
  instanceName?: string;
  /** The server's key name under the instance (the seed's CTIOS1). */
  serverName: string;
}

export interface CtiosSettings {
  client: CtiosClientSettings;
  server: CtiosServerSettings;
}

function defaultsOf<T extends Record<string, CtiosDwordRule>>(rules: T): Record<keyof T, number> {
  return Object.fromEntries(Object.entries(rules).map(([name, rule]) => [name, rule.default])) as Record<keyof T, number>;
}

export function defaultCtiosSettings(): CtiosSettings {
  return {
    client: { values: defaultsOf(CTIOS_CLIENT_VALUES) },
    server: { values: defaultsOf(CTIOS_SERVER_VALUES), serverName: DEFAULT_CTIOS_SERVER_NAME },
  };
}
