/**
 * Real certificates and CTLs for the CTL tests (unit and integration): keys from node:crypto,
 * certificates from electron/core/pki/certificates.ts. RSA 1024 unless a test needs a bigger key.
 */
import type { DistinguishedName, KeySpec } from '../../../../electron/core/pki/certificates.ts';
import { makeIdentity, type TestIdentity } from '../../../helpers/certificates.ts';

export type { TestIdentity };

const SMALL_RSA: KeySpec = { type: 'rsa', bits: 1024 };

export function selfSignedIdentity(subject: DistinguishedName, options: { key?: KeySpec; serialNumber?: Buffer } = {}): Promise<TestIdentity> {
  return makeIdentity(options.key ?? SMALL_RSA, { subject, ...(options.serialNumber ? { serialNumber: options.serialNumber } : {}) });
}

export function issuedIdentity(subject: DistinguishedName, issuer: TestIdentity, key: KeySpec = SMALL_RSA): Promise<TestIdentity> {
  return makeIdentity(key, { subject }, issuer);
}

/** A byte-level TLV for hand-built files: tag, 2-byte BE length, value. */
export function tlv(tag: number, value: Buffer | number[]): Buffer {
  const bytes = Buffer.isBuffer(value) ? value : Buffer.from(value);
  const head = Buffer.alloc(3);
  head[0] = tag;
  head.writeUInt16BE(bytes.length, 1);
  return Buffer.concat([head, bytes]);
}

export function u16(value: number): Buffer {
  const out = Buffer.alloc(2);
  out.writeUInt16BE(value);
  return out;
}

export function cstr(value: string): Buffer {
  return Buffer.concat([Buffer.from(value, 'utf8'), Buffer.from([0])]);
}
