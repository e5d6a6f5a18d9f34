/**
 * The machine-wide preset (shared/preset.ts) on disk: preset.json in a folder only administrators can
 * write. It is read as the defaults of every user of the PC; a file another user could have changed, a
 * link, or a document that fails a rule is refused as a whole, naming the file and the fault. Windows:
 * the owners and ACLs of folder and file (windows-acl.ts); elsewhere their POSIX owners and modes.
 */
import { constants, type Stats } from 'node:fs';
import { lstat, open } from 'node:fs/promises';
import { join } from 'node:path';
import { CtiError, toCtiError } from '../../shared/errors.ts';
import { PRESET_FILE_NAME, validatePreset, type Preset } from '../../shared/preset.ts';
import type { FirstUseRule } from './ctl/trust-store.ts';
import { inheritFolderAclCommand, lockFolderCommand, powerShellSddlReader, untrustedChangers, type SddlReader } from './windows-acl.ts';

const MAX_PRESET_BYTES = 1024 * 1024;
const GROUP_OR_OTHER_WRITE = 0o022;
const ROOT_UID = 0;

/** Where the preset folder is: CTIPREFS_PRESET_DIR (tests, and administrators who keep it elsewhere), or the OS's machine-wide folder. */
export function presetDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.CTIPREFS_PRESET_DIR) return env.CTIPREFS_PRESET_DIR;
  if (platform === 'win32') return join(env.ProgramData ?? 'C:\\ProgramData', 'ctiprefs');
  if (platform === 'darwin') return '/Library/Application Support/ctiprefs';
  return '/etc/ctiprefs';
}

function unsafe(path: string, problem: string, fix: string): CtiError {
  return new CtiError('HOME_UNSAFE', `The preset ${path} ${problem}, so it is not used; ${fix}`);
}

/** Only an administrator (or the user running ctiprefs, for a preset of their own) may be able to change it. */
function checkWriters(path: string, stats: Stats, what: 'file' | 'folder'): void {
  const uid = process.getuid?.();
  if (stats.uid !== ROOT_UID && stats.uid !== uid) {
    throw unsafe(path, `${what === 'file' ? 'belongs' : 'is in a folder that belongs'} to user id ${stats.uid}, not to root or you`, `run "chown root ${path}"`);
  }
  if (stats.mode & GROUP_OR_OTHER_WRITE) {
    throw unsafe(path, `${what === 'file' ? 'can' : 'is in a folder that can'} be changed by other users (mode ${(stats.mode & 0o777).toString(8)})`, `run "chmod go-w ${path}"`);
  }
}

/**
 * Windows: only SYSTEM, Administrators or TrustedInstaller may own or be able to change folder and file.
 * Permissions that cannot be read refuse the preset too: an unchecked preset is not trusted.
 */
async function checkWindowsWriters(dir: string, path: string, readSddl: SddlReader): Promise<void> {
  let sddl: string[];
  try {
    sddl = await readSddl([dir, path]);
  } catch (err) {
    throw unsafe(path, `could not be checked (${(err as Error).message})`, 'make sure Windows PowerShell can run, then try again');
  }
  const [folderSddl = '', fileSddl = ''] = sddl;
  const folderProblem = untrustedChangers(folderSddl);
  if (folderProblem) {
    throw unsafe(dir, `is in a folder that ${folderProblem}`, `run the ctiprefs installer again, or as an administrator: ${lockFolderCommand(dir)}; then check that ${PRESET_FILE_NAME} is yours`);
  }
  const fileProblem = untrustedChangers(fileSddl);
  if (fileProblem) {
    throw unsafe(path, fileProblem, `if an administrator did not put it there, delete it; otherwise as an administrator: ${inheritFolderAclCommand(path)}`);
  }
}

export interface PresetChecks {
  /** The OS whose rules apply (tests pass win32 on Linux). */
  platform?: NodeJS.Platform;
  /** Windows: reads the SDDL of folder and file (tests pass one; PowerShell otherwise). */
  readSddl?: SddlReader;
}

/** The preset of `dir`, or null when there is none; throws naming the file when it cannot be used. */
export async function readPreset(dir: string, checks: PresetChecks = {}): Promise<Preset | null> {
  const path = join(dir, PRESET_FILE_NAME);
  const windows = (checks.platform ?? process.platform) === 'win32';
  let text: string;
  try {
    const folder = await lstat(dir);
    if (folder.isSymbolicLink() || !folder.isDirectory()) throw unsafe(dir, 'folder is a symbolic link or not a folder', 'make it a real folder');
    if (!windows) checkWriters(dir, folder, 'folder');
    const entry = await lstat(path);
    if (entry.isSymbolicLink()) throw unsafe(path, 'is a symbolic link', 'put the file itself there');
    // The folder admits no one else, so the file checked here is the one opened next.
    if (windows) await checkWindowsWriters(dir, path, checks.readSddl ?? powerShellSddlReader());
    // O_NOFOLLOW: a link swapped in after the check is not followed either.
    const handle = await open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
    try {
      const stats = await handle.stat();
      if (!stats.isFile()) throw unsafe(path, 'is not a regular file', 'put a JSON file there');
      if (!windows) checkWriters(path, stats, 'file');
      if (stats.size > MAX_PRESET_BYTES) throw new CtiError('BAD_INPUT', `The preset ${path} is larger than ${MAX_PRESET_BYTES} bytes`);
      text = await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    if (err instanceof CtiError) throw err;
    throw toCtiError(err, { path });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new CtiError('BAD_INPUT', `The preset ${path} is not valid JSON (${(err as Error).message}); fix it or remove it`);
  }
  const checked = validatePreset(value);
  if (!checked.ok) throw new CtiError('BAD_INPUT', `The preset ${path}: ${checked.message}; nothing of it is used`);
  return checked.value;
}

/** The preset's expected CTL signer for a profile: a managed profile is never trusted on first use. */
export function presetFirstUse(preset: Preset | null, profileId: string): FirstUseRule {
  // Own keys only: a profile named "constructor" must not find Object's.
  const signer = preset && Object.hasOwn(preset.expectedSigners, profileId) ? preset.expectedSigners[profileId] : undefined;
  return signer ? { expectedSignerFingerprintSha256: signer } : {};
}
