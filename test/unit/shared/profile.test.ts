import { describe, expect, it } from 'vitest';
import { defaultProfile, sharedInstanceIds, validateProfile, validateSettings } from '../../../shared/profile.ts';

const good = { ...defaultProfile('p1'), userName: 'alice', instanceId: 'inst1', tftpServers: ['10.0.0.1'], capfHost: '10.0.0.1' };

describe('settings schema', () => {
  it('accepts a complete profile', () => {
    expect(validateProfile(good)).toEqual({});
    expect(validateSettings({ version: 2, profiles: [good], activeProfileId: 'p1' })).toEqual({
      ok: true,
      value: { version: 2, profiles: [good], activeProfileId: 'p1' },
    });
  });

  it('names each bad field', () => {
    const errors = validateProfile({ ...good, retries: 4, retryInterval: 16, instanceId: 'a b', tftpServers: [] });
    expect(errors.retries).toBe('Retries must be 0 to 3');
    expect(errors.retryInterval).toBe('Retry interval must be 0 to 15');
    expect(errors.instanceId).toMatch(/Instance ID/);
    expect(errors.tftpServers).toMatch(/1 to 8/);
  });

  it('refuses unknown fields, secrets included', () => {
    expect(validateProfile({ ...good, authString: '1234' }).id).toMatch(/Unknown profile field "authString"/);
    expect(validateSettings({ version: 2, profiles: [], activeProfileId: null, password: 'x' })).toEqual({
      ok: false,
      message: 'Unknown settings field "password"; allowed: version, profiles, activeProfileId, expiryWarningDays',
    });
  });

  it('refuses duplicate ids and a dangling active profile', () => {
    expect(validateSettings({ version: 2, profiles: [good, good], activeProfileId: null })).toMatchObject({ ok: false });
    expect(validateSettings({ version: 2, profiles: [good], activeProfileId: 'nope' })).toMatchObject({ ok: false });
    expect(validateSettings(null)).toMatchObject({ ok: false });
  });

  it('finds instance IDs shared by two profiles', () => {
    expect(sharedInstanceIds([good, { ...good, id: 'p2' }, { ...good, id: 'p3', instanceId: 'other' }])).toEqual(['inst1']);
  });

  it('migrates version 1 settings: the old default {instance} becomes CTI-{instance}, other templates stay', () => {
    const old = { ...good, deviceNameTemplate: '{instance}' };
    const custom = { ...good, id: 'p2', deviceNameTemplate: '{user}-{instance}' };
    expect(validateSettings({ version: 1, profiles: [old, custom], activeProfileId: 'p1' })).toEqual({
      ok: true,
      value: { version: 2, profiles: [{ ...old, deviceNameTemplate: 'CTI-{instance}' }, custom], activeProfileId: 'p1' },
    });
  });

  it('keeps {instance} chosen in version 2 settings, and refuses unknown versions', () => {
    const bare = { ...good, deviceNameTemplate: '{instance}' };
    expect(validateSettings({ version: 2, profiles: [bare], activeProfileId: null })).toMatchObject({ ok: true, value: { profiles: [bare] } });
    expect(validateSettings({ version: 3, profiles: [], activeProfileId: null })).toEqual({ ok: false, message: 'Settings version must be 1 or 2' });
  });

  it('defaults new profiles to the device name Cisco clients send', () => {
    expect(defaultProfile('x').deviceNameTemplate).toBe('CTI-{instance}');
  });
});
