import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REQUEST_VALIDATORS, isChannel, validateRequest } from '../../../shared/ipc-validate.ts';
import { CHANNELS } from '../../../shared/ipc.ts';
import { defaultProfile, type Settings } from '../../../shared/profile.ts';

const validSettings = (): Settings => ({
  version: 2,
  profiles: [{ ...defaultProfile('p1'), userName: 'alice', instanceId: 'inst1', tftpServers: ['10.0.0.1'], capfHost: '10.0.0.1' }],
  activeProfileId: 'p1',
});

const VALID: Record<string, unknown> = {
  'settings:get': undefined,
  'settings:save': validSettings(),
  'status:get': undefined,
  'enroll:start': { profileId: 'p1', authString: '123456' },
  'enroll:cancel': { profileId: 'p1' },
  'certs:list': undefined,
  'certs:export-pem': { folderId: '0123456789abcdef', instanceId: 'inst1' },
  'certs:export-p12': { folderId: '0123456789abcdef', instanceId: 'inst1', password: 'long enough' },
  'certs:delete': { folderId: '0123456789abcdef', instanceId: 'inst1' },
  'ctl:get': { profileId: 'p1' },
  'ctl:check-update': { profileId: 'p1' },
  'ctl:forget': { profileId: 'p1' },
  'ctl:refused': { profileId: 'p1' },
  'ctl:adopt': { profileId: 'p1', fingerprint: `${'ab:'.repeat(31)}AB`, sha256: 'cd'.repeat(32) },
  'connection:test': { profileId: 'p1' },
  'folders:pick': undefined,
  'doctor:run': { profileId: 'p1' },
  'history:get': { profileId: 'p1' },
  'log:lines': { profileId: null, operationId: '0123456789ab', count: 200 },
  'about:get': undefined,
  'support:bundle': undefined,
  'import:preview': { kind: 'jtapi', text: 'SecurityProperty=u,i;', userName: '' },
  'import:apply': { kind: 'genesys', text: '[link-tls]', userName: 'tserver' },
  'vault:status': { recheck: false },
  'ctios:state': { dir: 'ctios' },
  'ctios:ca-create': { dir: '/home/agent/ctios-ca', password: 'correct-horse' },
  'ctios:request': { dir: 'ctios', role: 'peer', subject: '' },
  'ctios:sign': { caDir: 'ctios-ca', dir: 'ctios', role: 'server', password: '12345678' },
  'ctios:combine': { dir: 'ctios', role: 'client', cleanup: true },
  'ctios:check': { dir: 'ctios', role: 'client' },
  'ctios:test': { dir: 'ctios', server: '127.0.0.1:42028' },
  'ctios:settings-get': undefined,
  'ctios:settings-set': { role: 'server', changes: { numbytesrenegotiation: 10_000_000, InstanceName: 'cc1' } },
  'ctios:reg-export': { role: 'client' },
  'ctios:reg-import': { role: 'server', base64: '//5XAA==' },
};

