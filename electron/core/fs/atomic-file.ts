/**
 * Atomic, durable file writes: temp file in the same folder, fsync, rename, fsync the folder.
 * A reader sees the old file or the new one, never half of either, even after a power loss.
 * A writer killed before its rename leaves its temp file behind; `removeStaleTempFiles` clears those.
 */
import { randomBytes } from 'node:crypto';
import { lstatSync, readdirSync, unlinkSync } from 'node:fs';
import { link, mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { toCtiError } from '../../../shared/errors.ts';

/** `.NAME.PID.RANDOM.tmp`: the writer's pid tells a killed writer's leftovers from a write in progress. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/** Temp file names; the pid is missing in names written before it was added. */
const TEMP_NAME = /^\..+?\.(?:(\d+)\.)?[0-9a-f]{12}\.tmp$/;

/** No write takes this long between creating its temp file and renaming it. */
export const STALE_TEMP_AGE_MS = 60_000;

/** Errors are typed and name the file (a full disk: STORAGE, "PATH: the disk is full (ENOSPC)"). */
export async function writeFileAtomic(path: string, data: Buffer | string, mode = 0o600): Promise<void> {
  try {
    await writeAtomically(path, data, mode, rename);
  } catch (err) {
    throw toCtiError(err, { path });
  }
}

/**
 * Like writeFileAtomic, but never replaces a file: the finished temp file is hard-linked to the name,
 * which fails with EEXIST when another writer got there first (a check beforehand would leave that race).
 */
export async function writeNewFileAtomic(path: string, data: Buffer | string, mode = 0o600): Promise<void> {
  await writeAtomically(path, data, mode, async (temp, target) => {
    await link(temp, target);
    await rm(temp, { force: true });
  });
}

async function writeAtomically(path: string, data: Buffer | string, mode: number, publish: (temp: string, path: string) => Promise<void>): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temp = tempPathFor(path);
  let renamed = false;
  try {
    const handle = await open(temp, 'wx', mode);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await publish(temp, path);
    renamed = true;
    await syncDirectory(dir);
  } finally {
    if (!renamed) await rm(temp, { force: true });
  }
}

async function syncDirectory(dir: string): Promise<void> {
  // Windows cannot open a folder for fsync; the rename is already durable enough there.
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Removes the temp files a killed writer left in `dir`: those whose writer process is gone, and any older
 * than STALE_TEMP_AGE_MS. Returns the names removed; a folder that cannot be read is left to its store.
 */
export function removeStaleTempFiles(dir: string, now: number = Date.now()): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const match = TEMP_NAME.exec(name);
    if (!match) continue;
    const path = join(dir, name);
    try {
      const stats = lstatSync(path);
      if (!stats.isFile()) continue;
      const pid = match[1] === undefined ? undefined : Number(match[1]);
      const writerGone = pid !== undefined && pid !== process.pid && !processExists(pid);
      if (!writerGone && now - stats.mtimeMs < STALE_TEMP_AGE_MS) continue;
      unlinkSync(path);
      removed.push(name);
    } catch {
      // Renamed or removed by its writer meanwhile, or not ours to remove: leave it.
    }
  }
  return removed;
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
