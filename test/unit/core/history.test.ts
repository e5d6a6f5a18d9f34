/** The operation history on disk: newest first, 20 per profile, damaged entries dropped, never a failed enrollment. */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HISTORY_LIMIT, HistoryStore, recordOperation, type OperationRecord } from '../../../electron/core/history.ts';
import { memoryLogger } from '../../../electron/core/log.ts';
import { supportBundleText } from '../../../electron/core/support-bundle.ts';
import { tempDir } from '../../helpers/temp.ts';

let dir: Awaited<ReturnType<typeof tempDir>>;
beforeEach(async () => {
  dir = await tempDir('history');
});
afterEach(() => dir.remove());

const record = (attempts: number): OperationRecord => ({
  startedAt: '2026-12-01T10:00:00.000Z',
  endedAt: '2026-12-01T10:00:01.000Z',
  outcome: 'failed',
  code: 'NETWORK_TIMEOUT',
  attempts,
  capfServer: '10.0.0.5:3804',
});

describe('HistoryStore', () => {
  it('keeps the last 20 operations per profile, newest first, side by side for several profiles', async () => {
    const store = new HistoryStore(join(dir.path, 'history.json'));
    await Promise.all(Array.from({ length: 25 }, (_, i) => store.add('p1', record((i % 4) + 1))));
    await store.add('p2', record(2));
    const all = await store.all();
    expect(all.p1).toHaveLength(HISTORY_LIMIT);
    expect(all.p2).toEqual([record(2)]);
    expect(all.p1![0]).toEqual(record((24 % 4) + 1));
  });

  it('drops damaged entries instead of failing', async () => {
    const path = join(dir.path, 'history.json');
    await writeFile(path, JSON.stringify({ version: 1, profiles: { p1: [record(1), { outcome: 'exploded' }], 'BAD ID': [record(1)] } }));
    expect(await new HistoryStore(path).all()).toEqual({ p1: [record(1)] });
  });

  it('never lets a history that cannot be written fail the operation; the log says so', async () => {
    const blocker = join(dir.path, 'file');
    await writeFile(blocker, 'not a folder');
    const logger = memoryLogger();
    await recordOperation({ history: new HistoryStore(join(blocker, 'history.json')), logger }, 'p1', record(1));
    expect(logger.lines.join('\n')).toContain('history.write-failed');
    expect(await readFile(blocker, 'utf8')).toBe('not a folder');
  });
});

describe('supportBundleText', () => {
  it('refuses a bundle that looks like it holds a private key', () => {
    expect(supportBundleText({ ok: 1 })).toBe('{\n  "ok": 1\n}\n');
    expect(() => supportBundleText({ log: ['-----BEGIN PRIVATE KEY-----'] })).toThrow(/would contain a private key/);
  });
});
