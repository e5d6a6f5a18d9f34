/**
 * Which CTIManager a profile's connection test talks to: its own field, else the first TFTP server's host;
 * 2749 with TLS (secure connection on), 2748 without.
 */
import { CTIMANAGER_PORT, CTIMANAGER_TLS_PORT, DEFAULT_TFTP_PORT, parseEndpoint } from '../../../shared/fields.ts';
import type { Profile } from '../../../shared/profile.ts';

export function ctiManagerEndpoint(profile: Pick<Profile, 'ctiManagerServer' | 'tftpServers' | 'secureConnection'>) {
  const port = profile.secureConnection ? CTIMANAGER_TLS_PORT : CTIMANAGER_PORT;
  if (profile.ctiManagerServer) return parseEndpoint(profile.ctiManagerServer, port, 'CTIManager server');
  const first = parseEndpoint(profile.tftpServers[0], DEFAULT_TFTP_PORT, 'TFTP server');
  return 'error' in first ? first : { host: first.host, port };
}
