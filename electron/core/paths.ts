/**
 * Where ctiprefs keeps its files. The CLI and the desktop app share one per-user folder, the same one
 * Electron calls userData for an app named "ctiprefs", so both see the same profiles and certificates.
 */
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { FOLDER_ID_HEX_DIGITS } from '../../shared/fields.ts';

export const APP_NAME = 'ctiprefs';

export function defaultHome(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.CTIPREFS_HOME) return resolve(env.CTIPREFS_HOME);
  const home = env.HOME ?? homedir();
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), APP_NAME);
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', APP_NAME);
  return join(env.XDG_CONFIG_HOME ?? join(home, '.config'), APP_NAME);
}

/** The files under one home folder. */
export interface HomeLayout {
  home: string;
  settingsFile: string;
  statusFile: string;
  logFile: string;
  defaultCertificateDir: string;
  labDir: string;
  /** One marker per certificate folder that holds a trusted CTL (see ctl/trust-store.ts). */
  trustMarkersDir: string;
  /** Lock files: one per profile while its certificate update runs, one per shared document. */
  locksDir: string;
  /** Sealed authentication strings of running enrollments (see resume-seal.ts). */
  resumeDir: string;
}

export function homeLayout(home: string): HomeLayout {
  return {
    home,
    settingsFile: join(home, 'settings.json'),
    statusFile: join(home, 'status.json'),
    logFile: join(home, 'logs', 'ctiprefs.log'),
    defaultCertificateDir: join(home, 'certificates'),
    labDir: join(home, 'lab'),
    trustMarkersDir: join(home, 'trust'),
    locksDir: join(home, 'locks'),
    resumeDir: join(home, 'resume'),
  };
}

/** A profile's certificate folder: its own path when set (relative paths resolve against home). */
export function certificateDir(layout: HomeLayout, certificatePath: string): string {
  if (!certificatePath) return layout.defaultCertificateDir;
  return isAbsolute(certificatePath) ? certificatePath : resolve(layout.home, certificatePath);
}

/**
 * A short stable id of a folder (first 16 hex digits of the SHA-256 of its absolute path): it names the
 * vault entries and the trust marker of that folder, so two homes or two folders never share, overwrite or
 * delete each other's.
 */
export function folderId(dir: string): string {
  return createHash('sha256').update(resolve(dir)).digest('hex').slice(0, FOLDER_ID_HEX_DIGITS);
}
