/** RSA keys from two native primes: the arithmetic of RFC 8017 3.2, the prime checks, and OpenSSL's own key check. */
import { execFileSync } from 'node:child_process';
import { checkPrimeSync, generatePrimeSync, publicEncrypt, privateDecrypt, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RSA_KEY_SIZES } from '../../../../electron/core/pki/certificates.ts';
import { farApart, gcd, generateRsaKeyPair, modInverse, RSA_PUBLIC_EXPONENT, rsaPrivateJwk } from '../../../../electron/core/pki/rsa-key-pair.ts';

const fromBase64url = (text: string) => BigInt(`0x${Buffer.from(text, 'base64url').toString('hex')}`);

/** The JWK's numbers, as BigInts. */
function numbersOf(privateKey: KeyObject) {
  const jwk = privateKey.export({ format: 'jwk' });
  const [n, e, d, p, q, dp, dq, qi] = [jwk.n, jwk.e, jwk.d, jwk.p, jwk.q, jwk.dp, jwk.dq, jwk.qi].map((v) => fromBase64url(v!));
  return { n: n!, e: e!, d: d!, p: p!, q: q!, dp: dp!, dq: dq!, qi: qi! };
}

/** A prime of `bits` bits, top two bits set, with p - 1 divisible by e: one the generator must refuse. */
function primeWithEDividingPMinus1(bits: number): bigint {
  const e = RSA_PUBLIC_EXPONENT;
  const low = 3n << BigInt(bits - 2);
  for (let k = low / (2n * e) + 1n; ; k++) {
    const p = 2n * e * k + 1n;
    if (checkPrimeSync(p)) return p;
  }
}

describe('generateRsaKeyPair', () => {
  it.each(RSA_KEY_SIZES.filter((bits) => bits <= 3072))('makes a consistent %i-bit key (n = pq, ed = 1 mod lcm(p-1, q-1), CRT values)', async (bits) => {
    const { privateKey, publicKey } = await generateRsaKeyPair(bits);
    expect(privateKey.asymmetricKeyDetails).toEqual({ modulusLength: bits, publicExponent: RSA_PUBLIC_EXPONENT });
    const { n, e, d, p, q, dp, dq, qi } = numbersOf(privateKey);
    expect(n).toBe(p * q);
    expect(e).toBe(RSA_PUBLIC_EXPONENT);
    const lambda = ((p - 1n) * (q - 1n)) / gcd(p - 1n, q - 1n);
    expect((e * d) % lambda).toBe(1n);
    expect(d > 1n << BigInt(bits / 2)).toBe(true);
    expect([dp, dq, (q * qi) % p]).toEqual([d % (p - 1n), d % (q - 1n), 1n]);
    expect(checkPrimeSync(p) && checkPrimeSync(q)).toBe(true);
    const secret = Buffer.from('secret');
    expect(privateDecrypt(privateKey, publicEncrypt(publicKey, secret))).toEqual(secret);
  });

  it('passes OpenSSL\'s own check of an RSA key (primes, n, d and the CRT values)', async () => {
    const { privateKey } = await generateRsaKeyPair(2048);
    const dir = mkdtempSync(join(tmpdir(), 'rsa-check-'));
    try {
      const file = join(dir, 'key.pem');
      writeFileSync(file, privateKey.export({ type: 'pkcs1', format: 'pem' }));
      expect(execFileSync('openssl', ['rsa', '-in', file, '-check', '-noout'], { encoding: 'utf8' })).toContain('RSA key ok');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('draws a new prime for one with p - 1 divisible by e, and for a pair too close together', async () => {
    const refused = primeWithEDividingPMinus1(256);
    const good = generatePrimeSync(256, { bigint: true });
    const handedOut: bigint[] = [];
    const fresh = [refused, good, good, generatePrimeSync(256, { bigint: true })];
    const { privateKey } = await generateRsaKeyPair(512, async () => {
      const next = fresh.shift()!;
      handedOut.push(next);
      return next;
    });
    const { p, q } = numbersOf(privateKey);
    expect(handedOut).toHaveLength(4);
    expect([p, q]).not.toContain(refused);
    expect(p).not.toBe(q);
  });

  it('gives up, rather than loop, when the primes never pass', async () => {
    const refused = primeWithEDividingPMinus1(256);
    await expect(generateRsaKeyPair(512, async () => refused)).rejects.toThrow(/no usable 256-bit prime in 8 draws/);
  });

  it('refuses a key size that is not an even number of bits, at least 512', async () => {
    await expect(generateRsaKeyPair(2047)).rejects.toThrow(RangeError);
    await expect(generateRsaKeyPair(256)).rejects.toThrow(RangeError);
  });
});

describe('RSA arithmetic', () => {
  it('finds d modulo lcm(p-1, q-1), as FIPS 186-5 asks (textbook p = 61, q = 53, e = 17: d = 413, not 2753)', () => {
    const jwk = rsaPrivateJwk(61n, 53n, 17n);
    expect(fromBase64url(jwk.n)).toBe(3233n);
    expect(fromBase64url(jwk.d)).toBe(413n);
    expect([jwk.dp, jwk.dq, jwk.qi].map(fromBase64url)).toEqual([413n % 60n, 413n % 52n, 38n]);
  });

  it('wants p and q more than 2^(nlen/2 - 100) apart, strictly (FIPS 186-5 A.1.3 step 5.4)', () => {
    const p = 3n << 1022n;
    expect(farApart(p, p + (1n << 924n), 1024)).toBe(false);
    expect(farApart(p + (1n << 924n), p, 1024)).toBe(false);
    expect(farApart(p, p + (1n << 924n) + 2n, 1024)).toBe(true);
  });

  it('inverts modulo m and refuses numbers that are not coprime', () => {
    expect(modInverse(3n, 11n)).toBe(4n);
    expect(modInverse(17n, 780n)).toBe(413n);
    expect(() => modInverse(6n, 9n)).toThrow(/not coprime/);
    expect(gcd(462n, 1071n)).toBe(21n);
  });
});
