/**
 * RSA key pairs of 2048 bits and more from two primes that OpenSSL generates side by side on the thread
 * pool. OpenSSL's own RSA generation of these sizes takes the FIPS 186-4 auxiliary-prime path and finds the
 * two primes one after the other: about four times as long (scripts/bench-keygen.ts measures both), and
 * the longest wait of an enrollment.
 *
 * What is secret is kept out of JavaScript arithmetic that could leak it through timing (the CVE-2018-0737
 * class: a spy process on the same workstation timing a GCD or an inverse over p and q):
 * - the primes come from OpenSSL (random candidates with the top two bits set, 64 Miller-Rabin rounds);
 * - the only big inverse, q^-1 mod p, is OpenSSL's constant-time modular exponentiation: importing a DH
 *   private key x = p - 2 with generator q makes OpenSSL compute q^(p-2) mod p (Fermat: the inverse) under
 *   BN_FLG_CONSTTIME, as the public value. (Its Montgomery set-up for the modulus p is not flagged so: that
 *   can show at most p's lowest 64 bits, far from the half of p that factoring n would need);
 * - the private exponents need no big inverse because e is a small prime: d = (1 + k * phi) / e with
 *   k = -phi^-1 mod e, from phi's residue mod e alone (one-word divisions, the kind OpenSSL's own prime
 *   search does on its secret candidates), then a multiplication and an exact division by e;
 * - numbers move between bytes and BigInts 64 bits at a time, never through hexadecimal or base64 text.
 * d is taken mod phi rather than mod lambda (which would need a GCD over p - 1 and q - 1): RFC 8017 allows
 * it, OpenSSL's `rsa -check` and Java accept it, but FIPS 186-4 asks for d < lambda, so these keys are not
 * FIPS 186-4 keys. With a FIPS provider, or a TLS library without DH keys (Electron's BoringSSL), OpenSSL's
 * own generation is used instead (certificates.ts).
 */
