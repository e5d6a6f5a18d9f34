import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { presetDir } from '../../../electron/core/preset.ts';
import { validatePreset } from '../../../shared/preset.ts';
import { defaultProfile } from '../../../shared/profile.ts';

const profile = { ...defaultProfile('fleet'), userName: 'agent', instanceId: 'f1', tftpServers: ['10.0.0.1'], capfHost: '10.0.0.1' };

describe('the machine-wide preset', () => {
  it('lives in the OS machine-wide folder, unless CTIPREFS_PRESET_DIR says otherwise', () => {
    expect(presetDir({}, 'linux')).toBe('/etc/ctiprefs');
    expect(presetDir({}, 'darwin')).toBe('/Library/Application Support/ctiprefs');
    expect(presetDir({ ProgramData: 'D:\\ProgramData' }, 'win32')).toBe(join('D:\\ProgramData', 'ctiprefs'));
    expect(presetDir({ CTIPREFS_PRESET_DIR: '/srv/preset' }, 'linux')).toBe('/srv/preset');
  });

  it('keeps the expected signer apart from the settings it gives, normalised', () => {
    const checked = validatePreset({ version: 2, profiles: [{ ...profile, expectedSignerFingerprint: 'ab'.repeat(32) }], activeProfileId: 'fleet' });
    expect(checked).toEqual({
      ok: true,
      value: { settings: { version: 2, profiles: [profile], activeProfileId: 'fleet' }, expectedSigners: { fleet: Array(32).fill('AB').join(':') } },
    });
  });

  it('refuses the whole preset for one bad field, naming the profile and the field', () => {
    expect(validatePreset({ version: 2, profiles: [{ ...profile, expectedSignerFingerprint: 42 }], activeProfileId: null })).toEqual({
      ok: false,
      message: 'Profile 1: expectedSignerFingerprint must be a SHA-256 fingerprint: 64 hex digits, colons allowed',
    });
    expect(validatePreset({ version: 2, profiles: [{ ...profile, authString: '1234' }], activeProfileId: null })).toMatchObject({ ok: false, message: expect.stringMatching(/^Profile 1: Unknown profile field "authString"/) });
    expect(validatePreset('nope')).toEqual({ ok: false, message: 'Settings must be an object' });
  });
});
