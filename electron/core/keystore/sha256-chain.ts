/**
 * SHA-256 applied to its own 32-byte output many times over: the inner loop of the PKCS#12 MAC key
 * derivation (RFC 7292 Appendix B.2), which Node has no native call for. Calling node:crypto once per
 * round costs more in call overhead than the hash itself, so the loop runs here, as WebAssembly assembled
 * below: V8 compiles it before it runs, where the same loop in JavaScript spends a first run's early rounds
 * in V8's slower tiers; 100 000 rounds take about half the time they took in JavaScript on a first run.
 * The compression function is FIPS 180-4, section 6.2.2, specialised to a one-block message of exactly
 * 32 bytes: the message schedule is the digest, then the fixed padding (5.1.1).
 */

import { createHash } from 'node:crypto';

// FIPS 180-4, 4.2.2: the first 32 bits of the fractional parts of the cube roots of the first 64 primes.
const K = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
  0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
  0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
  0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
  0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];
// FIPS 180-4, 5.3.3: the initial hash value.
const H0 = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
const DIGEST_BYTES = 32;
const WORD_BYTES = 4;
const SCHEDULE_WORDS = 64;
// FIPS 180-4, 5.1.1: a 256-bit message is followed by a 1 bit, zeros, and its length in bits.
const PADDING_WORD = 0x80000000;
const MESSAGE_BITS = DIGEST_BYTES * 8;

// The module's memory: the round constants, the digest (in and out), the message schedule.
const K_AT = 0;
const DIGEST_AT = K_AT + SCHEDULE_WORDS * WORD_BYTES;
const SCHEDULE_AT = DIGEST_AT + DIGEST_BYTES;

/** The WebAssembly opcodes used (WebAssembly Core Specification 2.0, section 5.4). */
const Op = {
  block: 0x02, loop: 0x03, br: 0x0c, brIf: 0x0d, end: 0x0b, emptyBlockType: 0x40,
  localGet: 0x20, localSet: 0x21, localTee: 0x22, i32Load: 0x28, i32Store: 0x36, i32Const: 0x41,
  i32Eqz: 0x45, i32LtU: 0x49, i32Add: 0x6a, i32Sub: 0x6b, i32And: 0x71, i32Xor: 0x73, i32ShrU: 0x76, i32Rotr: 0x78,
} as const;
const I32 = 0x7f;
/** i32 loads and stores of aligned words: alignment 2^2. */
const WORD_ALIGNMENT = 2;

// The function's locals: its parameter (the rounds left), the eight working variables, then scratch.
const ROUNDS = 0;
const [A, B, C, D, E, F, G, H] = [1, 2, 3, 4, 5, 6, 7, 8] as const;
const WORKING = [A, B, C, D, E, F, G, H];
/** T1 and T2 of step 3, the byte offset of word t, and a schedule word being worked on. */
const [T1, T2, AT, X] = [9, 10, 11, 12] as const;
const SCRATCH_LOCALS = 12;

function unsignedLeb128(value: number): number[] {
  const bytes: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (value !== 0);
  return bytes;
}

function signedLeb128(value: number): number[] {
  const bytes: number[] = [];
  for (let rest = value | 0; ; ) {
    const byte = rest & 0x7f;
    rest >>= 7;
    if ((rest === 0 && !(byte & 0x40)) || (rest === -1 && byte & 0x40)) return [...bytes, byte];
    bytes.push(byte | 0x80);
  }
}

