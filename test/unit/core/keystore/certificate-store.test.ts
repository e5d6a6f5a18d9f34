/** Failure paths of the store that a real disk cannot produce on demand: the atomic write is stubbed. */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CtiError } from '../../../../shared/errors.ts';
import { memoryLogger } from '../../../../electron/core/log.ts';
import { issueCertificate, memoryVault } from './fixtures.ts';

const failNextWrite = vi.hoisted(() => ({ error: undefined as NodeJS.ErrnoException | undefined }));
vi.mock('../../../../electron/core/fs/atomic-file.ts', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../../../electron/core/fs/atomic-file.ts')>();
  return {
    writeFileAtomic: async (...args: Parameters<typeof original.writeFileAtomic>) => {
      const error = failNextWrite.error;
      failNextWrite.error = undefined;
      if (error) throw error;
      return original.writeFileAtomic(...args);
    },
  };
});

const { CertificateStore } = await import('../../../../electron/core/keystore/certificate-store.ts');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ctiprefs-store-unit-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('CertificateStore.save when the disk write fails', () => {
  it('throws KEYSTORE naming the file and the fault, and the previous keystore still loads', async () => {
    const vault = memoryVault();
    const logger = memoryLogger();
    const store = new CertificateStore({ dir, vault, logger, env: {} });
    const first = await issueCertificate({ type: 'ec', curve: 'P-256' });
    await store.save('Inst1', first);
    const before = await readFile(join(dir, 'Inst1.p12'));

    failNextWrite.error = Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    const err = await store.save('Inst1', await issueCertificate({ type: 'ec', curve: 'P-256' })).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CtiError);
    expect((err as CtiError).code).toBe('KEYSTORE');
    expect((err as CtiError).message).toMatch(/Inst1\.p12 \(ENOSPC\); the previous keystore was kept/);
    expect((err as CtiError).message).not.toContain(vault.secrets.get('keystore:Inst1')!);

    expect((await readFile(join(dir, 'Inst1.p12'))).equals(before)).toBe(true);
    expect((await store.loadCertificate('Inst1'))?.equals(first.certificate)).toBe(true);
    expect(await readdir(dir)).toEqual(['Inst1.p12']);
  }, 60_000);
});

describe('CertificateStore with a vault that fails', () => {
  it('passes the VAULT error on and writes nothing', async () => {
    const vault = {
      ...memoryVault(),
      async get(): Promise<string | null> {
        throw new CtiError('VAULT', 'The OS credential vault could not read the secret "keystore:Inst1": locked');
      },
    };
    const store = new CertificateStore({ dir, vault, env: {} });
    const err = await store.save('Inst1', await issueCertificate({ type: 'ec', curve: 'P-256' })).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as CtiError).code).toBe('VAULT');
    expect(await readdir(dir)).toEqual([]);
  });
});
