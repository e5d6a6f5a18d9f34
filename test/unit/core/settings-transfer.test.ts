import { describe, expect, it } from 'vitest';
import { canonicalSettings, mergeSettings, parseSettingsDocument, settingsDocument } from '../../../electron/core/settings-transfer.ts';
import { defaultProfile, type Profile, type Settings } from '../../../shared/profile.ts';

const profile = (id: string, instanceId: string, extra: Partial<Profile> = {}): Profile => ({
  ...defaultProfile(id),
  userName: `user-${id}`,
  instanceId,
  tftpServers: ['10.0.0.1'],
  capfHost: '10.0.0.1',
  ...extra,
});
const settings = (profiles: Profile[], activeProfileId: string | null = null, extra: Partial<Settings> = {}): Settings => ({ version: 2, profiles, activeProfileId, ...extra });

describe('settings as a file', () => {
  it('lays out the same settings as the same text, whatever order the fields came in', () => {
    const p = profile('a', 'i1');
    const shuffled = Object.fromEntries(Object.entries(p).reverse()) as unknown as Profile;
    const text = settingsDocument(settings([p], 'a'));
    expect(settingsDocument({ activeProfileId: 'a', profiles: [shuffled], version: 2 })).toBe(text);
    expect(settingsDocument(parseSettingsDocument(text, 'f.json'))).toBe(text);
    expect(Object.keys(canonicalSettings(settings([p], null, { expiryWarningDays: 9 })))).toEqual(['version', 'profiles', 'activeProfileId', 'expiryWarningDays']);
  });

  it('reads a version 1 document as version 2 and refuses anything else, naming the source', () => {
    const v1 = JSON.stringify({ version: 1, profiles: [profile('a', 'i1', { deviceNameTemplate: '{instance}' })], activeProfileId: null });
    expect(parseSettingsDocument(v1, 'old.json').profiles[0]!.deviceNameTemplate).toBe('CTI-{instance}');
    expect(() => parseSettingsDocument('[]', 'x.json')).toThrow('x.json: Settings version must be 1 or 2');
    expect(() => parseSettingsDocument('{', 'x.json')).toThrow(/^x\.json is not valid JSON/);
  });
});

describe('--merge', () => {
  it('replaces profiles with the same id in place, adds the others at the end, keeps the rest and the active profile', () => {
    const current = settings([profile('a', 'i1'), profile('b', 'i2')], 'b', { expiryWarningDays: 10 });
    const merged = mergeSettings(current, settings([profile('c', 'i3'), profile('a', 'i1', { retries: 2 })], 'c', { expiryWarningDays: 50 }), 'f.json');
    expect(merged.profiles.map((p) => [p.id, p.retries])).toEqual([['a', 2], ['b', 0], ['c', 0]]);
    expect([merged.activeProfileId, merged.expiryWarningDays]).toEqual(['b', 10]);
  });

  it('takes the imported active profile and expiry warning only when the settings have none', () => {
    const merged = mergeSettings(settings([]), settings([profile('c', 'i3')], 'c', { expiryWarningDays: 50 }), 'f.json');
    expect([merged.activeProfileId, merged.expiryWarningDays]).toEqual(['c', 50]);
  });

  it('refuses an instance ID that a profile staying in the settings has, naming both; one replaced by id frees its ID', () => {
    const current = settings([profile('a', 'i1'), profile('b', 'i2')]);
    expect(() => mergeSettings(current, settings([profile('z', 'i2')]), 'f.json')).toThrow(
      'Profile "z" (user user-z, instance ID i2) in f.json has the instance ID of profile "b" (user user-b, instance ID i2) in the settings',
    );
    const moved = mergeSettings(current, settings([profile('b', 'i9'), profile('z', 'i2')]), 'f.json');
    expect(moved.profiles.map((p) => `${p.id}:${p.instanceId}`)).toEqual(['a:i1', 'b:i9', 'z:i2']);
  });
});