describe('validateRequest', () => {
  it('has one validator per channel and accepts a well-formed payload on each', () => {
    expect(Object.keys(REQUEST_VALIDATORS).sort()).toEqual([...CHANNELS].sort());
    for (const channel of CHANNELS) expect(validateRequest(channel, VALID[channel]), channel).toMatchObject({ ok: true });
  });

  it('refuses unknown channels, including prototype names', () => {
    for (const channel of ['settings:delete', '', '__proto__', 'constructor', 'toString', 42, null, undefined, {}]) {
      const checked = validateRequest(channel, undefined);
      expect(checked.ok, String(channel)).toBe(false);
      if (!checked.ok) expect(checked.message).toMatch(/^Unknown IPC channel/);
    }
    expect(isChannel('hasOwnProperty')).toBe(false);
  });

  it('refuses a payload on channels that take none', () => {
    for (const payload of [null, {}, [], 0, '', 'x']) {
      expect(validateRequest('settings:get', payload)).toEqual({ ok: false, message: 'settings:get: This request takes no payload' });
    }
  });

  it('refuses an import of another kind, of too much text, or for a bad user name, naming the field', () => {
    const request = (overrides: Record<string, unknown>) => ({ kind: 'jtapi', text: '', userName: '', ...overrides });
    expect(validateRequest('import:preview', request({ kind: 'tsp' }))).toEqual({ ok: false, message: 'import:preview: Import kind must be one of jtapi, genesys' });
    expect(validateRequest('import:apply', request({ text: 'x'.repeat(256 * 1024 + 1) }))).toEqual({
      ok: false,
      message: 'import:apply: Import file must be text of at most 262144 characters',
    });
    expect(validateRequest('import:preview', request({ userName: ' padded ' }))).toMatchObject({ ok: false, message: expect.stringMatching(/^import:preview: User name must be/) });
    expect(validateRequest('import:preview', request({ authCode: '1234' }))).toMatchObject({ ok: false, message: expect.stringMatching(/Unknown request field "authCode"/) });
  });

  it('refuses wrong types, missing and extra fields', () => {
    const bad: [string, unknown][] = [
      ['enroll:start', { profileId: 'p1' }],
      ['enroll:start', { profileId: 'p1', authString: 123456 }],
      ['enroll:start', { profileId: 'p1', authString: '123456', extra: 1 }],
      ['enroll:start', ['p1', '123456']],
      ['enroll:start', 'p1'],
      ['enroll:start', null],
      ['ctl:get', { profileId: 'P1' }],
      ['ctl:adopt', { profileId: 'p1', fingerprint: 'AB:CD', sha256: 'cd'.repeat(32) }],
      ['ctl:adopt', { profileId: 'p1', fingerprint: 42, sha256: 'cd'.repeat(32) }],
      ['ctl:adopt', { profileId: 'p1', fingerprint: 'ab'.repeat(32), sha256: 'cd' }],
      ['ctl:adopt', { profileId: 'p1', fingerprint: 'ab'.repeat(32) }],
      ['ctl:adopt', { profileId: 'p1' }],
      ['ctl:get', { profileId: 'a/../b' }],
      ['certs:delete', { folderId: '0123456789abcdef', instanceId: '../../etc/passwd' }],
      ['certs:delete', { folderId: '0123456789abcdef', instanceId: ['inst1'] }],
      ['certs:delete', { instanceId: 'inst1' }],
      ['certs:delete', { folderId: '/home/user/certs', instanceId: 'inst1' }],
      ['certs:export-pem', { folderId: '0123456789ABCDEF', instanceId: 'inst1' }],
      ['connection:test', new Date()],
      ['connection:test', new Map([['profileId', 'p1']])],
      ['doctor:run', {}],
      ['history:get', { profileId: 'P1' }],
      ['log:lines', { profileId: null, operationId: null }],
      ['log:lines', { profileId: null, operationId: null, count: 501 }],
      ['log:lines', { profileId: null, operationId: null, count: 0 }],
      ['log:lines', { profileId: null, operationId: null, count: 1.5 }],
      ['log:lines', { profileId: null, operationId: '../etc', count: 10 }],
      ['log:lines', { profileId: undefined, operationId: null, count: 10 }],
      ['about:get', { verbose: true }],
      ['support:bundle', 'out.json'],
    ];
    for (const [channel, payload] of bad) expect(validateRequest(channel, payload).ok, `${channel} ${JSON.stringify(payload)}`).toBe(false);
  });

  it('refuses CTI OS payloads that break the shared rules, naming the rule', () => {
    const bad: [string, unknown, string][] = [
      ['ctios:state', { dir: '' }, 'Folder must be a path of 1 to 1024 characters'],
      ['ctios:state', { dir: 'a\u0000b' }, 'Folder must be a path of 1 to 1024 characters'],
      ['ctios:state', { dir: 'x'.repeat(1025) }, 'Folder must be a path of 1 to 1024 characters'],
      ['ctios:request', { dir: 'ctios', role: 'desk', subject: '' }, 'Role must be one of client, server, peer'],
      ['ctios:request', { dir: 'ctios', role: 'client', subject: 'CN=a\nb' }, 'Subject must be text'],
      ['ctios:combine', { dir: 'ctios', role: 'client', cleanup: 'yes' }, 'Cleanup must be true or false'],
      ['ctios:check', { dir: 'ctios', role: 'client', extra: 1 }, 'Unknown request field "extra"'],
      ['ctios:test', { dir: 'ctios', server: '127.0.0.1' }, 'CTI OS server must be HOST:PORT (CTI OS has no fixed port)'],
      ['ctios:test', { dir: 'ctios', server: '127.0.0.1:0' }, 'CTI OS server port must be 1 to 65535'],
      ['ctios:test', { dir: 'ctios', server: '[::1]:42028' }, 'IPv6'],
      ['ctios:settings-set', { role: 'client', changes: {} }, 'Changes must name at least one setting'],
      ['ctios:settings-set', { role: 'client', changes: { HandShakeTime: 0 } }, 'HandShakeTime must be 1 to 300 seconds'],
      ['ctios:settings-set', { role: 'client', changes: { HandShakeTime: '5' } }, 'HandShakeTime must be 1 to 300 seconds'],
      ['ctios:settings-set', { role: 'client', changes: { InstanceName: 'cc1' } }, 'InstanceName is not a CTI OS client setting (CAType, HandShakeTime)'],
      ['ctios:settings-set', { role: 'server', changes: { NumBytesRenegotiation: 9_999_999 } }, 'NumBytesRenegotiation must be 10000000 to 4294967295 bytes'],
      ['ctios:settings-set', { role: 'server', changes: { SecurityEnabled: 2 } }, 'SecurityEnabled must be 0 (off) or 1 (on)'],
      ['ctios:settings-set', { role: 'server', changes: { InstanceName: 'a\\b' } }, 'InstanceName must be 1 to 64 printable characters without a backslash'],
      ['ctios:settings-set', { role: 'peer', changes: { CAType: 1 } }, 'Role must be one of client, server'],
      ['ctios:reg-import', { role: 'client', base64: 'not base64!' }, 'The .reg file must be base64 of at most 65536 bytes'],
      ['ctios:reg-import', { role: 'client', base64: 'A'.repeat(90_000) }, 'The .reg file must be base64 of at most 65536 bytes'],
    ];
    for (const [channel, payload, message] of bad) {
      const checked = validateRequest(channel, payload);
      expect(checked.ok, `${channel} ${JSON.stringify(payload)}`).toBe(false);
      if (!checked.ok) expect(checked.message).toContain(message);
    }
  });

  it('checks the CA password at 7/8/30/31 characters and never echoes it', () => {
    for (const [length, ok] of [[7, false], [8, true], [30, true], [31, false]] as const) {
      const password = 'p'.repeat(length);
      const checked = validateRequest('ctios:ca-create', { dir: 'ctios', password });
      expect(checked.ok, String(length)).toBe(ok);
      if (!checked.ok) {
        expect(checked.message).toBe(`ctios:ca-create: CA password must be 8 to 30 characters without control characters (got ${length})`);
        expect(checked.message).not.toContain(password);
      }
      expect(validateRequest('ctios:sign', { caDir: 'a', dir: 'b', role: 'client', password }).ok).toBe(ok);
    }
  });

  it('names the field and its rule without echoing the authentication string', () => {
    const checked = validateRequest('enroll:start', { profileId: 'p1', authString: '12ab' });
    expect(checked).toEqual({ ok: false, message: 'enroll:start: Authentication string must be 4 to 10 digits' });
  });

  it('refuses a short, long or non-text PKCS#12 export password without echoing it', () => {
    const ref = { folderId: '0123456789abcdef', instanceId: 'inst1' };
    for (const password of ['seven77', 'x'.repeat(1025), 'tab\tinside', 12345678, null]) {
      const checked = validateRequest('certs:export-p12', { ...ref, password });
      expect(checked).toEqual({ ok: false, message: 'certs:export-p12: Export password must be 8 to 1024 characters, without control characters' });
    }
    expect(validateRequest('certs:export-p12', ref).ok).toBe(false);
  });

  it('refuses prototype-pollution keys as unknown fields and leaves Object.prototype alone', () => {
    for (const json of [
      '{"profileId":"p1","__proto__":{"polluted":true}}',
      '{"profileId":"p1","constructor":{"prototype":{"polluted":true}}}',
    ]) {
      const checked = validateRequest('ctl:get', JSON.parse(json));
      expect(checked.ok).toBe(false);
      if (!checked.ok) expect(checked.message).toMatch(/Unknown request field "(__proto__|constructor)"/);
    }
    const settings = JSON.parse(JSON.stringify(validSettings()).replace('"version":2', '"version":2,"__proto__":{"polluted":true}'));
    expect(validateRequest('settings:save', settings).ok).toBe(false);
    const profile = JSON.parse(JSON.stringify(validSettings()).replace('"id":"p1"', '"id":"p1","__proto__":{"x":1}'));
    expect(validateRequest('settings:save', profile).ok).toBe(false);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses objects with a foreign prototype, symbol keys or accessors', () => {
    const withProto = Object.assign(Object.create({ inherited: 1 }), { profileId: 'p1' });
    expect(validateRequest('ctl:get', withProto).ok).toBe(false);
    expect(validateRequest('ctl:get', { profileId: 'p1', [Symbol('x')]: 1 }).ok).toBe(false);
    const accessor = Object.defineProperty({}, 'profileId', { get: () => 'p1', enumerable: true });
    expect(validateRequest('ctl:get', accessor)).toEqual({ ok: false, message: 'ctl:get: Request field "profileId" must be plain data' });
    // A null-prototype object (what some decoders produce) is plain data.
    expect(validateRequest('ctl:get', Object.assign(Object.create(null), { profileId: 'p1' })).ok).toBe(true);
  });

  it('refuses huge strings and keeps messages short', () => {
    const huge = 'a'.repeat(5_000_000);
    for (const [channel, payload] of [
      ['ctl:get', { profileId: huge }],
      ['certs:delete', { folderId: '0123456789abcdef', instanceId: huge }],
      ['certs:delete', { folderId: huge, instanceId: 'inst1' }],
      ['enroll:start', { profileId: 'p1', authString: '1'.repeat(1_000_000) }],
      [huge, undefined],
    ] as [string, unknown][]) {
      const checked = validateRequest(channel, payload);
      expect(checked.ok).toBe(false);
      if (!checked.ok) expect(checked.message.length).toBeLessThan(300);
    }
    const settings = validSettings();
    settings.profiles[0]!.userName = huge;
    expect(validateRequest('settings:save', settings).ok).toBe(false);
  });

  it('refuses settings the settings schema refuses (out-of-range retries and interval)', () => {
    const settings = validSettings();
    settings.profiles[0]!.retries = 4;
    expect(validateRequest('settings:save', settings)).toEqual({ ok: false, message: 'settings:save: Profile 1: Retries must be 0 to 3' });
    const other = validSettings();
    other.profiles[0]!.retryInterval = 16;
    expect(validateRequest('settings:save', other)).toEqual({
      ok: false,
      message: 'settings:save: Profile 1: Retry interval must be 0 to 15',
    });
    expect(validateRequest('settings:save', [validSettings()]).ok).toBe(false);
  });

  it('never throws, whatever the payload (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...CHANNELS, 'nope'), fc.anything({ withObjectString: true, withNullPrototype: true }), (channel, payload) => {
        const checked = validateRequest(channel, payload);
        expect(typeof checked.ok).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });

  it('accepts exactly the payloads of the documented shape (property)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9-]{1,64}$/), fc.stringMatching(/^[0-9]{4,10}$/), (profileId, authString) => {
        expect(validateRequest('enroll:start', { profileId, authString }).ok).toBe(true);
        expect(validateRequest('enroll:start', { authString, profileId: `${profileId}_` }).ok).toBe(false);
      }),
    );
  });
});