import { createPrivateKey, createPublicKey, generatePrime as generatePrimeCb, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { CtiError } from '../../../shared/errors.ts';
import { der, decodeOne, readBitString, sequenceOf } from './der.ts';
import type { KeyPair } from './certificates.ts';

/** F4, what Unified CM and every CA expect; prime, which the exponents below rely on. */
export const RSA_PUBLIC_EXPONENT = 65537n;
/** Smaller moduli keep OpenSSL's own generation: it is quick there, and DH refuses primes under 512 bits. */
export const MIN_BITS_FROM_PRIMES = 2048;
/** FIPS 186-4 B.3.3 step 5.4: |p - q| > 2^(nlen/2 - 100). */
const MIN_PRIME_DISTANCE_BITS = 100;
/** OID of PKCS #3 Diffie-Hellman keys (dhKeyAgreement), the carrier of the constant-time inverse. */
const DH_KEY_AGREEMENT = '1.2.840.113549.1.3.1';
/** Primes replaced before giving up: a check fails for about one prime in 65 000. */
const MAX_REPLACED_PRIMES = 8;
const WORD_BYTES = 8;
const WORD_BITS = 64n;
const WORD_MASK = (1n << WORD_BITS) - 1n;

/** Two random primes of half the modulus each (big-endian bytes), generated in parallel on the thread pool. */
export function generateRsaPrimes(bits: number): Promise<ArrayBuffer[]> {
  return Promise.all([generatePrime(bits / 2), generatePrime(bits / 2)]);
}

function generatePrime(bits: number): Promise<ArrayBuffer> {
  return new Promise((resolve, reject) => generatePrimeCb(bits, (err, prime) => (err ? reject(err) : resolve(prime))));
}

/**
 * An RSA key pair of `bits` (at least MIN_BITS_FROM_PRIMES) from two primes, begun now or handed in
 * (bin/ctiprefs.cjs begins them before the CLI loads). A prime that fails a check is replaced.
 */
export async function rsaKeyPairFromPrimes(bits: number, primes: Promise<ArrayBuffer[]> = generateRsaPrimes(bits)): Promise<KeyPair> {
  if (bits < MIN_BITS_FROM_PRIMES || bits % 2 !== 0) throw new RangeError(`RSA keys from primes need an even size of at least ${MIN_BITS_FROM_PRIMES} bits`);
  const half = bits / 2;
  let [p, q] = (await primes).map((prime) => toBigInt(new Uint8Array(prime)));
  for (let replaced = 0; ; replaced++) {
    if (replaced > MAX_REPLACED_PRIMES) throw new CtiError('INTERNAL', 'RSA key generation kept producing unusable primes');
    if (p === undefined || !usablePrime(p, half)) p = toBigInt(new Uint8Array(await generatePrime(half)));
    else if (q === undefined || !usablePrime(q, half) || !farApart(p, q, half)) q = toBigInt(new Uint8Array(await generatePrime(half)));
    else break;
  }
  // p > q, as OpenSSL orders them; the inverse below needs q < p.
  return p > q ? assemble(p, q, bits) : assemble(q, p, bits);
}

/** A prime of exactly `half` bits whose top two bits are set (so n has all its bits), with e coprime to p - 1. */
function usablePrime(prime: bigint, half: number): boolean {
  return prime >> BigInt(half - 2) === 3n && (prime - 1n) % RSA_PUBLIC_EXPONENT !== 0n;
}

function farApart(p: bigint, q: bigint, half: number): boolean {
  const distance = p > q ? p - q : q - p;
  return distance >> BigInt(half - MIN_PRIME_DISTANCE_BITS) > 0n;
}

function assemble(p: bigint, q: bigint, bits: number): KeyPair {
  const e = RSA_PUBLIC_EXPONENT;
  const [p1, q1] = [p - 1n, q - 1n];
  const [nBytes, halfBytes] = [bits / 8, bits / 16];
  const crt = [p, q, inverseOfE(p1, p1 % e), inverseOfE(q1, q1 % e), inverseModPrime(q, p, halfBytes)].map((value) => toBytes(value, halfBytes));
  const rsaPrivateKey = (d: Buffer) =>
    createPrivateKey({ key: der.sequence(der.integer(0), ...[toBytes(p * q, nBytes), toBytes(e, 3), d, ...crt].map(der.unsignedInteger)), format: 'der', type: 'pkcs1' });
  checkCrtValues(rsaPrivateKey(Buffer.from([1])));
  const privateKey = rsaPrivateKey(toBytes(inverseOfE(p1 * q1, ((p1 % e) * (q1 % e)) % e), nBytes));
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

/** e^-1 mod m, from m and its residue mod e: (1 + k m) / e with k = -m^-1 mod e, the one k making it whole. */
function inverseOfE(m: bigint, residue: bigint): bigint {
  const e = RSA_PUBLIC_EXPONENT;
  // Fermat in the small field mod e: a fixed sequence of operations on one-word values.
  const k = (e - powMod(residue, e - 2n, e)) % e;
  return (1n + k * m) / e;
}

/** base^exponent mod m for a public exponent: square and multiply, in the exponent's own (public) order. */
function powMod(base: bigint, exponent: bigint, m: bigint): bigint {
  let result = 1n;
  for (let bit = BigInt(exponent.toString(2).length - 1); bit >= 0n; bit--) {
    result = (result * result) % m;
    if ((exponent >> bit) & 1n) result = (result * base) % m;
  }
  return result;
}

/** value^-1 mod prime, computed by OpenSSL in constant time as the public value of a DH key (see the top). */
function inverseModPrime(value: bigint, prime: bigint, bytes: number): bigint {
  const parameters = der.sequence(der.oid(DH_KEY_AGREEMENT), der.sequence(der.unsignedInteger(toBytes(prime, bytes)), der.unsignedInteger(toBytes(value, bytes))));
  const pkcs8 = der.sequence(der.integer(0), parameters, der.octetString(der.unsignedInteger(toBytes(prime - 2n, bytes))));
  const spki = createPublicKey(createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' })).export({ type: 'spki', format: 'der' });
  const [, publicValue] = sequenceOf(decodeOne(spki, 'DH public key'), 'DH public key', 2);
  // Not checked here by multiplying back: that would be the secret BigInt arithmetic this avoids.
  return toBigInt(decodeOne(readBitString(publicValue, 'DH public value'), 'DH public value').value);
}

/**
 * The CRT values (what OpenSSL and Java sign with) are right: signed with d replaced by 1, a signature only
 * verifies when they are, as OpenSSL falls back to d when a CRT result does not check. A wrong CRT value
 * would otherwise go unseen here, and a reader that does not check its CRT results would give away the
 * factors with its first faulty signature.
 */
function checkCrtValues(withoutD: KeyObject): void {
  const message = randomBytes(32);
  if (!verify('sha256', message, createPublicKey(withoutD), sign('sha256', message, withoutD))) {
    throw new CtiError('INTERNAL', 'RSA key generation: the new key failed its CRT check');
  }
}

/** Big-endian bytes as a BigInt, read 64 bits at a time. */
function toBigInt(bytes: Uint8Array): bigint {
  const padded = new Uint8Array(Math.ceil(bytes.length / WORD_BYTES) * WORD_BYTES);
  padded.set(bytes, padded.length - bytes.length);
  const view = new DataView(padded.buffer);
  let value = 0n;
  for (let at = 0; at < padded.length; at += WORD_BYTES) value = (value << WORD_BITS) | view.getBigUint64(at);
  return value;
}

/** A BigInt as `length` big-endian bytes, written 64 bits at a time. */
function toBytes(value: bigint, length: number): Buffer {
  const words = Buffer.alloc(Math.ceil(length / WORD_BYTES) * WORD_BYTES);
  const view = new DataView(words.buffer, words.byteOffset, words.length);
  let rest = value;
  for (let at = words.length - WORD_BYTES; at >= 0; at -= WORD_BYTES) {
    view.setBigUint64(at, rest & WORD_MASK);
    rest >>= WORD_BITS;
  }
  return words.subarray(words.length - length);
}
