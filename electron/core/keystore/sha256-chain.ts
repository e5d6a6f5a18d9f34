/**
 * SHA-256 applied to its own 32-byte output many times over: the inner loop of the PKCS#12 MAC key
 * derivation (RFC 7292 Appendix B.2), which Node has no native call for. Calling node:crypto once per
 * round costs more in call overhead than the hash itself; this loop keeps the state in local integers and
 * allocates nothing, so 100 000 rounds take tens of milliseconds instead of hundreds. The compression
 * function is FIPS 180-4, section 6.2.2, specialised to a one-block message of exactly 32 bytes.
 */

// FIPS 180-4, 4.2.2: the first 32 bits of the fractional parts of the cube roots of the first 64 primes.
const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
  0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
  0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
  0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
  0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
// FIPS 180-4, 5.3.3: the initial hash value.
const H0 = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
const DIGEST_BYTES = 32;
const DIGEST_WORDS = 8;
// FIPS 180-4, 5.1.1: a 256-bit message is followed by a 1 bit, zeros, and its length in bits.
const PADDING_WORD = 0x80000000 | 0;
const MESSAGE_BITS = DIGEST_BYTES * 8;

/** SHA-256 applied `rounds` times to a 32-byte digest (rounds = 0 gives the digest back). */
export function sha256Chain(digest: Uint8Array, rounds: number): Buffer {
  if (digest.length !== DIGEST_BYTES) throw new RangeError(`sha256Chain needs a ${DIGEST_BYTES}-byte digest`);
  const view = new DataView(digest.buffer, digest.byteOffset, DIGEST_BYTES);
  const h = new Int32Array(DIGEST_WORDS);
  for (let i = 0; i < DIGEST_WORDS; i++) h[i] = view.getInt32(i * 4);
  const w = new Int32Array(64);
  for (let round = 0; round < rounds; round++) {
    // Message schedule (6.2.2 step 1): the digest, then the fixed padding of a 32-byte message.
    w.set(h);
    w[8] = PADDING_WORD;
    w.fill(0, 9, 15);
    w[15] = MESSAGE_BITS;
    for (let t = 16; t < 64; t++) {
      const x = w[t - 15]!;
      const y = w[t - 2]!;
      // The rotations written out (ROTR^n(x) = x >>> n | x << 32 - n): a first run spends much of its time in
      // V8's unoptimised tiers, where a call per rotation costs more than the rotation (10% of a cold run).
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[t] = (w[t - 16]! + s0 + w[t - 7]! + s1) | 0;
    }
    // Compression (steps 2 to 4), starting from the initial hash value: each round hashes a new message.
    let a = H0[0]!, b = H0[1]!, c = H0[2]!, d = H0[3]!, e = H0[4]!, f = H0[5]!, g = H0[6]!, hh = H0[7]!;
    for (let t = 0; t < 64; t++) {
      const t1 = (hh + (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))) + ((e & f) ^ (~e & g)) + K[t]! + w[t]!) | 0;
      const t2 = ((((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h[0] = (H0[0]! + a) | 0;
    h[1] = (H0[1]! + b) | 0;
    h[2] = (H0[2]! + c) | 0;
    h[3] = (H0[3]! + d) | 0;
    h[4] = (H0[4]! + e) | 0;
    h[5] = (H0[5]! + f) | 0;
    h[6] = (H0[6]! + g) | 0;
    h[7] = (H0[7]! + hh) | 0;
  }
  const out = Buffer.alloc(DIGEST_BYTES);
  for (let i = 0; i < DIGEST_WORDS; i++) out.writeInt32BE(h[i]!, i * 4);
  return out;
}
