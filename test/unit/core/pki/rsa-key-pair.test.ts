/** RSA keys assembled from two OpenSSL primes: every component checked against its definition (RFC 8017 3.2). */
import { execFile } from 'node:child_process';
import { generatePrime, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { generateKeyPair } from '../../../../electron/core/pki/certificates.ts';
import { generateRsaPrimes, RSA_PUBLIC_EXPONENT, rsaKeyPairFromPrimes } from '../../../../electron/core/pki/rsa-key-pair.ts';

const run = promisify(execFile);
const E = RSA_PUBLIC_EXPONENT;

function componentsOf(key: KeyObject): Record<'n' | 'e' | 'd' | 'p' | 'q' | 'dp' | 'dq' | 'qi', bigint> {
  const jwk = key.export({ format: 'jwk' }) as Record<string, string>;
  const number = (name: string) => BigInt(`0x${Buffer.from(jwk[name]!, 'base64url').toString('hex')}`);
  return { n: number('n'), e: number('e'), d: number('d'), p: number('p'), q: number('q'), dp: number('dp'), dq: number('dq'), qi: number('qi') };
}

const prime = (bits: number, options: { add?: bigint; rem?: bigint } = {}) =>
  new Promise<ArrayBuffer>((resolve, reject) => generatePrime(bits, options, (err, found) => (err ? reject(err) : resolve(found))));
const toBigInt = (bytes: ArrayBuffer) => BigInt(`0x${Buffer.from(bytes).toString('hex')}`);

describe('rsaKeyPairFromPrimes', () => {
  it('makes a key whose every component is what RFC 8017 defines, from the primes it was given', async () => {
    const primes = await generateRsaPrimes(2048);
    const { privateKey, publicKey } = await rsaKeyPairFromPrimes(2048, Promise.resolve(primes));
    const { n, e, d, p, q, dp, dq, qi } = componentsOf(privateKey);
    expect([p, q].sort()).toEqual(primes.map(toBigInt).sort());
    expect(p > q).toBe(true);
    expect(n).toBe(p * q);
    expect(n.toString(2)).toHaveLength(2048);
    expect(e).toBe(E);
    expect((e * d) % ((p - 1n) * (q - 1n))).toBe(1n);
    expect(d < n).toBe(true);
    expect(dp).toBe(d % (p - 1n));
    expect(dq).toBe(d % (q - 1n));
    expect((q * qi) % p).toBe(1n);
    expect(qi < p).toBe(true);
    expect(componentsOf(privateKey).n).toBe(BigInt(`0x${Buffer.from(publicKey.export({ format: 'jwk' }).n!, 'base64url').toString('hex')}`));
  });

  it('replaces a prime that is too small, one with e dividing p - 1, and a second copy of the first', async () => {
    const good = await prime(1024);
    const small = await prime(1000);
    // p = 1 mod e: e divides p - 1, so e has no inverse mod phi.
    const eDividesPMinus1 = await prime(1024, { add: E, rem: 1n });
    for (const primes of [[small, good], [eDividesPMinus1, good], [good, good]]) {
      const { p, q } = componentsOf((await rsaKeyPairFromPrimes(2048, Promise.resolve(primes))).privateKey);
      expect(p).not.toBe(q);
      for (const factor of [p, q]) {
        expect(factor.toString(2)).toHaveLength(1024);
        expect((factor - 1n) % E).not.toBe(0n);
      }
      expect([p, q]).toContain(toBigInt(good));
    }
  });

  it('refuses sizes under 2048 bits, which OpenSSL generates whole', async () => {
    await expect(rsaKeyPairFromPrimes(1024)).rejects.toThrow(RangeError);
  });

  it('is what generateKeyPair makes for RSA 2048 and 3072, and OpenSSL finds nothing wrong with it', async () => {
    for (const bits of [2048, 3072] as const) {
      const { privateKey } = await generateKeyPair({ type: 'rsa', bits });
      expect(privateKey.asymmetricKeyDetails).toMatchObject({ modulusLength: bits, publicExponent: E });
      const child = run('openssl', ['rsa', '-check', '-noout']);
      child.child.stdin!.end(privateKey.export({ type: 'pkcs8', format: 'pem' }));
      expect((await child).stdout).toContain('RSA key ok');
    }
  });
});
