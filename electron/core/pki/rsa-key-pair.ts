/**
 * RSA key pairs from two primes generated side by side. Node's generateKeyPair('rsa') runs OpenSSL's whole
 * generation on one thread-pool thread: for 2048 bits a median of 122 ms here and a 90th percentile of 357 ms,
 * the slowest step of an enrollment. crypto.generatePrime makes each prime on a thread of its own, and the pair
 * of 1024-bit primes takes a median of 44 ms (90th percentile 71 ms; scripts/bench-keygen.ts measures both).
 *
 * The primes, their randomness and their primality tests are OpenSSL's; this file does only the arithmetic of
 * RFC 8017 section 3.2 and the checks FIPS 186-5 (A.1.3) asks of a prime pair, with a fresh prime for any
 * that fails, and a pairwise consistency test (sign, verify) before the key is handed out. BigInt arithmetic is
 * not constant-time; it runs once per key, in this process, on no input anyone else chooses.
 */
import { createPrivateKey, createPublicKey, generatePrime as generatePrimeCb, sign, verify } from 'node:crypto';
import type { KeyPair } from './certificates.ts';

/** Where primes come from: OpenSSL's generator (tests pass primes that must be refused). */
export type PrimeSource = (bits: number) => Promise<bigint>;
const nativePrime: PrimeSource = (bits) =>
  new Promise((resolve, reject) => generatePrimeCb(bits, { bigint: true }, (err, prime) => (err ? reject(err) : resolve(prime))));

/** The public exponent everyone uses (F4); FIPS 186-5 allows 2^16 < e < 2^256. */
export const RSA_PUBLIC_EXPONENT = 0x10001n;
/** FIPS 186-5 A.1.3 step 5.4: |p - q| > 2^(nlen/2 - 100), so that n cannot be factored from its square root. */
const MIN_PRIME_DISTANCE_BITS = 100;
/** Fresh primes before giving up: a prime fails a check about once in 65 537 draws (p - 1 divisible by e). */
const MAX_PRIME_DRAWS = 8;
const CONSISTENCY_MESSAGE = Buffer.from('ctiprefs pairwise consistency test');

export async function generateRsaKeyPair(bits: number, prime: PrimeSource = nativePrime): Promise<KeyPair> {
  const primeBits = bits / 2;
  if (!Number.isInteger(primeBits) || primeBits < 256) throw new RangeError(`RSA key size ${bits} is not an even number of at least 512 bits`);
  let [p, q] = await Promise.all([usablePrime(primeBits, prime), usablePrime(primeBits, prime)]);
  for (let draws = 0; !usablePair(p, q, primeBits); draws++) {
    if (draws >= MAX_PRIME_DRAWS) throw new Error(`no usable pair of ${primeBits}-bit primes in ${MAX_PRIME_DRAWS} draws`);
    q = await usablePrime(primeBits, prime);
  }
  const jwk = rsaPrivateJwk(p, q);
  checkPrivateValues(jwk, p, q);
  const privateKey = createPrivateKey({ key: jwk, format: 'jwk' });
  const pair = { privateKey, publicKey: createPublicKey(privateKey) };
  checkConsistency(pair);
  return pair;
}

/** A prime with p - 1 coprime to e (FIPS 186-5 A.1.3 step 4.5), and its top two bits set, so that p*q has 2 * bits bits. */
async function usablePrime(bits: number, prime: PrimeSource): Promise<bigint> {
  for (let draws = 0; draws < MAX_PRIME_DRAWS; draws++) {
    const p = await prime(bits);
    if (p >> BigInt(bits - 2) === 0b11n && gcd(p - 1n, RSA_PUBLIC_EXPONENT) === 1n) return p;
  }
  throw new Error(`no usable ${bits}-bit prime in ${MAX_PRIME_DRAWS} draws`);
}

/**
 * FIPS 186-5 A.1.3: |p - q| > 2^(nlen/2 - 100) (step 5.4), n of exactly nlen bits, and d > 2^(nlen/2)
 * (A.1.1: a small d can be found from n and e). The last two practically always hold for such primes.
 */
function usablePair(p: bigint, q: bigint, primeBits: number): boolean {
  if (!farApart(p, q, primeBits) || bitLength(p * q) !== 2 * primeBits) return false;
  return modInverse(RSA_PUBLIC_EXPONENT, lcm(p - 1n, q - 1n)) > 1n << BigInt(primeBits);
}

export function farApart(p: bigint, q: bigint, primeBits: number): boolean {
  const distance = p > q ? p - q : q - p;
  return distance > 1n << BigInt(primeBits - MIN_PRIME_DISTANCE_BITS);
}

/** The private key of RFC 8017 3.2 (CRT form), as a JWK (RFC 7518 6.3.2). d is e^-1 mod lcm(p-1, q-1), as FIPS 186-5 asks. */
export function rsaPrivateJwk(p: bigint, q: bigint, e: bigint = RSA_PUBLIC_EXPONENT) {
  const d = modInverse(e, lcm(p - 1n, q - 1n));
  return {
    kty: 'RSA',
    n: base64url(p * q),
    e: base64url(e),
    d: base64url(d),
    p: base64url(p),
    q: base64url(q),
    dp: base64url(d % (p - 1n)),
    dq: base64url(d % (q - 1n)),
    qi: base64url(modInverse(q, p)),
  };
}

/**
 * The CRT values checked by arithmetic: OpenSSL signs with them but, finding a wrong result, falls back to
 * d and says nothing, so the sign-and-verify test below could not catch a wrong one.
 */
function checkPrivateValues(jwk: ReturnType<typeof rsaPrivateJwk>, p: bigint, q: bigint): void {
  const [e, dp, dq, qi] = [jwk.e, jwk.dp, jwk.dq, jwk.qi].map(fromBase64url) as [bigint, bigint, bigint, bigint];
  if ((e * dp) % (p - 1n) !== 1n || (e * dq) % (q - 1n) !== 1n || (q * qi) % p !== 1n) throw new Error('the new RSA key has inconsistent CRT values');
}

/** FIPS 140-3's pairwise consistency test: a key that cannot verify its own signature is never used. */
function checkConsistency({ privateKey, publicKey }: KeyPair): void {
  const signature = sign('sha256', CONSISTENCY_MESSAGE, privateKey);
  if (!verify('sha256', CONSISTENCY_MESSAGE, publicKey, signature)) throw new Error('the new RSA key failed its consistency test');
}

export function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** a^-1 mod m by the extended Euclidean algorithm; a and m must be coprime. */
export function modInverse(a: bigint, m: bigint): bigint {
  let [r0, r1] = [a % m, m];
  let [s0, s1] = [1n, 0n];
  while (r1 !== 0n) {
    const quotient = r0 / r1;
    [r0, r1] = [r1, r0 - quotient * r1];
    [s0, s1] = [s1, s0 - quotient * s1];
  }
  if (r0 !== 1n) throw new RangeError('no modular inverse: the numbers are not coprime');
  return ((s0 % m) + m) % m;
}

function lcm(a: bigint, b: bigint): bigint {
  return (a * b) / gcd(a, b);
}

function bitLength(x: bigint): number {
  return x.toString(2).length;
}

function fromBase64url(text: string): bigint {
  return BigInt(`0x${Buffer.from(text, 'base64url').toString('hex')}`);
}

function base64url(x: bigint): string {
  const hex = x.toString(16);
  return Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex').toString('base64url');
}
