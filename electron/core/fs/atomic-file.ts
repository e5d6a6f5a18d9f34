/**
 * Atomic, durable file writes: temp file in the same folder, fsync, rename, fsync the folder.
 * A reader sees the old file or the new one, never half of either, even after a power loss.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { toCtiError } from '../../../shared/errors.ts';

/** Errors are typed and name the file (a full disk: STORAGE, "PATH: the disk is full (ENOSPC)"). */
export async function writeFileAtomic(path: string, data: Buffer | string, mode = 0o600): Promise<void> {
  try {
    await writeAtomically(path, data, mode);
  } catch (err) {
    throw toCtiError(err, { path });
  }
}

async function writeAtomically(path: string, data: Buffer | string, mode: number): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  let renamed = false;
  try {
    const handle = await open(temp, 'wx', mode);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
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
