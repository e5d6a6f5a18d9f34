/**
 * Writing the CTI OS files: never over an existing file (a good key or certificate is never replaced), and
 * all-or-nothing: every target is checked before the first byte is written, and a failure removes what
 * this call already wrote. Each file is written atomically, private (0600) by default.
 */
import { lstat, rm } from 'node:fs/promises';
import { CtiError, toCtiError } from '../../../shared/errors.ts';
import { writeNewFileAtomic } from '../fs/atomic-file.ts';

export interface NewFile {
  path: string;
  data: string | Buffer;
  /** 0600 unless the file is public (a certificate, a request). */
  mode?: number;
}

export const PUBLIC_FILE_MODE = 0o644;

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

function alreadyExists(path: string): CtiError {
  return new CtiError('BAD_INPUT', `${path} already exists and is kept; move it away first to make a new one`);
}

export async function writeNewFiles(files: NewFile[]): Promise<void> {
  for (const file of files) {
    if (await exists(file.path)) throw alreadyExists(file.path);
  }
  const written: string[] = [];
  try {
    for (const file of files) {
      // Checked again as it is written: another writer may have made the file since the check above.
      try {
        await writeNewFileAtomic(file.path, file.data, file.mode ?? 0o600);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw alreadyExists(file.path);
        throw toCtiError(err, { path: file.path });
      }
      written.push(file.path);
    }
  } catch (err) {
    await Promise.all(written.map((path) => rm(path, { force: true })));
    throw err;
  }
}
