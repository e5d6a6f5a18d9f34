/**
 * `--lab` for the desktop app and the preview: start the built-in lab under the home folder and point a
 * profile named "lab" at it (saved through the AppService, as the UI would), making it the active profile.
 */
import type { Settings, Profile } from '../shared/profile.ts';
import { defaultProfile } from '../shared/profile.ts';
import type { ChannelHandler } from './ipc-dispatch.ts';
import type { Logger } from './core/log.ts';
import { homeLayout } from './core/paths.ts';
import { startLab, type Lab } from './lab/lab.ts';
import type { LabInstanceProfile } from './lab/profiles.ts';

export const LAB_PROFILE_ID = 'lab';
export const LAB_USER_NAME = 'labuser';

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
