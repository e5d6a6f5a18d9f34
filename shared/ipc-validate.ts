/**
 * One validator per IPC channel. The Electron handlers and the preview bridge server both run every payload
 * through `validateRequest` before the core sees it, so both sides accept and refuse exactly the same things.
 * Payloads are plain data: exact key sets, no prototypes other than Object's, no extra arguments.
 */
import { checkAuthString, checkExportPassword, checkFolderId, checkInstanceId, checkLogLineCount, checkOperationId, parseSha256Fingerprint } from './fields.ts';
import { checkImportKind, checkImportText, checkImportUserName } from './import.ts';
import {
  checkCtiosCaPassword,
  checkCtiosKeyPart,
  checkCtiosValue,
  CTIOS_ROLES,
  CTIOS_SERVER_KEY_SETTINGS,
  CTIOS_SETTINGS_ROLES,
  ctiosValueRules,
  isCtiosRole,
  isCtiosSettingsRole,
  MAX_REG_FILE_BYTES,
  parseCtiosServer,
} from './ctios-fields.ts';
import { CHANNELS, type Channel, type RequestValidator } from './ipc.ts';
import { checkProfileId, validateSettings, type Checked } from './profile.ts';

type FieldCheck = (value: unknown) => string | null;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A validator for an object payload with exactly these fields. */
function objectOf(fields: Record<string, FieldCheck>): RequestValidator {
  const expected = Object.keys(fields);
  return (payload) => {
    if (!isPlainObject(payload)) return `Request must be an object with ${expected.join(', ')}`;
    // Reflect.ownKeys also sees symbol keys and "__proto__" set as an own property by JSON.parse.
    for (const key of Reflect.ownKeys(payload)) {
      if (typeof key !== 'string' || !Object.hasOwn(fields, key)) {
        return `Unknown request field "${String(key).slice(0, 64)}"; expected ${expected.join(', ')}`;
      }
    }
    for (const [key, check] of Object.entries(fields)) {
      const descriptor = Object.getOwnPropertyDescriptor(payload, key);
      if (!descriptor) return `Request field "${key}" is missing`;
      if (!('value' in descriptor)) return `Request field "${key}" must be plain data`;
      const error = check(descriptor.value);
      if (error) return error;
    }
    return null;
  };
}

/** A SHA-256 as typed, pasted or shown: any case, colons or spaces allowed. */
const sha256Text =
  (label: string): FieldCheck =>
  (value) => {
    if (typeof value !== 'string') return `${label} must be text`;
    const parsed = parseSha256Fingerprint(value, label);
    return typeof parsed === 'string' ? null : parsed.error;
  };
/** The administrator's typed or pasted fingerprint. */
const checkFingerprint = sha256Text('Fingerprint');

const noPayload: RequestValidator = (payload) =>
  payload === undefined ? null : 'This request takes no payload';

const profileRequest = objectOf({ profileId: checkProfileId });
const orNull = (check: FieldCheck): FieldCheck => (value) => (value === null ? null : check(value));
const certificateRequest = objectOf({ folderId: checkFolderId, instanceId: checkInstanceId });
const importRequest = objectOf({ kind: checkImportKind, text: checkImportText, userName: checkImportUserName });

const MAX_FOLDER_LENGTH = 1024;
const checkCtiosFolder: FieldCheck = (value) =>
  typeof value === 'string' && value.length > 0 && value.length <= MAX_FOLDER_LENGTH && !/[\x00-\x1f\x7f]/.test(value)
    ? null
    : `Folder must be a path of 1 to ${MAX_FOLDER_LENGTH} characters`;
const checkRole: FieldCheck = (value) => (isCtiosRole(value) ? null : `Role must be one of ${CTIOS_ROLES.join(', ')}`);
const checkSettingsRole: FieldCheck = (value) =>
  isCtiosSettingsRole(value) ? null : `Role must be one of ${CTIOS_SETTINGS_ROLES.join(', ')}`;
// The subject's parts are checked by the core's parser, which names the part; this only bounds the text.
const checkSubject: FieldCheck = (value) =>
  typeof value === 'string' && value.length <= 512 && !/[\x00-\x1f\x7f]/.test(value)
    ? null
    : 'Subject must be text such as "CN=desk-12,OU=CTI OS Client" (at most 512 characters), or empty for the default';
const checkCtiosServer: FieldCheck = (value) => {
  const endpoint = parseCtiosServer(value);
  return 'error' in endpoint ? endpoint.error : null;
};
const checkBoolean = (label: string): FieldCheck => (value) => (typeof value === 'boolean' ? null : `${label} must be true or false`);
const MAX_REG_BASE64_LENGTH = Math.ceil(MAX_REG_FILE_BYTES / 3) * 4;
const checkRegBase64: FieldCheck = (value) =>
  typeof value === 'string' && value.length <= MAX_REG_BASE64_LENGTH && /^[A-Za-z0-9+/]*={0,2}$/.test(value) && value.length % 4 === 0
    ? null
    : `The .reg file must be base64 of at most ${MAX_REG_FILE_BYTES} bytes`;

