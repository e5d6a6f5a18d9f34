/**
 * Keys and certificates in the terms the rest of the code uses: key specs and their generation, signature
 * algorithms, names and PEM. Light on purpose (no ASN.1 library): an enrollment loads it at every start.
 * Creating certificates is certificate-builder.ts.
 */
import { generateKeyPair as generateKeyPairCb, getFips, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { MIN_BITS_FROM_PRIMES, RSA_PUBLIC_EXPONENT, rsaKeyPairFromPrimes } from './rsa-key-pair.ts';

const generateKeyPairAsync = promisify(generateKeyPairCb);

export const RSA_KEY_SIZES = [512, 1024, 2048, 3072, 4096] as const;
export const EC_CURVES = ['P-256', 'P-384', 'P-521'] as const;
export type RsaKeySize = (typeof RSA_KEY_SIZES)[number];
export type EcCurve = (typeof EC_CURVES)[number];
export type KeySpec = { type: 'rsa'; bits: RsaKeySize } | { type: 'ec'; curve: EcCurve };
export type HashName = 'sha1' | 'sha256' | 'sha384' | 'sha512';

export interface KeyPair {
  publicKey: KeyObject;
  privateKey: KeyObject;
}

/**
 * Generates a key pair with the platform's native crypto: EC and small RSA keys entirely in OpenSSL, RSA of
 * 2048 bits and more from two OpenSSL primes generated in parallel (rsa-key-pair.ts says why and how), or
 * by OpenSSL whole where that cannot be done (a FIPS provider, Electron's BoringSSL, a failed attempt).
 */
export async function generateKeyPair(spec: KeySpec, primes?: Promise<ArrayBuffer[]>): Promise<KeyPair> {
  if (spec.type === 'ec') return generateKeyPairAsync('ec', { namedCurve: spec.curve });
  if (spec.bits >= MIN_BITS_FROM_PRIMES && !getFips()) {
    try {
      return await rsaKeyPairFromPrimes(spec.bits, primes);
    } catch {
      // A library without DH keys or generatePrime, or a key that failed its check: OpenSSL makes this one
      // whole (rsa-key-pair.test.ts and key-pair-ahead.test.ts hold the primes path to its results).
    }
  }
  return generateKeyPairAsync('rsa', { modulusLength: spec.bits, publicExponent: Number(RSA_PUBLIC_EXPONENT) });
}

export function describeKeySpec(spec: KeySpec): string {
  return spec.type === 'rsa' ? `RSA ${spec.bits}` : `EC ${spec.curve}`;
}

export const SIGNATURE_OID: Record<'rsa' | 'ec', Record<HashName, string>> = {
  rsa: {
    sha1: '1.2.840.113549.1.1.5',
    sha256: '1.2.840.113549.1.1.11',
    sha384: '1.2.840.113549.1.1.12',
    sha512: '1.2.840.113549.1.1.13',
  },
  ec: {
    sha1: '1.2.840.10045.4.1',
    sha256: '1.2.840.10045.4.3.2',
    sha384: '1.2.840.10045.4.3.3',
    sha512: '1.2.840.10045.4.3.4',
  },
};

export interface DistinguishedName {
  CN: string;
  O?: string;
  OU?: string;
  C?: string;
}

export interface CertificateOptions {
  /** The subject's fields, or its Name exactly as encoded elsewhere (a PKCS#10 request being signed). */
  subject: DistinguishedName | { der: Buffer };
  publicKey: KeyObject;
  /** Issuer certificate (DER) and its private key; omit both for a self-signed certificate. */
  issuer?: { certificate: Buffer; privateKey: KeyObject };
  /** The subject's own private key, needed only for self-signed certificates. */
  selfSigningKey?: KeyObject;
  serialNumber?: Buffer;
  notBefore?: Date;
  validityDays?: number;
  isCa?: boolean;
  /** basicConstraints pathLenConstraint of a CA: 0 lets it sign end-entity certificates only. */
  pathLength?: number;
  extendedKeyUsage?: ('serverAuth' | 'clientAuth')[];
  hash?: HashName;
}

export function toPem(der: Buffer, label = 'CERTIFICATE'): string {
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}