/** The body of `chain(rounds)`: `rounds` times, the digest in memory is replaced by its SHA-256. */
function chainCode(): number[] {
  const code: number[] = [];
  const get = (local: number) => code.push(Op.localGet, local);
  const set = (local: number) => code.push(Op.localSet, local);
  const constant = (value: number) => code.push(Op.i32Const, ...signedLeb128(value));
  const load = (offset: number) => code.push(Op.i32Load, WORD_ALIGNMENT, ...unsignedLeb128(offset));
  const store = (offset: number) => code.push(Op.i32Store, WORD_ALIGNMENT, ...unsignedLeb128(offset));
  /** ROTR^r1(x) xor ROTR^r2(x) xor (ROTR or SHR)^r3(x): the four functions of FIPS 180-4 4.1.2. */
  const sigma = (local: number, r1: number, r2: number, r3: number, lastShifts: boolean) => {
    get(local), constant(r1), code.push(Op.i32Rotr), get(local), constant(r2), code.push(Op.i32Rotr, Op.i32Xor);
    get(local), constant(r3), code.push(lastShifts ? Op.i32ShrU : Op.i32Rotr, Op.i32Xor);
  };
  /** while (AT < SCHEDULE_WORDS words) { ...body; AT += one word } */
  const wordLoop = (from: number, body: () => void) => {
    constant(from * WORD_BYTES), set(AT);
    code.push(Op.loop, Op.emptyBlockType);
    body();
    get(AT), constant(WORD_BYTES), code.push(Op.i32Add, Op.localTee, AT), constant(SCHEDULE_WORDS * WORD_BYTES), code.push(Op.i32LtU, Op.brIf, 0, Op.end);
  };

  code.push(Op.block, Op.emptyBlockType, Op.loop, Op.emptyBlockType);
  get(ROUNDS), code.push(Op.i32Eqz, Op.brIf, 1);
  // 6.2.2 step 1: W0..W7 the digest, W8..W15 the padding, then Wt = σ1(Wt-2) + Wt-7 + σ0(Wt-15) + Wt-16.
  for (let word = 0; word < 8; word++) constant(0), constant(0), load(DIGEST_AT + word * WORD_BYTES), store(SCHEDULE_AT + word * WORD_BYTES);
  for (let word = 8; word < 16; word++) constant(0), constant(word === 8 ? PADDING_WORD : word === 15 ? MESSAGE_BITS : 0), store(SCHEDULE_AT + word * WORD_BYTES);
  const scheduleWord = (back: number) => (get(AT), load(SCHEDULE_AT - back * WORD_BYTES));
  wordLoop(16, () => {
    get(AT), scheduleWord(2), set(X), sigma(X, 17, 19, 10, true);
    scheduleWord(7), code.push(Op.i32Add);
    scheduleWord(15), set(X), sigma(X, 7, 18, 3, true), code.push(Op.i32Add);
    scheduleWord(16), code.push(Op.i32Add);
    store(SCHEDULE_AT);
  });
  // Step 2: the working variables start from the initial hash value (each round hashes a new message).
  H0.forEach((word, index) => (constant(word), set(WORKING[index]!)));
  // Step 3: T1 = h + Σ1(e) + Ch(e, f, g) + Kt + Wt; T2 = Σ0(a) + Maj(a, b, c); then the variables move down.
  wordLoop(0, () => {
    get(H), sigma(E, 6, 11, 25, false), code.push(Op.i32Add);
    get(E), get(F), code.push(Op.i32And), get(E), constant(-1), code.push(Op.i32Xor), get(G), code.push(Op.i32And, Op.i32Xor, Op.i32Add);
    get(AT), load(K_AT), code.push(Op.i32Add), get(AT), load(SCHEDULE_AT), code.push(Op.i32Add), set(T1);
    sigma(A, 2, 13, 22, false);
    get(A), get(B), code.push(Op.i32And), get(A), get(C), code.push(Op.i32And, Op.i32Xor), get(B), get(C), code.push(Op.i32And, Op.i32Xor, Op.i32Add), set(T2);
    get(G), set(H), get(F), set(G), get(E), set(F), get(D), get(T1), code.push(Op.i32Add), set(E);
    get(C), set(D), get(B), set(C), get(A), set(B), get(T1), get(T2), code.push(Op.i32Add), set(A);
  });
  // Step 4: the new digest is the initial hash value plus the working variables.
  H0.forEach((word, index) => (constant(0), constant(word), get(WORKING[index]!), code.push(Op.i32Add), store(DIGEST_AT + index * WORD_BYTES)));
  get(ROUNDS), constant(1), code.push(Op.i32Sub), set(ROUNDS), code.push(Op.br, 0, Op.end, Op.end, Op.end);
  return code;
}

/** A module of one function, `chain(rounds: i32)`, and one page of memory (5.5 of the same specification). */
function chainModule(): Uint8Array<ArrayBuffer> {
  const vector = (items: number[][]) => [...unsignedLeb128(items.length), ...items.flat()];
  const section = (id: number, contents: number[]) => [id, ...unsignedLeb128(contents.length), ...contents];
  const name = (text: string) => [...unsignedLeb128(text.length), ...Buffer.from(text, 'latin1')];
  const body = [...vector([[SCRATCH_LOCALS, I32]]), ...chainCode()];
  const [TYPE, FUNCTION, MEMORY, EXPORT, CODE] = [1, 3, 5, 7, 10];
  const [FUNC_TYPE, FUNC_EXPORT, MEMORY_EXPORT, MIN_ONLY] = [0x60, 0x00, 0x02, 0x00];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(TYPE, vector([[FUNC_TYPE, ...vector([[I32]]), ...vector([])]])),
    ...section(FUNCTION, vector([[0]])),
    ...section(MEMORY, vector([[MIN_ONLY, 1]])),
    ...section(EXPORT, vector([[...name('chain'), FUNC_EXPORT, 0], [...name('memory'), MEMORY_EXPORT, 0]])),
    ...section(CODE, vector([[...unsignedLeb128(body.length), ...body]])),
  ]);
}

interface Chain {
  run(rounds: number): void;
  memory: DataView;
}
/** The compiled chain; null where WebAssembly cannot run (node --jitless), and node:crypto does the rounds. */
let compiled: Chain | null | undefined;

function chain(): Chain | null {
  if (compiled === undefined) {
    try {
      const { exports } = new WebAssembly.Instance(new WebAssembly.Module(chainModule()));
      const memory = new DataView((exports.memory as WebAssembly.Memory).buffer);
      K.forEach((word, index) => memory.setUint32(K_AT + index * WORD_BYTES, word, true));
      compiled = { run: exports.chain as (rounds: number) => void, memory };
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** SHA-256 applied `rounds` times to a 32-byte digest (rounds = 0 gives the digest back). */
export function sha256Chain(digest: Uint8Array, rounds: number): Buffer {
  if (digest.length !== DIGEST_BYTES) throw new RangeError(`sha256Chain needs a ${DIGEST_BYTES}-byte digest`);
  const compiledChain = chain();
  if (!compiledChain) {
    let out = Buffer.from(digest);
    for (let round = 0; round < rounds; round++) out = createHash('sha256').update(out).digest();
    return out;
  }
  const { run, memory } = compiledChain;
  const input = new DataView(digest.buffer, digest.byteOffset, DIGEST_BYTES);
  // Words as numbers: big-endian in the digest, whatever order WebAssembly keeps them in.
  for (let at = 0; at < DIGEST_BYTES; at += WORD_BYTES) memory.setUint32(DIGEST_AT + at, input.getUint32(at), true);
  run(rounds);
  const out = Buffer.alloc(DIGEST_BYTES);
  for (let at = 0; at < DIGEST_BYTES; at += WORD_BYTES) out.writeUInt32BE(memory.getUint32(DIGEST_AT + at, true), at);
  return out;
}
