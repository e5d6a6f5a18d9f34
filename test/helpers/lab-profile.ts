import { defaultProfile, type Profile } from '../../shared/profile.ts';
import type { Lab } from '../../electron/lab/lab.ts';

/** A profile pointed at a running lab's TFTP and CAPF servers, with the default device name template. */
export function profileForLab(lab: Pick<Lab, 'tftp' | 'capf'>, id: string, instanceId: string, overrides: Partial<Profile> = {}): Profile {
  return {
    ...defaultProfile(id),
    userName: 'labuser',
    instanceId,
    tftpServers: [`${lab.tftp.host}:${lab.tftp.port}`],
    capfHost: lab.capf.host,
    capfPort: lab.capf.port,
    ...overrides,
  };
}
