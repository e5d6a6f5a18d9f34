/**
 * `--lab` for the desktop app and the preview: start the built-in lab under the home folder and point a
 * profile named "lab" at it (saved through the AppService, as the UI would), making it the active profile.
 * A lab session never touches the user's real setup: without `--home` its home is a folder of its own next
 * to the real one (profile, trust list, keystores, status, log), and its secrets (keystore passwords, the
 * trust list's integrity key, a sealed authentication string) live under a vault service of its own.
 */
import type { Settings, Profile } from '../shared/profile.ts';
import { defaultProfile } from '../shared/profile.ts';
import type { ChannelHandler } from './ipc-dispatch.ts';
import type { Logger } from './core/log.ts';
import { resolve } from 'node:path';
import { DEFAULT_VAULT_SERVICE } from './core/keystore/vault.ts';
import { defaultHome, homeLayout } from './core/paths.ts';
import type { ShellArgs } from './shell-args.ts';
import { startLab, type Lab } from './lab/lab.ts';
import type { LabInstanceProfile } from './lab/profiles.ts';

export const LAB_PROFILE_ID = 'lab';
export const LAB_USER_NAME = 'labuser';
/** The OS vault service of lab sessions; the real one is DEFAULT_VAULT_SERVICE ("ctiprefs"). */
export const LAB_VAULT_SERVICE = 'ctiprefs-lab';

/** The home of a window session: `--home` as given, otherwise the real home, or with `--lab` its lab sibling. */
export function sessionHome(args: Pick<ShellArgs, 'lab' | 'home'>, env: NodeJS.ProcessEnv = process.env): string {
  if (args.home !== undefined) return resolve(args.home);
  const real = defaultHome(env);
  return args.lab ? `${real}-lab` : real;
}

/** The vault service a window session keeps its secrets under. */
export function sessionVaultService(args: Pick<ShellArgs, 'lab'>): string {
  return args.lab ? LAB_VAULT_SERVICE : DEFAULT_VAULT_SERVICE;
}

type LabEndpoints = Pick<Lab, 'tftp' | 'capf' | 'ctiManager' | 'profiles'>;

/** The profile a user would type in to use this lab: its first CAPF profile, its servers. */
export function labProfile(lab: LabEndpoints): Profile {
  const first = lab.profiles[0];
  if (!first) throw new Error('The lab has no CAPF profile');
  return {
    ...defaultProfile(LAB_PROFILE_ID),
    userName: LAB_USER_NAME,
    instanceId: first.instanceId,
    tftpServers: [`${lab.tftp.host}:${lab.tftp.port}`],
    capfHost: lab.capf.host,
    capfPort: lab.capf.port,
    // The lab's CTIManager listens on a free port, not 2749.
    ctiManagerServer: `${lab.ctiManager.host}:${lab.ctiManager.port}`,
    // The lab's CTL must never become the trusted CTL of the real clusters' default folder.
    certificatePath: 'lab/certificates',
  };
}

/** Replaces (or adds) the lab profile and makes it active; other profiles stay as they were. */
export function withProfile(settings: Settings, profile: Profile): Settings {
  return {
    ...settings,
    profiles: [...settings.profiles.filter((p) => p.id !== profile.id), profile],
    activeProfileId: profile.id,
  };
}

export async function startLabSession(options: {
  home: string;
  service: ChannelHandler;
  profiles?: LabInstanceProfile[];
  logger?: Logger;
}): Promise<Lab> {
  const lab = await startLab({
    dir: homeLayout(options.home).labDir,
    ...(options.profiles?.length ? { profiles: options.profiles } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  try {
    const settings = await options.service.handle('settings:get', undefined);
    await options.service.handle('settings:save', withProfile(settings, labProfile(lab)));
    return lab;
  } catch (err) {
    await lab.close();
    throw err;
  }
}
