/** Errno errors about the user's environment become typed errors naming the path or port, never INTERNAL. */
import { describe, expect, it } from 'vitest';
import { ERRORS, exitCodeOf, keepsAuthString, toCtiError, type ErrorCode } from '../../../shared/errors.ts';

const errno = (code: string, fields: Record<string, unknown> = {}) => Object.assign(new Error(`${code}: raw`), { code, ...fields });

describe('toCtiError for system errors', () => {
  it('maps a full disk, a read-only place and a permission problem to STORAGE (exit 6) with the path', () => {
    for (const code of ['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM']) {
      const error = toCtiError(errno(code, { path: '/home/u/.config/ctiprefs/status.json' }));
      expect(error.code, code).toBe('STORAGE');
      expect(exitCodeOf(error.code)).toBe(6);
      expect(error.message).toContain('/home/u/.config/ctiprefs/status.json');
      expect(error.message).toContain(code);
    }
    expect(toCtiError(errno('ENOSPC')).code).toBe('INTERNAL');
    expect(toCtiError(errno('ENOSPC'), { path: '/x/settings.json' }).message).toBe('/x/settings.json: the disk is full (ENOSPC)');
  });

  it('maps a folder where a file belongs (and the reverse) to BAD_INPUT (exit 2) with the path', () => {
    expect(toCtiError(errno('EISDIR'), { path: '/h/settings.json' })).toMatchObject({ code: 'BAD_INPUT', message: '/h/settings.json: it is a folder where a file is expected (EISDIR)' });
    expect(toCtiError(errno('ENOTDIR', { path: '/h/file/logs' }))).toMatchObject({ code: 'BAD_INPUT', message: expect.stringContaining('/h/file/logs') });
  });

  it('maps a port in use to IN_USE (exit 2) naming the address and port', () => {
    const error = toCtiError(errno('EADDRINUSE', { address: '127.0.0.1', port: 3804 }));
    expect(error).toMatchObject({ code: 'IN_USE', message: expect.stringContaining('127.0.0.1:3804') });
    expect(exitCodeOf(error.code)).toBe(2);
  });

  it('keeps anything else INTERNAL', () => {
    expect(toCtiError(new TypeError('x is undefined')).code).toBe('INTERNAL');
    expect(toCtiError(errno('ECONNRESET', { path: '/x' })).code).toBe('INTERNAL');
  });
});

describe('keepsAuthString', () => {
  it('keeps the string when the CAPF server never judged it, clears it once the server answered or after', () => {
    const kept: ErrorCode[] = ['BAD_INPUT', 'ALREADY_RUNNING', 'CTL_NOT_FOUND', 'CTL_COMPROMISED', 'NETWORK_TIMEOUT', 'NETWORK_UNREACHABLE', 'TLS_UNTRUSTED', 'TFTP_ERROR', 'CANCELLED'];
    const cleared: ErrorCode[] = ['CAPF_AUTH_FAILED', 'CAPF_REFUSED', 'CAPF_UNKNOWN_DEVICE', 'CAPF_NOTHING_TO_DO', 'CAPF_PROTOCOL', 'KEYSTORE', 'STORAGE', 'VAULT', 'INTERNAL'];
    for (const code of kept) expect(keepsAuthString(code), code).toBe(true);
    for (const code of cleared) expect(keepsAuthString(code), code).toBe(false);
    expect([...kept, ...cleared].length).toBeLessThanOrEqual(Object.keys(ERRORS).length);
  });
});
