/** The registry keys the CTI OS Security chapter names for the client's and the server's settings. */
const CISCO = 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Cisco Systems, Inc.';

export const CLIENT_REGISTRY_KEY = `${CISCO}\\CTI OS Client`;

/** `...\Ctios\CTIOS_<InstanceName>\<ServerName>\Server\Security` (the chapter's ServerName is CTIOS1). */
export function serverRegistryKey(instanceName: string, serverName: string): string {
  return `${CISCO}\\Ctios\\CTIOS_${instanceName}\\${serverName}\\Server\\Security`;
}

const SERVER_KEY = /^HKEY_LOCAL_MACHINE\\SOFTWARE\\Cisco Systems, Inc\.\\Ctios\\CTIOS_([^\\]+)\\([^\\]+)\\Server\\Security$/i;

/** Registry key names ignore case, as Windows does. */
export function parseServerRegistryKey(key: string): { instanceName: string; serverName: string } | undefined {
  const match = SERVER_KEY.exec(key);
  return match ? { instanceName: match[1]!, serverName: match[2]! } : undefined;
}

export function isClientRegistryKey(key: string): boolean {
  return key.toLowerCase() === CLIENT_REGISTRY_KEY.toLowerCase();
}
