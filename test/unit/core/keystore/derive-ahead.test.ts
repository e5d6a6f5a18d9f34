/**
 * When a keystore's keys are derived: prepare() only readies the salts; deriveWhileWaiting() starts both
 * derivations (a 100 000-round chain for a chosen password) with exactly those salts, and save() uses them.
 * With CTIPREFS_KEYSTORE_PASSWORD, beginKeystoreKeysAhead() starts them before any keystore is known, and the
 * next keystore prepared with that password takes those salts, once.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KEYSTORE_PASSWORD_ENV } from '../../../../electron/core/keystore/vault.ts';
import { PKCS12_ITERATIONS } from '../../../../electron/core/keystore/pkcs12.ts';
import { issueCertificate, memoryVault } from './fixtures.ts';

const derivations = vi.hoisted(() => [] as { kind: 'mac' | 'pbes2'; salt: Buffer; iterations: number }[]);
vi.mock('../../../../electron/core/keystore/pkcs12-kdf.ts', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../../../electron/core/keystore/pkcs12-kdf.ts')>();
  return {
    ...original,
    macKey: (...args: Parameters<typeof original.macKey>) => {
      derivations.push({ kind: 'mac', salt: Buffer.from(args[1]), iterations: args[2] });
      return original.macKey(...args);
    },
    pbes2Key: (...args: Parameters<typeof original.pbes2Key>) => {
      derivations.push({ kind: 'pbes2', salt: Buffer.from(args[1]), iterations: args[2] });
      return original.pbes2Key(...args);
    },
  };
});

const { beginKeystoreKeysAhead, CertificateStore } = await import('../../../../electron/core/keystore/certificate-store.ts');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ctiprefs-derive-ahead-'));
  derivations.length = 0;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('keystore key derivations', () => {
  it('start at deriveWhileWaiting, not at prepare, and save builds the keystore with the same salts', async () => {
    const store = new CertificateStore({ dir, vault: memoryVault(), env: { [KEYSTORE_PASSWORD_ENV]: 'a chosen password' } });
    await store.prepare('Inst1');
    expect(derivations).toEqual([]);
    store.deriveWhileWaiting('Inst1');
    expect(derivations.map(({ kind, iterations }) => ({ kind, iterations }))).toEqual([
      { kind: 'pbes2', iterations: PKCS12_ITERATIONS },
      { kind: 'mac', iterations: PKCS12_ITERATIONS },
    ]);
    const begun = derivations.splice(0);
    await store.save('Inst1', await issueCertificate({ type: 'ec', curve: 'P-256' }));
    // Asked again while building (and reading back), always for the salts whose keys were begun.
    for (const kind of ['pbes2', 'mac'] as const) {
      const asked = derivations.filter((derivation) => derivation.kind === kind);
      expect(asked.length).toBeGreaterThan(0);
      for (const derivation of asked) expect(derivation.salt).toEqual(begun.find((b) => b.kind === kind)!.salt);
    }
  });

  it('derive nothing ahead for an instance that was not prepared', () => {
    const store = new CertificateStore({ dir, vault: memoryVault(), env: {} });
    store.deriveWhileWaiting('Inst1');
    expect(derivations).toEqual([]);
  });

  it('begin before any keystore with CTIPREFS_KEYSTORE_PASSWORD, and the next keystore of that password takes them, once', async () => {
    const env = { [KEYSTORE_PASSWORD_ENV]: 'another chosen password' };
    beginKeystoreKeysAhead(env);
    expect(derivations.map(({ kind, iterations }) => ({ kind, iterations }))).toEqual([
      { kind: 'pbes2', iterations: PKCS12_ITERATIONS },
      { kind: 'mac', iterations: PKCS12_ITERATIONS },
    ]);
    const begun = derivations.splice(0);
    // Neither a random vault password nor another chosen one takes them.
    for (const other of [{}, { [KEYSTORE_PASSWORD_ENV]: 'a third chosen password' }]) {
      const otherStore = new CertificateStore({ dir, vault: memoryVault(), env: other });
      await otherStore.prepare('Other1');
      otherStore.deriveWhileWaiting('Other1');
      for (const derivation of derivations.splice(0)) expect(derivation.salt).not.toEqual(begun.find((b) => b.kind === derivation.kind)!.salt);
      await otherStore.discardUnused('Other1');
    }
    const store = new CertificateStore({ dir, vault: memoryVault(), env });
    await store.prepare('Inst1');
    await store.save('Inst1', await issueCertificate({ type: 'ec', curve: 'P-256' }));
    for (const kind of ['pbes2', 'mac'] as const) {
      const asked = derivations.filter((derivation) => derivation.kind === kind);
      expect(asked.length).toBeGreaterThan(0);
      for (const derivation of asked) expect(derivation.salt).toEqual(begun.find((b) => b.kind === kind)!.salt);
    }
    // Salts are for one file: the next keystore gets its own.
    derivations.length = 0;
    await store.prepare('Inst2');
    store.deriveWhileWaiting('Inst2');
    const next = derivations.filter((derivation) => derivation.kind === 'mac');
    expect(next).toHaveLength(1);
    expect(next[0]!.salt).not.toEqual(begun.find((b) => b.kind === 'mac')!.salt);
  });

  it('begin nothing without CTIPREFS_KEYSTORE_PASSWORD, or with one the vault will refuse', () => {
    beginKeystoreKeysAhead({});
    beginKeystoreKeysAhead({ [KEYSTORE_PASSWORD_ENV]: 'short' });
    expect(derivations).toEqual([]);
  });
});
