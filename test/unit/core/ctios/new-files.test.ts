/** CTI OS files are never written over: two writers at once, one wins whole, the other gets an error. */
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CtiError } from '../../../../shared/errors.ts';
import { createCtiosCa } from '../../../../electron/core/ctios/ca.ts';
import { writeNewFiles } from '../../../../electron/core/ctios/new-files.ts';
import { tempDir } from '../../../helpers/temp.ts';

let dir: Awaited<ReturnType<typeof tempDir>>;
beforeEach(async () => {
  dir = await tempDir('ctios-new-files');
});
afterEach(() => dir.remove());

describe('writeNewFiles', () => {
  it('lets one of two simultaneous writers of the same files win, and keeps all of its files', async () => {
    const files = (tag: string) => ['a.pem', 'b.pem'].map((name) => ({ path: join(dir.path, name), data: `${tag} ${name}` }));
    const results = await Promise.allSettled([writeNewFiles(files('first')), writeNewFiles(files('second'))]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(CtiError);
    expect((refused.reason as CtiError).message).toMatch(/already exists and is kept/);
    const winner = results[0]!.status === 'fulfilled' ? 'first' : 'second';
    expect(await readFile(join(dir.path, 'a.pem'), 'utf8')).toBe(`${winner} a.pem`);
    expect(await readFile(join(dir.path, 'b.pem'), 'utf8')).toBe(`${winner} b.pem`);
  });

  it('two CAs created at once in one folder: the one reported created is the one on disk', async () => {
    const results = await Promise.allSettled([createCtiosCa(dir.path, 'first-password'), createCtiosCa(dir.path, 'second-password')]);
    const created = results.filter((r) => r.status === 'fulfilled');
    expect(created).toHaveLength(1);
    const onDisk = new X509Certificate(await readFile(join(dir.path, 'CtiosRootCert.pem')));
    expect(onDisk.fingerprint256).toBe(created[0]!.value.certificate.fingerprint256);
  });
});
