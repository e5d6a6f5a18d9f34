/** Which CTIManager a profile's connection test talks to: its own field, else the first TFTP server's host on 2749. */
import { CTIMANAGER_TLS_PORT, DEFAULT_TFTP_PORT, parseEndpoint } from '../../../shared/fields.ts';
import type { Profile } from '../../../shared/profile.ts';

export function ctiManagerEndpoint(profile: Pick<Profile, 'ctiManagerServer' | 'tftpServers'>) {
  if (profile.ctiManagerServer) return parseEndpoint(profile.ctiManagerServer, CTIMANAGER_TLS_PORT, 'CTIManager server');
  const first = parseEndpoint(profile.tftpServers[0], DEFAULT_TFTP_PORT, 'TFTP server');
  return 'error' in first ? first : { host: first.host, port: CTIMANAGER_TLS_PORT };
}
