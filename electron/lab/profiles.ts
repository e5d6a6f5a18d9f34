/** The lab's CAPF profiles from `--profile ID:AUTHSTRING[:KEY][:OPERATION]`. */
import { CtiError } from '../../shared/errors.ts';
import { checkAuthString, checkInstanceId, deviceName, DEFAULT_DEVICE_NAME_TEMPLATE } from '../../shared/fields.ts';
import type { KeySpec } from '../core/pki/certificates.ts';

export type LabOperation = 'install' | 'fetch' | 'delete' | 'none';

/** A CAPF profile as the lab's CAPF server keys it: by the device name the client sends. */
export interface LabCapfProfile {
  deviceName: string;
  authString?: string;
  key: KeySpec;
  operation: LabOperation;
}

/** A profile of the lab cluster: an instance ID and the CAPF profile of its device. */
export interface LabInstanceProfile extends LabCapfProfile {
  instanceId: string;
}

/** Unified CM names the device of a CTI instance "CTI-" + instance ID, which is the client's default template. */
export function labDeviceName(instanceId: string): string {
  return deviceName(DEFAULT_DEVICE_NAME_TEMPLATE, '', instanceId);
}

export const LAB_KEYS: Record<string, KeySpec> = {
  rsa512: { type: 'rsa', bits: 512 },
  rsa1024: { type: 'rsa', bits: 1024 },
  rsa2048: { type: 'rsa', bits: 2048 },
  rsa3072: { type: 'rsa', bits: 3072 },
  rsa4096: { type: 'rsa', bits: 4096 },
  p256: { type: 'ec', curve: 'P-256' },
  p384: { type: 'ec', curve: 'P-384' },
  p521: { type: 'ec', curve: 'P-521' },
};
const OPERATIONS: LabOperation[] = ['install', 'fetch', 'delete', 'none'];

export const DEFAULT_LAB_PROFILE: LabInstanceProfile = {
  instanceId: 'lab1',
  deviceName: labDeviceName('lab1'),
  authString: '123456',
  key: { type: 'rsa', bits: 2048 },
  operation: 'install',
};

export function parseLabProfile(text: string): LabInstanceProfile {
  const [id, auth, key = 'rsa2048', operation = 'install', ...rest] = text.split(':');
  const usage = `--profile must be ID:AUTHSTRING[:${Object.keys(LAB_KEYS).join('|')}][:${OPERATIONS.join('|')}]`;
  if (rest.length > 0 || id === undefined || auth === undefined) throw new CtiError('BAD_INPUT', `${usage}, got "${text}"`);
  const idError = checkInstanceId(id);
  if (idError) throw new CtiError('BAD_INPUT', `--profile: ${idError}`);
  // An empty auth string models a CAPF profile with "no password" authentication.
  if (auth !== '' && checkAuthString(auth)) throw new CtiError('BAD_INPUT', `--profile: ${checkAuthString(auth)}`);
  const spec = LAB_KEYS[key];
  if (!spec) throw new CtiError('BAD_INPUT', `--profile key must be one of ${Object.keys(LAB_KEYS).join(', ')}, got "${key}"`);
  if (!OPERATIONS.includes(operation as LabOperation)) {
    throw new CtiError('BAD_INPUT', `--profile operation must be one of ${OPERATIONS.join(', ')}, got "${operation}"`);
  }
  return { instanceId: id, deviceName: labDeviceName(id), ...(auth ? { authString: auth } : {}), key: spec, operation: operation as LabOperation };
}
