import { defaultProfile, type Profile } from '../../shared/profile.ts';
import type { Lab } from '../../electron/lab/lab.ts';

/** A profile pointed at a running lab for one instance ID, with the default device name template. */
export function profileForLab(lab: Pick<Lab, 'tftp' | 'capf'>, instanceId: string, overrides: Partial<Profile> = {}): Profile {
  return {
    ...defaultProfile(`p-${instanceId.toLowerCase()}`),
    userName: 'labuser',
    instanceId,
    tftpServers: [`${lab.tftp.host}:${lab.tftp.port}`],
    capfHost: lab.capf.host,
    capfPort: lab.capf.port,
    ...overrides,
  };
}
