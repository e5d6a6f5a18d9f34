/**
 * One validator per IPC channel. The Electron handlers and the preview bridge server both run every payload
 * through `validateRequest` before the core sees it, so both sides accept and refuse exactly the same things.
 * Payloads are plain data: exact key sets, no prototypes other than Object's, no extra arguments.
 */
import { checkAuthString, checkFolderId, checkInstanceId, parseSha256Fingerprint } from './fields.ts';
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

/** The administrator's typed or pasted fingerprint: any case, colons or spaces allowed. */
const checkFingerprint: FieldCheck = (value) => {
  if (typeof value !== 'string') return 'Fingerprint must be text';
  const parsed = parseSha256Fingerprint(value, 'Fingerprint');
  return typeof parsed === 'string' ? null : parsed.error;
};

const noPayload: RequestValidator = (payload) =>
  payload === undefined ? null : 'This request takes no payload';

const profileRequest = objectOf({ profileId: checkProfileId });
const certificateRequest = objectOf({ folderId: checkFolderId, instanceId: checkInstanceId });

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
  'certs:delete': certificateRequest,
  'ctl:get': profileRequest,
  'ctl:check-update': profileRequest,
  'ctl:forget': profileRequest,
  'ctl:refused': profileRequest,
  'ctl:adopt': objectOf({ profileId: checkProfileId, fingerprint: checkFingerprint }),
  'connection:test': profileRequest,
  'folders:pick': noPayload,
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

