/**
 * A key pair started before the CAPF server asks for one. An RSA-2048 key's primes are generated on libuv's
 * thread pool (scripts/bench-keygen.ts has the median and 90th percentile), so beginning them while the
 * trust list downloads and the CAPF session opens takes them off an enrollment's critical path. The pair is handed out
 * once, only for the spec it was made for; any other request (another key type, a retry) gets a fresh
 * pair, so no key serves two attempts.
 */
import { generateKeyPair, type KeyPair, type KeySpec, type RsaKeySize } from './certificates.ts';

/** What Unified CM's CAPF profiles default to ("Key Size (Bits)": 2048). */
export const LIKELY_KEY_SPEC: { type: 'rsa'; bits: RsaKeySize } = { type: 'rsa', bits: 2048 };

export interface KeyPairSource {
  take(spec: KeySpec): Promise<KeyPair>;
}

function sameSpec(a: KeySpec, b: KeySpec): boolean {
  return a.type === 'rsa' ? b.type === 'rsa' && a.bits === b.bits : b.type === 'ec' && a.curve === b.curve;
}

export class KeyPairAhead implements KeyPairSource {
  #ahead: { spec: KeySpec; pair: Promise<KeyPair> } | undefined;

  constructor(
    spec: KeySpec = LIKELY_KEY_SPEC,
    private readonly generate: (spec: KeySpec) => Promise<KeyPair> = generateKeyPair,
    /** A pair of this spec already begun elsewhere (bin/ctiprefs.cjs, before the CLI bundle loads). */
    begun?: Promise<KeyPair>,
  ) {
    const pair = begun ?? generate(spec);
    // Not an unhandled rejection when nobody takes it; a taker sees the failure itself.
    pair.catch(() => undefined);
    this.#ahead = { spec, pair };
  }

  take(spec: KeySpec): Promise<KeyPair> {
    const ahead = this.#ahead;
    this.#ahead = undefined;
    return ahead && sameSpec(ahead.spec, spec) ? ahead.pair : this.generate(spec);
  }
}

/**
 * The `enroll` command begins its pair as the process starts, before the modules of the enrollment load:
 * that overlaps key generation with a good part of the run. The first enrollment of the process takes it.
 * The `ctiprefs` launcher begins its primes earlier still, before it loads the CLI, and hands them over here.
 */
let begunAtStart: KeyPairAhead | undefined;

/** What the launcher begins: the two primes of an RSA key (rsa-key-pair.ts checks and assembles them). */
export interface BegunKeyPair {
  spec: { type: 'rsa'; bits: RsaKeySize };
  primes: Promise<ArrayBuffer[]>;
}

export function beginKeyPairAtStart(begun?: BegunKeyPair): void {
  begunAtStart ??= begun ? new KeyPairAhead(begun.spec, generateKeyPair, generateKeyPair(begun.spec, begun.primes)) : new KeyPairAhead();
}

/** The pair begun at start (once), otherwise one begun now. */
export function keyPairAheadForEnrollment(): KeyPairAhead {
  const early = begunAtStart;
  begunAtStart = undefined;
  return early ?? new KeyPairAhead();
}

/** Generates each pair when asked (the default of a CAPF session). */
export const ON_DEMAND_KEY_PAIRS: KeyPairSource = { take: generateKeyPair };
