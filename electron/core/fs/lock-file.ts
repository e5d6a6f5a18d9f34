/**
 * Exclusive lock files between processes (the desktop app and CLI runs on one home). A lock is a file
 * created with O_CREAT|O_EXCL holding its owner's pid and start time; a lock whose pid is dead is stale
 * and is broken by the next taker. O_EXCL never follows a symbolic link, so a planted link cannot redirect it.
 */
import { toCtiError } from '../../../shared/errors.ts';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { link, mkdir, open, readFile, rm, rename, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface LockOwner {
  pid: number;
  /** The process's start time as the kernel counts it (Linux), so a reused pid is not taken for the owner. */
  pidStart?: string;
  /** ISO time the lock was taken. */
  since: string;
  /** Random, so a process releases only its own lock even after a stale one was replaced. */
  token: string;
  /** Whatever the taker wants a refused caller to read (profile, user, instance ID). */
  about?: Record<string, string>;
}

export interface HeldLock {
  readonly path: string;
  release(): Promise<void>;
}

export type LockAttempt = { acquired: true; lock: HeldLock } | { acquired: false; owner: LockOwner | null };

// A lock file that does not parse may be one being written right now; only an old one is stale.
const HALF_WRITTEN_GRACE_MS = 10_000;
const WAIT_STEP_MS = 25;

/** Takes the lock, or says who holds it (null: a lock file that cannot be read yet). */
export async function tryLock(path: string, about?: Record<string, string>): Promise<LockAttempt> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  // A few rounds: each round either takes the lock, finds a live owner, or breaks one stale lock.
  for (let round = 0; round < 3; round++) {
    const pidStart = ownStart();
    const owner: LockOwner = {
      pid: process.pid,
      ...(pidStart ? { pidStart } : {}),
      since: new Date().toISOString(),
      token: randomBytes(8).toString('hex'),
      ...(about ? { about } : {}),
    };
    if (await createExclusive(path, `${JSON.stringify(owner)}\n`)) {
      return { acquired: true, lock: { path, release: () => releaseIfOwned(path, owner.token) } };
    }
    const seen = await readLock(path);
    if (seen === 'gone') continue;
    if (seen.owner && ownerAlive(seen.owner)) return { acquired: false, owner: seen.owner };
    if (!seen.owner && Date.now() - seen.mtimeMs < HALF_WRITTEN_GRACE_MS) return { acquired: false, owner: null };
    await breakStale(path, seen.text);
  }
  const seen = await readLock(path);
  return { acquired: false, owner: seen === 'gone' ? null : seen.owner };
}

/** Runs `task` holding the lock, waiting up to `waitMs` for it; `busy` builds the error when it stays taken. */
export async function withLock<T>(
  path: string,
  task: () => Promise<T>,
  options: { waitMs: number; busy: (owner: LockOwner | null) => Error },
): Promise<T> {
  const deadline = Date.now() + options.waitMs;
  for (;;) {
    const attempt = await tryLock(path);
    if (attempt.acquired) {
      try {
        return await task();
      } finally {
        await attempt.lock.release();
      }
    }
    if (Date.now() >= deadline) throw options.busy(attempt.owner);
    await sleep(WAIT_STEP_MS);
  }
}

async function createExclusive(path: string, text: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw toCtiError(err, { path });
  }
  try {
    await handle.writeFile(text);
  } catch (err) {
    // A half-written lock (a full disk) must not block the next run: it is removed, and the error names it.
    await handle.close();
    handle = undefined;
    await rm(path, { force: true });
    throw toCtiError(err, { path });
  } finally {
    await handle?.close();
  }
  return true;
}

async function readLock(path: string): Promise<'gone' | { text: string; owner: LockOwner | null; mtimeMs: number }> {
  try {
    const [text, info] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    return { text, owner: parseOwner(text), mtimeMs: info.mtimeMs };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw err;
  }
}

function parseOwner(text: string): LockOwner | null {
  try {
    const value = JSON.parse(text) as Partial<LockOwner>;
    if (!Number.isInteger(value.pid) || typeof value.since !== 'string' || typeof value.token !== 'string') return null;
    return value as LockOwner;
  } catch {
    return null;
  }
}

/** True while the owner's process exists (EPERM: it exists, owned by someone else) and is the same process. */
function ownerAlive(owner: LockOwner): boolean {
  if (owner.pid <= 0) return false;
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const start = owner.pidStart === undefined ? null : processStart(owner.pid);
  return start === null || start === owner.pidStart;
}

let ownStartRead: string | undefined;

/**
 * This process's own start time, read once it was read: it never changes, and a read of /proc/self/stat
 * waits for the process's memory map lock, which the thread pool and V8's threads hold often (up to 4 ms
 * here, 7 locks a run). A failed read (no /proc, no file descriptor left) is tried again at the next lock.
 */
function ownStart(): string | null {
  ownStartRead ??= processStart(process.pid) ?? undefined;
  return ownStartRead ?? null;
}

/** Field 22 of /proc/PID/stat (start time in clock ticks since boot); null where there is no /proc. */
function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count from the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/**
 * Moves the stale lock aside (rename is atomic), and puts it back if what was moved is not the stale lock
 * that was read: another process may have broken it and taken a fresh one in between.
 */
async function breakStale(path: string, staleText: string): Promise<void> {
  const aside = `${path}.stale-${randomBytes(6).toString('hex')}`;
  try {
    await rename(path, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  try {
    const moved = await readFile(aside, 'utf8');
    if (moved !== staleText) await link(aside, path).catch(() => undefined);
  } finally {
    await rm(aside, { force: true });
  }
}

async function releaseIfOwned(path: string, token: string): Promise<void> {
  const seen = await readLock(path);
  if (seen !== 'gone' && seen.owner?.token === token) await rm(path, { force: true });
}
