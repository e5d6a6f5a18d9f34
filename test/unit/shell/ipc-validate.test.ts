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
  'certs:delete': { folderId: '0123456789abcdef', instanceId: 'inst1' },
  'ctl:get': { profileId: 'p1' },
  'ctl:check-update': { profileId: 'p1' },
  'ctl:forget': { profileId: 'p1' },
  'ctl:refused': { profileId: 'p1' },
  'ctl:adopt': { profileId: 'p1', fingerprint: `${'ab:'.repeat(31)}AB` },
  'connection:test': { profileId: 'p1' },
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

  it('refuses wrong types, missing and extra fields', () => {
    const bad: [string, unknown][] = [
      ['enroll:start', { profileId: 'p1' }],
      ['enroll:start', { profileId: 'p1', authString: 123456 }],
      ['enroll:start', { profileId: 'p1', authString: '123456', extra: 1 }],
      ['enroll:start', ['p1', '123456']],
      ['enroll:start', 'p1'],
      ['enroll:start', null],
      ['ctl:get', { profileId: 'P1' }],
      ['ctl:adopt', { profileId: 'p1', fingerprint: 'AB:CD' }],
      ['ctl:adopt', { profileId: 'p1', fingerprint: 42 }],
      ['ctl:adopt', { profileId: 'p1' }],
      ['ctl:get', { profileId: 'a/../b' }],
      ['certs:delete', { folderId: '0123456789abcdef', instanceId: '../../etc/passwd' }],
      ['certs:delete', { folderId: '0123456789abcdef', instanceId: ['inst1'] }],
      ['certs:delete', { instanceId: 'inst1' }],
      ['certs:delete', { folderId: '/home/user/certs', instanceId: 'inst1' }],
      ['certs:export-pem', { folderId: '0123456789ABCDEF', instanceId: 'inst1' }],
      ['connection:test', new Date()],
      ['connection:test', new Map([['profileId', 'p1']])],
    ];
    for (const [channel, payload] of bad) expect(validateRequest(channel, payload).ok, `${channel} ${JSON.stringify(payload)}`).toBe(false);
  });

  it('names the field and its rule without echoing the authentication string', () => {
    const checked = validateRequest('enroll:start', { profileId: 'p1', authString: '12ab' });
    expect(checked).toEqual({ ok: false, message: 'enroll:start: Authentication string must be 4 to 10 digits' });
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
