/**
 * The home folder (settings, status, logs, default certificates) must be a folder this user can write:
 * created when missing, otherwise refused with an error naming the path before any command uses it.
 */
import { accessSync, constants, existsSync, mkdirSync, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CtiError } from '../../../shared/errors.ts';
import { fileSystemError } from './fs-errors.ts';

export function prepareHomeFolder(home: string): void {
  let stats: Stats;
  try {
    stats = statSync(home);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw fileSystemError(err, `Home folder ${home}`);
    try {
      createFolders(home);
    } catch (mkdirError) {
      throw fileSystemError(mkdirError, `Cannot create the home folder ${home}`);
    }
    return;
  }
  if (!stats.isDirectory()) throw new CtiError('BAD_INPUT', `Home folder ${home} is a file, not a folder`);
  try {
    accessSync(home, constants.W_OK);
  } catch (err) {
    throw fileSystemError(err, `Home folder ${home} cannot be written`);
  }
}

/** One folder at a time: a recursive mkdir reports ENOENT where the real reason is, e.g., EROFS. */
function createFolders(path: string): void {
  const missing: string[] = [];
  for (let dir = resolve(path); !existsSync(dir) && dirname(dir) !== dir; dir = dirname(dir)) missing.unshift(dir);
  for (const dir of missing) {
    try {
      mkdirSync(dir, { mode: 0o700 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}
