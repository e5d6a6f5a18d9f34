/** The lab's CAPF profiles from `--profile ID:AUTHSTRING[:KEY][:OPERATION]`. */
import { CtiError } from '../../shared/errors.ts';
import { checkAuthString, checkInstanceId } from '../../shared/fields.ts';
import type { KeySpec } from '../core/pki/certificates.ts';

export type LabOperation = 'install' | 'fetch' | 'delete' | 'none';

export interface LabCapfProfile {
  deviceName: string;
  authString?: string;
  key: KeySpec;
  operation: LabOperation;
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

export const DEFAULT_LAB_PROFILE: LabCapfProfile = {
  deviceName: 'lab1',
  authString: '123456',
  key: { type: 'rsa', bits: 2048 },
  operation: 'install',
};

export function parseLabProfile(text: string): LabCapfProfile {
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
  return { deviceName: id, ...(auth ? { authString: auth } : {}), key: spec, operation: operation as LabOperation };
}
