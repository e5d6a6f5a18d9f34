/**
 * Real certificates and CTLs for the CTL tests (unit and integration): keys from node:crypto,
 * certificates from electron/core/pki/certificates.ts. RSA 1024 unless a test needs a bigger key.
 */
import type { KeyObject } from 'node:crypto';
import { createCertificate, generateKeyPair, type DistinguishedName, type KeySpec } from '../../../../electron/core/pki/certificates.ts';

export interface TestIdentity {
  certificate: Buffer;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export async function selfSignedIdentity(
  subject: DistinguishedName,
  options: { key?: KeySpec; serialNumber?: Buffer } = {},
): Promise<TestIdentity> {
  const keys = await generateKeyPair(options.key ?? { type: 'rsa', bits: 1024 });
  const certificate = createCertificate({
    subject,
    publicKey: keys.publicKey,
    selfSigningKey: keys.privateKey,
    ...(options.serialNumber ? { serialNumber: options.serialNumber } : {}),
  });
  return { certificate, ...keys };
}

export async function issuedIdentity(subject: DistinguishedName, issuer: TestIdentity, key: KeySpec = { type: 'rsa', bits: 1024 }): Promise<TestIdentity> {
  const keys = await generateKeyPair(key);
  const certificate = createCertificate({ subject, publicKey: keys.publicKey, issuer: { certificate: issuer.certificate, privateKey: issuer.privateKey } });
  return { certificate, ...keys };
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
