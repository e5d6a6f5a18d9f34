/**
 * The renderer's origin and how its files are served: the `app://ctiprefs/` scheme in Electron and the
 * preview's `http://127.0.0.1:PORT/` both map URL paths onto dist/renderer with the same rules, and both
 * send the same Content-Security-Policy. Plain Node (no 'electron' import) so it is unit-tested.
 */
import { extname, resolve, sep } from 'node:path';

export const APP_SCHEME = 'app';
export const APP_HOST = 'ctiprefs';
export const APP_URL = `${APP_SCHEME}://${APP_HOST}/`;

/**
 * No inline script or style, nothing from elsewhere, no plugins, no framing, no forms posting away.
 * `connect-src 'self'` lets the preview's bridge reach its own origin; the packaged app has nothing to fetch.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

/** True only for a page of our own renderer (used to check the sender of IPC messages). */
export function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST && !parsed.username && !parsed.password;
  } catch {
    return false;
  }
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};

export function contentTypeOf(path: string): string | undefined {
  return CONTENT_TYPES[extname(path).toLowerCase()];
}

/**
 * Maps a URL path (`/assets/index.js`, `/` → index.html) to a file under `root`, or null when the path
 * is malformed, escapes the root, or names a file type we do not serve.
 */
export function resolveRendererFile(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (!decoded.startsWith('/') || decoded.includes('\0') || decoded.includes('\\')) return null;
  if (decoded.split('/').some((segment) => segment === '..' || segment === '.')) return null;
  const relative = decoded === '/' ? 'index.html' : decoded.slice(1);
  const base = resolve(root);
  const file = resolve(base, relative);
  if (!file.startsWith(base + sep)) return null;
  return contentTypeOf(file) ? file : null;
}
