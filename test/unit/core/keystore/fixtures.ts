/** Keys, certificates and an in-memory vault for the keystore tests (unit and integration). */
import type { KeyObject } from 'node:crypto';
import type { KeySpec } from '../../../../electron/core/pki/certificates.ts';
import { makeIdentity } from '../../../helpers/certificates.ts';
import type { SecretVault } from '../../../../electron/core/keystore/vault.ts';

export interface IssuedFixture {
  privateKey: KeyObject;
  certificate: Buffer;
  chain: Buffer[];
}

export const KEY_SPECS: { name: string; spec: KeySpec }[] = [
  { name: 'RSA 2048', spec: { type: 'rsa', bits: 2048 } },
  { name: 'EC P-256', spec: { type: 'ec', curve: 'P-256' } },
  { name: 'EC P-384', spec: { type: 'ec', curve: 'P-384' } },
  { name: 'EC P-521', spec: { type: 'ec', curve: 'P-521' } },
];

/** A client certificate issued by a small CA, as CAPF would return it. */
export async function issueCertificate(
  spec: KeySpec,
  options: { cn?: string; validityDays?: number; notBefore?: Date } = {},
): Promise<IssuedFixture> {
  const ca = await makeIdentity({ type: 'ec', curve: 'P-256' }, { subject: { CN: 'Test CAPF CA', O: 'ctiprefs tests' }, isCa: true });
  const leaf = await makeIdentity(
    spec,
    {
      subject: { CN: options.cn ?? 'jtapiuser-1', O: 'ctiprefs tests', OU: 'CTI' },
      extendedKeyUsage: ['clientAuth'],
      ...(options.validityDays === undefined ? {} : { validityDays: options.validityDays }),
      ...(options.notBefore === undefined ? {} : { notBefore: options.notBefore }),
    },
    ca,
  );
  return { privateKey: leaf.privateKey, certificate: leaf.certificate, chain: [ca.certificate] };
}

export function pkcs8(key: KeyObject): Buffer {
  return key.export({ type: 'pkcs8', format: 'der' });
}

/** A vault that keeps secrets in a Map: for unit tests that are not about the vault. */
export function memoryVault(): SecretVault & { secrets: Map<string, string> } {
  const secrets = new Map<string, string>();
  return {
    kind: 'os-vault',
    secrets,
    async get(account) {
      return secrets.get(account) ?? null;
    },
    async set(account, secret) {
      secrets.set(account, secret);
    },
    async delete(account) {
      secrets.delete(account);
    },
  };
}
