import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_URL, CONTENT_SECURITY_POLICY, isAppUrl, resolveRendererFile } from '../../../electron/app-protocol.ts';

const ROOT = resolve('/srv/renderer');

describe('renderer files', () => {
  it('maps paths under the root and / to index.html', () => {
    expect(resolveRendererFile(ROOT, '/')).toBe(join(ROOT, 'index.html'));
    expect(resolveRendererFile(ROOT, '/index.html')).toBe(join(ROOT, 'index.html'));
    expect(resolveRendererFile(ROOT, '/assets/index-abc.js')).toBe(join(ROOT, 'assets', 'index-abc.js'));
    expect(resolveRendererFile(ROOT, '/assets/a%20b.css')).toBe(join(ROOT, 'assets', 'a b.css'));
  });

  it('refuses traversal, encoded or not, and odd paths', () => {
    for (const path of [
      '/../etc/passwd.js',
      '/assets/../../x.js',
      '/%2e%2e/x.js',
      '/%2E%2E%2Fx.js',
      '/assets/%2e%2e%2f%2e%2e%2fx.js',
      '/..%5cx.js',
      '/a\\..\\x.js',
      '/x.js%00.html',
      '/%E0%A4%A',
      'x.js',
      '/./index.html',
      '//etc/passwd.js',
    ]) {
      const file = resolveRendererFile(ROOT, path);
      if (file !== null) expect(file.startsWith(ROOT + '/'), path).toBe(true);
      expect(file === null || !file.includes('..'), path).toBe(true);
    }
    expect(resolveRendererFile(ROOT, '/../etc/passwd.js')).toBeNull();
    expect(resolveRendererFile(ROOT, '/%2e%2e/x.js')).toBeNull();
  });

  it('serves only known file types', () => {
    expect(resolveRendererFile(ROOT, '/secret.pem')).toBeNull();
    expect(resolveRendererFile(ROOT, '/assets')).toBeNull();
  });
});

describe('app origin', () => {
  it('accepts only app://ctiprefs/ pages', () => {
    expect(isAppUrl(`${APP_URL}index.html`)).toBe(true);
    for (const url of ['app://other/index.html', 'file:///index.html', 'http://ctiprefs/', 'app://user@ctiprefs/', 'devtools://x', 'not a url', '']) {
      expect(isAppUrl(url), url).toBe(false);
    }
  });

  it('has a CSP without inline script, eval or remote sources', () => {
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'none'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-|https?:|\*/);
  });
});
