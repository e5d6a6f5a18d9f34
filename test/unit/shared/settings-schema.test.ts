/**
 * The published JSON Schemas are generated from the field rules in shared/ and agree with validateSettings:
 * the committed files are current, and a real JSON Schema validator (ajv) accepts exactly what the
 * app's own checks accept, for chosen samples and for random documents.
 */
import { readFile } from 'node:fs/promises';
import Ajv from 'ajv';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validatePreset } from '../../../shared/preset.ts';
import { checkProfileId, defaultProfile, validateSettings, type Profile } from '../../../shared/profile.ts';
import { schemaFiles } from '../../../shared/settings-schema.ts';

const root = new URL('../../../', import.meta.url);
const committed = (path: string) => readFile(new URL(path, root), 'utf8');
const ajv = new Ajv({ strict: true, allErrors: true });
const settingsSchema = ajv.compile(JSON.parse(schemaFiles()['docs/settings.schema.json']!));
const presetSchema = ajv.compile(JSON.parse(schemaFiles()['docs/preset.schema.json']!));

const good: Profile = {
  ...defaultProfile('agent-east'),
  userName: 'jtapi_agent',
  instanceId: 'East01',
  tftpServers: ['10.1.1.10', 'cucm-sub.example.com:6969'],
  capfHost: '10.1.1.10',
};
const document = (profile: object, extra: Record<string, unknown> = {}) => ({
  version: 2,
  profiles: [profile],
  // The one profile is active when its id is valid: the schema cannot relate the two fields.
  activeProfileId: checkProfileId((profile as { id?: unknown }).id) ? null : (profile as { id: string }).id,
  ...extra,
});

describe('the published JSON Schemas', () => {
  it('are the committed files (run "npm run schema" after changing a rule in shared/)', async () => {
    for (const [path, text] of Object.entries(schemaFiles())) expect(await committed(path), path).toBe(text);
  });

  it('accept a valid settings document and a preset with an expected signer', () => {
    expect(settingsSchema(document(good, { expiryWarningDays: 45 })), JSON.stringify(settingsSchema.errors)).toBe(true);
    const preset = document({ ...good, expectedSignerFingerprint: 'ab'.repeat(32) });
    expect(presetSchema(preset)).toBe(true);
    expect(validatePreset(preset).ok).toBe(true);
    expect(settingsSchema(preset)).toBe(false);
    expect(validateSettings(preset).ok).toBe(false);
  });

  it.each([
    ['a secret field', { ...good, authString: '12345678' }],
    ['retries above 3', { ...good, retries: 4 }],
    ['a fractional interval', { ...good, retryInterval: 1.5 }],
    ['port 0', { ...good, capfPort: 0 }],
    ['an IPv6 CAPF server', { ...good, capfHost: '::1' }],
    ['an all-numeric host that is no IPv4 address', { ...good, tftpServers: ['300.1.1.1'] }],
    ['a TFTP port above 65535', { ...good, tftpServers: ['10.0.0.1:65536'] }],
    ['nine TFTP servers', { ...good, tftpServers: Array.from({ length: 9 }, (_, i) => `10.0.0.${i + 1}`) }],
    ['no TFTP server', { ...good, tftpServers: [] }],
    ['an instance ID with a dash', { ...good, instanceId: 'ab-c' }],
    ['a user name with a trailing space', { ...good, userName: 'agent ' }],
    ['an unknown placeholder', { ...good, deviceNameTemplate: 'CTI-{mac}' }],
    ['a control character in the path', { ...good, certificatePath: 'a\nb' }],
    ['a missing field', Object.fromEntries(Object.entries(good).filter(([k]) => k !== 'capfPort'))],
    ['an upper-case profile id', { ...good, id: 'Agent' }],
  ])('refuse %s, as validateSettings does', (_, profile) => {
    expect(settingsSchema(document(profile))).toBe(false);
    expect(validateSettings(document(profile)).ok).toBe(false);
  });

  it.each([
    ['leading zeros in a port', { ...good, tftpServers: ['10.0.0.1:0069'] }],
    ['spaces around a server', { ...good, tftpServers: [' cucm.example.com:69 '] }],
    ['a CTIManager server', { ...good, ctiManagerServer: 'cti.example.com:2749' }],
    ['the bare instance template', { ...good, deviceNameTemplate: '{user}-{instance}' }],
    ['an unclosed brace', { ...good, deviceNameTemplate: 'CTI-{instance' }],
    ['a name of 128 characters', { ...good, userName: 'ü'.repeat(128) }],
  ])('accept %s, as validateSettings does', (_, profile) => {
    expect(settingsSchema(document(profile)), JSON.stringify(settingsSchema.errors)).toBe(true);
    expect(validateSettings(document(profile)).ok).toBe(true);
  });

  it('refuse what validateSettings refuses beyond single fields only where JSON Schema cannot say it (unique ids, active id)', () => {
    const twice = { version: 2, profiles: [good, good], activeProfileId: good.id };
    expect(validateSettings(twice).ok).toBe(false);
    expect(settingsSchema(twice)).toBe(true);
    for (const bad of [{ version: 3, profiles: [], activeProfileId: null }, { version: 2, profiles: [] }, { version: 2, profiles: [], activeProfileId: null, extra: 1 }]) {
      expect(settingsSchema(bad)).toBe(false);
      expect(validateSettings(bad).ok).toBe(false);
    }
  });

  it('agree with validateSettings on random profiles', () => {
    const piece = fc.constantFrom('a', 'Z', '0', '9', '-', '.', ':', ' ', '{', '}', 'user', 'instance', '\n', '\u2028', 'ü', '😀', '255', '256', '10', '[', ']');
    const text = fc.array(piece, { maxLength: 12 }).map((parts) => parts.join(''));
    const endpoint = fc.oneof(text, fc.tuple(fc.ipV4(), fc.integer({ min: -1, max: 70_000 })).map(([ip, port]) => `${ip}:${port}`), fc.domain(), fc.ipV4());
    const field = <T>(valid: T, ...others: fc.Arbitrary<unknown>[]) => fc.oneof(fc.constant(valid), ...others);
    const profile = fc.record({
      id: field(good.id, text),
      userName: field(good.userName, text),
      instanceId: field(good.instanceId, text),
      tftpServers: field(good.tftpServers, fc.array(endpoint, { maxLength: 9 })),
      capfHost: field(good.capfHost, endpoint),
      capfPort: field(good.capfPort, fc.integer({ min: -2, max: 70_000 }), fc.double(), text),
      secureConnection: field(true, fc.constant('true'), fc.constant(null)),
      ctiManagerServer: field('', endpoint),
      retries: field(0, fc.integer({ min: -1, max: 5 })),
      retryInterval: field(0, fc.integer({ min: -1, max: 17 })),
      deviceNameTemplate: field(good.deviceNameTemplate, text),
      certificatePath: field('', text, fc.string({ minLength: 1020, maxLength: 1030 })),
    });
    fc.assert(
      fc.property(profile, (p) => {
        const doc = document(p);
        expect(settingsSchema(doc), JSON.stringify(doc)).toBe(validateSettings(doc).ok);
      }),
      { numRuns: 3000 },
    );
  });
});