/** Registry settings changes: every name one of the role's, every value within its rule. */
const ctiosSettingsChanges: RequestValidator = (payload) => {
  const shape = objectOf({ role: checkSettingsRole, changes: (v) => (isPlainObject(v) ? null : 'Changes must be an object of NAME: VALUE') })(payload);
  if (shape) return shape;
  const { role, changes } = payload as { role: 'client' | 'server'; changes: Record<string, unknown> };
  const rules = ctiosValueRules(role);
  const keyNames = role === 'server' ? Object.keys(CTIOS_SERVER_KEY_SETTINGS) : [];
  const names = Reflect.ownKeys(changes);
  if (names.length === 0) return 'Changes must name at least one setting';
  for (const name of names) {
    const known = typeof name === 'string' ? [...Object.keys(rules), ...keyNames].find((n) => n.toLowerCase() === name.toLowerCase()) : undefined;
    if (!known) return `${String(name).slice(0, 64)} is not a CTI OS ${role} setting (${[...Object.keys(rules), ...keyNames].join(', ')})`;
    const descriptor = Object.getOwnPropertyDescriptor(changes, name)!;
    if (!('value' in descriptor)) return `Change "${known}" must be plain data`;
    const error = rules[known] ? checkCtiosValue(known, rules[known], descriptor.value) : checkCtiosKeyPart(known, descriptor.value);
    if (error) return error;
  }
  return null;
};

export const REQUEST_VALIDATORS: { readonly [C in Channel]: RequestValidator } = {
  'settings:get': noPayload,
  'settings:save': (payload) => {
    if (!isPlainObject(payload)) return 'Settings must be an object';
    const checked = validateSettings(payload);
    return checked.ok ? null : checked.message;
  },
  'status:get': noPayload,
  'enroll:start': objectOf({ profileId: checkProfileId, authString: checkAuthString }),
  'enroll:cancel': profileRequest,
  'certs:list': noPayload,
  'certs:export-pem': certificateRequest,
  'certs:export-p12': objectOf({ folderId: checkFolderId, instanceId: checkInstanceId, password: checkExportPassword }),
  'certs:delete': certificateRequest,
  'ctl:get': profileRequest,
  'ctl:check-update': profileRequest,
  'ctl:forget': profileRequest,
  'ctl:refused': profileRequest,
  'ctl:adopt': objectOf({ profileId: checkProfileId, fingerprint: checkFingerprint, sha256: sha256Text('File SHA-256') }),
  'connection:test': profileRequest,
  'vault:status': objectOf({ recheck: (value) => (typeof value === 'boolean' ? null : 'recheck must be true or false') }),
  'folders:pick': noPayload,
  'doctor:run': profileRequest,
  'history:get': profileRequest,
  'log:lines': objectOf({ profileId: orNull(checkProfileId), operationId: orNull(checkOperationId), count: checkLogLineCount }),
  'about:get': noPayload,
  'support:bundle': noPayload,
  'import:preview': importRequest,
  'import:apply': importRequest,
  'ctios:state': objectOf({ dir: checkCtiosFolder }),
  'ctios:ca-create': objectOf({ dir: checkCtiosFolder, password: checkCtiosCaPassword }),
  'ctios:request': objectOf({ dir: checkCtiosFolder, role: checkRole, subject: checkSubject }),
  'ctios:sign': objectOf({ caDir: checkCtiosFolder, dir: checkCtiosFolder, role: checkRole, password: checkCtiosCaPassword }),
  'ctios:combine': objectOf({ dir: checkCtiosFolder, role: checkRole, cleanup: checkBoolean('Cleanup') }),
  'ctios:check': objectOf({ dir: checkCtiosFolder, role: checkRole }),
  'ctios:test': objectOf({ dir: checkCtiosFolder, server: checkCtiosServer }),
  'ctios:settings-get': noPayload,
  'ctios:settings-set': ctiosSettingsChanges,
  'ctios:reg-export': objectOf({ role: checkSettingsRole }),
  'ctios:reg-import': objectOf({ role: checkSettingsRole, base64: checkRegBase64 }),
};

export function isChannel(value: unknown): value is Channel {
  return typeof value === 'string' && (CHANNELS as readonly string[]).includes(value);
}

/** Checks a channel name and its payload; the message names the fault and never echoes a secret. */
export function validateRequest(channel: unknown, payload: unknown): Checked<{ channel: Channel; request: unknown }> {
  if (!isChannel(channel)) {
    const shown = typeof channel === 'string' ? `"${channel.slice(0, 64)}"` : typeof channel;
    return { ok: false, message: `Unknown IPC channel ${shown}` };
  }
  const error = REQUEST_VALIDATORS[channel](payload);
  return error ? { ok: false, message: `${channel}: ${error}` } : { ok: true, value: { channel, request: payload } };
}

