/** The key pair started ahead of the CAPF request: used once, only for the spec it was made for. */
import { describe, expect, it } from 'vitest';
import { generateKeyPair, type KeyPair, type KeySpec } from '../../../../electron/core/pki/certificates.ts';
import { beginKeyPairAtStart, KeyPairAhead, keyPairAheadForEnrollment, LIKELY_KEY_SPEC } from '../../../../electron/core/pki/key-pair-ahead.ts';
import { generateRsaPrimes } from '../../../../electron/core/pki/rsa-key-pair.ts';

const EC: KeySpec = { type: 'ec', curve: 'P-256' };

/** Real EC pairs (fast), with a record of which spec each call asked for. */
function countingGenerator() {
  const asked: KeySpec[] = [];
  return { asked, generate: (spec: KeySpec) => (asked.push(spec), generateKeyPair(EC)) };
}

describe('KeyPairAhead', () => {
  it('starts the likely spec at once and hands that pair to the first matching request', async () => {
    const { asked, generate } = countingGenerator();
    const ahead = new KeyPairAhead(LIKELY_KEY_SPEC, generate);
    expect(asked).toEqual([LIKELY_KEY_SPEC]);
    const first = await ahead.take({ type: 'rsa', bits: 2048 });
    expect(asked).toHaveLength(1);
    const second = await ahead.take({ type: 'rsa', bits: 2048 });
    expect(asked).toHaveLength(2);
    expect(second.publicKey.equals(first.publicKey)).toBe(false);
  });

  it('generates a fresh pair for another key type or size, and drops the one made ahead', async () => {
    const { asked, generate } = countingGenerator();
    const ahead = new KeyPairAhead(LIKELY_KEY_SPEC, generate);
    await ahead.take({ type: 'rsa', bits: 4096 });
    await ahead.take(LIKELY_KEY_SPEC);
    expect(asked).toEqual([LIKELY_KEY_SPEC, { type: 'rsa', bits: 4096 }, LIKELY_KEY_SPEC]);
  });

  it('passes a failed generation to its taker, and an untaken failure is no unhandled rejection', async () => {
    const failing = () => Promise.reject<KeyPair>(new Error('no entropy'));
    await expect(new KeyPairAhead(EC, failing).take(EC)).rejects.toThrow('no entropy');
    new KeyPairAhead(EC, failing);
    await new Promise((resolve) => setTimeout(resolve, 10));
  });

  it('hands out a pair made from the primes the launcher began (once, for its spec), and generates every later one', async () => {
    const primes = generateRsaPrimes(2048);
    beginKeyPairAtStart({ spec: LIKELY_KEY_SPEC, primes });
    const source = keyPairAheadForEnrollment();
    const primesOf = async (pair: KeyPair) => {
      const jwk = pair.privateKey.export({ format: 'jwk' });
      return [jwk.p, jwk.q].map((value) => BigInt(`0x${Buffer.from(value!, 'base64url').toString('hex')}`));
    };
    const first = await source.take(LIKELY_KEY_SPEC);
    expect((await primesOf(first)).sort()).toEqual((await primes).map((prime) => BigInt(`0x${Buffer.from(prime).toString('hex')}`)).sort());
    expect(await source.take(LIKELY_KEY_SPEC)).not.toBe(first);
    // Taken by that enrollment: the next one begins its own.
    const next = keyPairAheadForEnrollment();
    expect((await next.take(LIKELY_KEY_SPEC)).privateKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
  });

  it('makes a real RSA 2048 pair by default', async () => {
    const pair = await new KeyPairAhead().take(LIKELY_KEY_SPEC);
    expect(pair.privateKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
  });
});
