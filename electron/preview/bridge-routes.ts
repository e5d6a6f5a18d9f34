/** The preview bridge's URL scheme, shared by the server and the browser script. */

export const BRIDGE_SCRIPT_PREFIX = '/bridge/';
export const API_INVOKE_PATH = '/api/invoke/';
export const API_EVENTS_PATH = '/api/events';
export const TOKEN_HEADER = 'x-ctiprefs-token';
export const TOKEN_QUERY = 'token';

const TOKEN = /^[A-Za-z0-9_-]{32,128}$/;

export function bridgeScriptPath(token: string): string {
  return `${BRIDGE_SCRIPT_PREFIX}${token}.js`;
}

/** The token in `/bridge/<token>.js`, or null when the path has another shape. */
export function tokenFromBridgePath(path: string): string | null {
  if (!path.startsWith(BRIDGE_SCRIPT_PREFIX) || !path.endsWith('.js')) return null;
  const token = path.slice(BRIDGE_SCRIPT_PREFIX.length, -'.js'.length);
  return TOKEN.test(token) ? token : null;
}
