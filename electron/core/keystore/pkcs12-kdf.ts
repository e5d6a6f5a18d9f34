/**
 * The two key derivations of a PKCS#12 keystore:
 * - PBKDF2 (RFC 8018) for the PBES2-encrypted key and certificate bags: node:crypto, on the thread pool.
 * - the MAC key (RFC 7292 Appendix B.2, ID 3): SHA-256 chains of 1 000 rounds and more in sha256-chain.ts
 *   (WebAssembly), shorter ones and the other hashes through node:crypto (files from other tools; rarely
 *   read, so not worth a fast path).
 * A process derives the same key several times in a row (write a keystore, read it back to check it, list
 * it), so the last few derived keys are remembered, keyed by a hash of all their inputs: each is derived
 * once. They stay in memory only as long as the password they come from would anyway.
 */
import { createHash, pbkdf2 as pbkdf2Callback } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { promisify } from 'node:util';
import { sha256Chain } from './sha256-chain.ts';

const pbkdf2 = promisify(pbkdf2Callback);

export type Pkcs12Hash = 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512';

/** Output (u) and block (v) sizes in bytes, RFC 7292 B.2. */
const HASH_SIZES: Record<Pkcs12Hash, { u: number; v: number }> = {
  sha1: { u: 20, v: 64 },
  sha224: { u: 28, v: 64 },
  sha256: { u: 32, v: 64 },
  sha384: { u: 48, v: 128 },
  sha512: { u: 64, v: 128 },
};
/** RFC 7292 B.3: the diversifier of a MAC key. */
const MAC_KEY_ID = 3;
const REMEMBERED_KEYS = 16;
/**
 * SHA-256 rounds between two turns of the event loop: about 0.4 ms, so sockets, files and the UI stay served
 * while a chain begun ahead (beginKeysAhead) runs beside a run's other steps.
 */
const ROUNDS_PER_TURN = 1_000;
/**
 * Below this many rounds node:crypto is faster than sha256-chain.ts, whose first use assembles and compiles
 * its module (measured in a fresh process: 100 rounds 0.7 ms native, 6 ms there; 2 048 rounds 14 ms native,
 * 11 ms there; 10 000 rounds 55 ms native, 33 ms there).
 */
const CHAIN_MIN_ROUNDS = 1_000;

const remembered = new Map<string, Promise<Buffer>>();

function rememberedKey(inputs: (string | number | Uint8Array)[], derive: () => Promise<Buffer>): Promise<Buffer> {
  const hash = createHash('sha256');
  for (const input of inputs) hash.update(`${typeof input === 'number' ? input : input.length}:`).update(typeof input === 'number' ? '' : input);
  const id = hash.digest('base64');
  let key = remembered.get(id);
  if (!key) {
    key = derive();
    key.catch(() => remembered.delete(id));
    remembered.set(id, key);
    if (remembered.size > REMEMBERED_KEYS) remembered.delete(remembered.keys().next().value!);
  }
  return key;
}

/** The PBES2 encryption key: PBKDF2 over the password's UTF-8 bytes, as OpenSSL and Java do. */
export function pbes2Key(password: string, salt: Uint8Array, iterations: number, hash: Pkcs12Hash, keyBytes: number): Promise<Buffer> {
  const passwordBytes = Buffer.from(password, 'utf8');
  return rememberedKey(['pbkdf2', hash, iterations, keyBytes, salt, passwordBytes], () => pbkdf2(passwordBytes, salt, iterations, keyBytes, hash));
}

/** The HMAC key of the keystore MAC: as long as the hash output, so one block of RFC 7292 B.2. */
export function macKey(password: string, salt: Uint8Array, iterations: number, hash: Pkcs12Hash): Promise<Buffer> {
  const passwordBytes = bmpPassword(password);
  return rememberedKey(['pkcs12-mac', hash, iterations, salt, passwordBytes], () => pkcs12KdfBlock(hash, MAC_KEY_ID, passwordBytes, salt, iterations));
}

/** The password as a BMPString with its two zero bytes at the end (RFC 7292 B.1), UTF-16 big-endian. */
function bmpPassword(password: string): Buffer {
  const bytes = Buffer.alloc(password.length * 2 + 2);
  for (let i = 0; i < password.length; i++) bytes.writeUInt16BE(password.charCodeAt(i), i * 2);
  return bytes;
}

/** A_1 of RFC 7292 B.2: H^iterations(D || I), with D = v bytes of ID and I = S || P each repeated to whole blocks. */
async function pkcs12KdfBlock(hash: Pkcs12Hash, id: number, password: Uint8Array, salt: Uint8Array, iterations: number): Promise<Buffer> {
  const { v } = HASH_SIZES[hash];
  const fill = (source: Uint8Array) => {
    const out = Buffer.alloc(v * Math.ceil(source.length / v));
    for (let i = 0; i < out.length; i++) out[i] = source[i % source.length]!;
    return out;
  };
  let digest: Buffer = createHash(hash).update(Buffer.alloc(v, id)).update(fill(salt)).update(fill(password)).digest();
  for (let done = 1; done < iterations; done += ROUNDS_PER_TURN) {
    // A turn first too: the caller goes on with what it was doing (sending a message) before any slice.
    await nextTurn();
    const rounds = Math.min(ROUNDS_PER_TURN, iterations - done);
    if (hash === 'sha256' && iterations >= CHAIN_MIN_ROUNDS) digest = sha256Chain(digest, rounds);
    else for (let i = 0; i < rounds; i++) digest = createHash(hash).update(digest).digest();
  }
  return digest;
}
