/**
 * The refused-CTL store on real files: bounded, deduplicated, private, and every kept file proven to be the
 * one that was kept (its hash, its entry's HMAC, its folder) before anyone may adopt it.
 */
import { randomBytes } from 'node:crypto';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REFUSED_INDEX_FILE_NAME, REFUSED_KEEP, RefusedCtlStore, sha256Hex } from '../../../electron/core/ctl/refused-store.ts';
import { tempDir } from '../../helpers/temp.ts';

let root: Awaited<ReturnType<typeof tempDir>>;
let dir: string;
const key = randomBytes(32);
const store = (options: { folder?: string; integrityKey?: Buffer } = {}) =>
  new RefusedCtlStore({ dir, folder: options.folder ?? join(root.path, 'certificates'), integrityKey: options.integrityKey ?? key });
const details = (n: number) => ({ refusedAt: `2026-12-01T00:00:0${n}.000Z`, source: '127.0.0.1:69', fileName: 'CTLFile.tlv', reason: `reason ${n}` });

beforeEach(async () => {
  root = await tempDir('refused-store');
  dir = join(root.path, 'home', 'trust', 'refused', 'abc');
});
afterEach(async () => {
  await root.remove();
});

describe('RefusedCtlStore', () => {
  it(`keeps the last ${REFUSED_KEEP}, newest first, each file once and mode 0600`, async () => {
    const files = [1, 2, 3, 4].map((n) => Buffer.from(`refused list ${n}`));
    for (const [i, bytes] of files.entries()) await store().keep(bytes, details(i + 1));
    await store().keep(files[1]!, details(5));
    const listed = await store().list();
    expect(listed.map((e) => e.sha256)).toEqual([files[1], files[3], files[2]].map((b) => sha256Hex(b!)));
    expect(listed[0]).toMatchObject({ refusedAt: details(5).refusedAt, bytes: files[1] });
    const names = (await readdir(dir)).sort();
    expect(names).toEqual([...listed.map((e) => `${e.sha256}.tlv`), REFUSED_INDEX_FILE_NAME].sort());
    for (const name of names) expect((await stat(join(dir, name))).mode & 0o777).toBe(0o600);
  });

  it('reports a kept file whose bytes were swapped, or that is missing, instead of handing it out', async () => {
    const entry = await store().keep(Buffer.from('the refused bytes'), details(1));
    await writeFile(join(dir, `${entry.sha256}.tlv`), 'other bytes');
    expect(await store().list()).toEqual([expect.objectContaining({ problem: expect.stringContaining('is not the one that was kept') })]);
    await writeFile(join(dir, `${entry.sha256}.tlv`), '');
    const [swapped] = await store().list();
    expect(swapped && 'bytes' in swapped).toBe(false);
  });

  it('reports an entry changed on disk (its HMAC), and one sealed with another key', async () => {
    await store().keep(Buffer.from('bytes'), details(1));
    const indexPath = join(dir, REFUSED_INDEX_FILE_NAME);
    const index = JSON.parse(await readFile(indexPath, 'utf8')) as { entries: { source: string }[] };
    index.entries[0]!.source = '10.6.6.6:69';
    await writeFile(indexPath, JSON.stringify(index));
    expect(await store().list()).toEqual([expect.objectContaining({ problem: expect.stringContaining('fails its integrity check') })]);
    await store().keep(Buffer.from('bytes 2'), details(2));
    expect((await store({ integrityKey: randomBytes(32) }).list()).every((e) => 'problem' in e)).toBe(true);
  });

  it('treats an index of another folder, or a damaged one, as empty', async () => {
    await store().keep(Buffer.from('bytes'), details(1));
    expect(await store({ folder: join(root.path, 'elsewhere') }).list()).toEqual([]);
    await writeFile(join(dir, REFUSED_INDEX_FILE_NAME), '{not json');
    expect(await store().list()).toEqual([]);
  });

  it('removes an adopted entry and its file', async () => {
    const first = await store().keep(Buffer.from('one'), details(1));
    await store().keep(Buffer.from('two'), details(2));
    await store().remove(first.sha256);
    expect((await store().list()).map((e) => e.reason)).toEqual(['reason 2']);
    expect(await readdir(dir)).not.toContain(`${first.sha256}.tlv`);
  });
});
