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
      message: 'Unknown settings field "password"',
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
});
