/** Real test certificates: a fresh key pair and its certificate from electron/core/pki/certificates.ts. */
import type { KeyObject } from 'node:crypto';
import { createCertificate } from '../../electron/core/pki/certificate-builder.ts';
import { generateKeyPair, type CertificateOptions, type KeySpec } from '../../electron/core/pki/certificates.ts';

export interface TestIdentity {
  certificate: Buffer;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** The certificate fields a test chooses; the key, and who signs, come from `makeIdentity`'s arguments. */
export type IdentityCertificateOptions = Omit<CertificateOptions, 'publicKey' | 'selfSigningKey' | 'issuer'>;

/** A new key pair of `key` and a certificate for it: issued by `issuer`, or self-signed without one. */
export async function makeIdentity(
  key: KeySpec,
  options: IdentityCertificateOptions,
  issuer?: { certificate: Buffer; privateKey: KeyObject },
): Promise<TestIdentity> {
  const keys = await generateKeyPair(key);
  const certificate = createCertificate({
    ...options,
    publicKey: keys.publicKey,
    ...(issuer
      ? { issuer: { certificate: issuer.certificate, privateKey: issuer.privateKey } }
      : { selfSigningKey: keys.privateKey }),
  });
  return { certificate, privateKey: keys.privateKey, publicKey: keys.publicKey };
}
