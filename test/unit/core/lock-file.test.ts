/** Lock files: one owner at a time, a dead or reused pid is stale, a lock being written is not. */
import { spawnSync } from 'node:child_process';
import { readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tryLock, withLock } from '../../../electron/core/fs/lock-file.ts';
import { tempDir } from '../../helpers/temp.ts';

let dir: Awaited<ReturnType<typeof tempDir>>;
let path: string;
beforeEach(async () => {
  dir = await tempDir('lock');
  path = join(dir.path, 'locks', 'p.lock');
});
afterEach(() => dir.remove());

/** A pid that certainly belonged to a process that has exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}

const lockText = (fields: Record<string, unknown>) => JSON.stringify({ since: '2026-01-01T00:00:00.000Z', token: 'other', ...fields });

describe('tryLock', () => {
  it('gives the lock to one taker and names the owner to the next, until released', async () => {
    const first = await tryLock(path, { profile: 'p1' });
    expect(first.acquired).toBe(true);
    const second = await tryLock(path);
    expect(second).toMatchObject({ acquired: false, owner: { pid: process.pid, about: { profile: 'p1' } } });
    if (first.acquired) await first.lock.release();
    const third = await tryLock(path);
    expect(third.acquired).toBe(true);
  });

  it('takes over a lock whose process is dead', async () => {
    await tryLock(path).then((a) => a.acquired || Promise.reject(new Error('setup')));
    await writeFile(path, lockText({ pid: deadPid() }));
    const attempt = await tryLock(path);
    expect(attempt.acquired).toBe(true);
    expect(JSON.parse(await readFile(path, 'utf8')).pid).toBe(process.pid);
  });

  it('takes over a lock whose pid now belongs to another process (start time differs)', async () => {
    await tryLock(path).then((a) => a.acquired || Promise.reject(new Error('setup')));
    await writeFile(path, lockText({ pid: process.pid, pidStart: '1' }));
    expect((await tryLock(path)).acquired).toBe(process.platform === 'linux');
  });

  it('waits for a lock file that is being written, and breaks one left half-written long ago', async () => {
    await tryLock(path).then((a) => a.acquired || Promise.reject(new Error('setup')));
    await writeFile(path, '');
    expect(await tryLock(path)).toEqual({ acquired: false, owner: null });
    const old = new Date(Date.now() - 60_000);
    await utimes(path, old, old);
    expect((await tryLock(path)).acquired).toBe(true);
  });

  it('never releases a lock it does not own', async () => {
    const first = await tryLock(path);
    if (!first.acquired) throw new Error('setup');
    await writeFile(path, lockText({ pid: process.pid }));
    await first.lock.release();
    expect(JSON.parse(await readFile(path, 'utf8')).token).toBe('other');
  });
});

describe('withLock', () => {
  it('runs tasks one at a time and says who holds the lock when waiting runs out', async () => {
    const order: string[] = [];
    const task = (name: string) => async () => {
      order.push(`${name} in`);
      await new Promise((resolve) => setTimeout(resolve, 30));
      order.push(`${name} out`);
    };
    const busy = () => new Error('busy');
    await Promise.all([withLock(path, task('a'), { waitMs: 5_000, busy }), withLock(path, task('b'), { waitMs: 5_000, busy })]);
    expect([order.slice(0, 2), order.slice(2)].map((pair) => pair[0]!.split(' ')[0] === pair[1]!.split(' ')[0])).toEqual([true, true]);

    const held = await tryLock(path);
    if (!held.acquired) throw new Error('setup');
    await expect(withLock(path, async () => 'ran', { waitMs: 50, busy: (owner) => new Error(`held by ${owner?.pid}`) })).rejects.toThrow(`held by ${process.pid}`);
    await held.lock.release();
  });
});
