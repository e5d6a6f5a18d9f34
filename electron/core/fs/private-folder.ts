/**
 * The home folder holds settings, status, logs and trust markers: a folder there that another local user
 * can write lets that user swap files under us (a symlink to the victim's shell start-up file as the log, a
 * forged settings file). So the home and every folder under it must be a real folder (no symlink), owned by
 * this user and not writable by group or others; anything else is refused with the fix named.
 */
import { lstatSync, mkdirSync, readdirSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { CtiError } from '../../../shared/errors.ts';

const GROUP_OR_OTHER_WRITE = 0o022;
/** Deep enough for the home's own layout (home/certificates/..., home/lab/...); deeper trees are not ours. */
const MAX_DEPTH = 4;

function unsafe(path: string, problem: string, fix: string): CtiError {
  return new CtiError('HOME_UNSAFE', `The folder ${path} ${problem}; ${fix}`);
}

function checkFolder(path: string, stats: Stats): void {
  if (stats.isSymbolicLink()) throw unsafe(path, 'is a symbolic link', 'replace it with a real folder');
  if (!stats.isDirectory()) throw unsafe(path, 'is not a folder', 'move the file away or choose another --home');
  // Windows protects folders with ACLs, not mode bits or POSIX owners.
  if (process.platform === 'win32') return;
  const uid = process.getuid?.();
  if (uid !== undefined && stats.uid !== uid) {
    throw unsafe(path, `belongs to user id ${stats.uid}, not to you (${uid})`, `run "chown ${uid} ${path}" or choose another --home`);
  }
  if (stats.mode & GROUP_OR_OTHER_WRITE) {
    const mode = (stats.mode & 0o777).toString(8);
    throw unsafe(path, `can be changed by other users (mode ${mode})`, `run "chmod go-w ${path}"`);
  }
}

function checkTree(path: string, depth: number): void {
  checkFolder(path, lstatSync(path));
  if (depth >= MAX_DEPTH) return;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.isDirectory() || entry.isSymbolicLink()) {
      const child = join(path, entry.name);
      const stats = lstatSync(child);
      if (stats.isSymbolicLink()) throw unsafe(child, 'is a symbolic link', 'remove it: nothing in the home folder may point elsewhere');
      if (stats.isDirectory()) checkTree(child, depth + 1);
    }
  }
}

/** Creates the home (mode 700) when it is missing, then checks it and the folders under it. */
export function ensurePrivateHome(home: string): void {
  try {
    mkdirSync(home, { recursive: true, mode: 0o700 });
    checkTree(home, 0);
  } catch (err) {
    if (err instanceof CtiError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? '';
    throw new CtiError('HOME_UNSAFE', `The home folder ${home} cannot be used (${code || (err as Error).message}); choose another --home`, { cause: err });
  }
}
