/**
 * jtapi.ini SecurityProperty records: a real-world-looking file, round trips of generated records through
 * a writer of the documented layout, lenient trailing fields, and hostile input.
 */
import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EMPTY_SETTINGS } from '../../../../electron/core/settings.ts';
import { parseJtapiIni } from '../../../../electron/core/import/jtapi.ts';
import { prepareImport } from '../../../../electron/core/import/plan.ts';
import { defaultProfile, type Settings } from '../../../../shared/profile.ts';

const sample = () => readFile(new URL('samples/jtapi.ini', import.meta.url), 'utf8');
const plan = (text: string, current: Settings = EMPTY_SETTINGS) => prepareImport({ kind: 'jtapi', text, userName: '' }, current);

interface Record {
  user: string;
  instanceId: string;
  authCode: string;
  capfHost: string;
  capfPort: number;
  tftpHost: string;
  tftpPort: number;
}

/** The documented layout, written the way JTAPI Preferences keeps it: one line, records ending with ";". */
function writeJtapiIni(records: readonly Record[]): string {
  const fields = (r: Record) => [r.user, r.instanceId, r.authCode, r.capfHost, r.capfPort, r.tftpHost, r.tftpPort, 'C:\\JTAPI', 'true', '', 'false'];
  return `TraceLevel=1\nSecurityProperty=${records.map((r) => `${fields(r).join(',')};`).join('')}\n`;
}

describe('jtapi.ini SecurityProperty', () => {
  it('reads the sample: every record a profile, the auth code only as "present", the certificate path reported', async () => {
    const prepared = await plan(await sample());
    expect(prepared.plan.refusals).toEqual([]);
    expect(prepared.plan.profiles).toEqual([
      expect.objectContaining({ source: 'record 1', action: 'created', userName: 'jtapiuser', instanceId: 'JtapiApp1', tftpServers: ['10.10.20.11:69'], capfHost: '10.10.20.11', capfPort: 3804, secureConnection: true, authCode: 'present' }),
      expect.objectContaining({ source: 'record 2', userName: 'jtapiuser', instanceId: 'JtapiApp2', tftpServers: ['10.10.20.12:69'], authCode: 'absent' }),
    ]);
    expect(JSON.stringify(prepared.plan)).not.toContain('12345678');
    expect(JSON.stringify(prepared.profiles)).not.toContain('12345678');
    expect([...prepared.authCodes.values()]).toEqual(['12345678']);
    expect(prepared.plan.warnings).toEqual([expect.stringContaining('Certificate path "C:\\Program Files\\JTAPITools" is not used')]);
  });

  it('round trip: generated records written in the documented layout come back as the same profiles', async () => {
    const word = fc.stringMatching(/^[a-zA-Z0-9]{1,20}$/);
    const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((parts) => parts.join('.'));
    const record = fc.record({
      user: word,
      instanceId: word,
      authCode: fc.stringMatching(/^[0-9]{4,10}$/),
      capfHost: ipv4,
      capfPort: fc.integer({ min: 1, max: 65535 }),
      tftpHost: ipv4,
      tftpPort: fc.integer({ min: 1, max: 65535 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(record, { minLength: 1, maxLength: 8, selector: (r) => r.instanceId }), async (records) => {
        const prepared = await plan(writeJtapiIni(records));
        expect(prepared.plan.refusals).toEqual([]);
        expect(prepared.profiles.map((p) => [p.userName, p.instanceId, p.capfHost, p.capfPort, p.tftpServers])).toEqual(
          records.map((r) => [r.user, r.instanceId, r.capfHost, r.capfPort, [`${r.tftpHost}:${r.tftpPort}`]]),
        );
        expect([...prepared.authCodes.values()]).toEqual(records.map((r) => r.authCode));
      }),
    );
  });

  it('is lenient with missing trailing fields and reports extra ones', async () => {
    const prepared = await plan('SecurityProperty=u1,i1,,10.0.0.5,,10.0.0.6\n');
    expect(prepared.plan.refusals).toEqual([]);
    expect(prepared.plan.profiles[0]).toMatchObject({ capfPort: 3804, tftpServers: ['10.0.0.6:69'], secureConnection: true, authCode: 'absent' });
    const extra = await plan('SecurityProperty=u1,i1,,10.0.0.5,3804,10.0.0.6,69,,true,,false,surprise,more\n');
    expect(extra.plan.warnings).toEqual(['record 1 has 13 fields; the 11 known ones are read, fields 12 to 13 are ignored']);
  });

  it('reads CRLF, a byte order mark, quoted fields, "key: value" and a plain connection', async () => {
    const prepared = await plan('\uFEFF# comment\r\nSecurityProperty : "u1" , "i1",,10.0.0.5,3804,10.0.0.6,69,,false\r\n');
    expect(prepared.plan.refusals).toEqual([]);
    expect(prepared.plan.profiles[0]).toMatchObject({ userName: 'u1', instanceId: 'i1', secureConnection: false });
  });

  it('names the record and the field of a bad value, and the allowed values', async () => {
    const prepared = await plan('SecurityProperty=u1,inst 1,,10.0.0.5,99999,10.0.0.6,69;u2,i2,,,3804,;\n');
    expect(prepared.plan.refusals).toEqual([
      'record 1: CAPF port must be 1 to 65535, got "99999"',
      'record 1: Instance ID must be 1 to 128 letters or digits (a-z, A-Z, 0-9)',
      'record 2: TFTP servers must list 1 to 8 servers',
      'record 2: CAPF server must be an IPv4 address or a host name',
    ]);
  });

  it('refuses one instance ID in two records, naming both', async () => {
    const prepared = await plan('SecurityProperty=u1,same,,10.0.0.5,,10.0.0.6;u2,same,,10.0.0.5,,10.0.0.6\n');
    expect(prepared.plan.refusals).toEqual([expect.stringMatching(/^Instance ID same is in both record 1 and record 2: /)]);
  });

  it('updates the profile of the same user and instance ID instead of adding a second one', async () => {
    const existing = { ...defaultProfile('mine'), userName: 'u1', instanceId: 'i1', tftpServers: ['10.9.9.9'], capfHost: '10.9.9.9', retries: 3 };
    const prepared = await plan('SecurityProperty=u1,i1,,10.0.0.5,,10.0.0.6\n', { ...EMPTY_SETTINGS, profiles: [existing], activeProfileId: 'mine' });
    expect(prepared.plan.profiles[0]).toMatchObject({ profileId: 'mine', action: 'updated' });
    expect(prepared.profiles[0]).toMatchObject({ id: 'mine', retries: 3, capfHost: '10.0.0.5' });
  });

  it('never takes a profile id from the file: injected text stays in the user name check', async () => {
    const prepared = await plan('SecurityProperty=../../etc,i1,,10.0.0.5,,10.0.0.6;"x\u0007y",i2,,10.0.0.5,,10.0.0.6\n');
    expect(prepared.profiles[0]!.id).toMatch(/^import-[0-9a-f]{12}$/);
    expect(prepared.plan.refusals).toEqual(['record 2: User name must be 1 to 128 printable characters without leading or trailing spaces']);
  });

  it('refuses files without, or with two, SecurityProperty lines, and huge or binary input', async () => {
    expect(parseJtapiIni('TraceLevel=1\n').refusals).toEqual(['No SecurityProperty line: this jtapi.ini holds no security profiles']);
    expect(parseJtapiIni('#SecurityProperty=u,i\n').refusals[0]).toMatch(/^No SecurityProperty line/);
    expect(parseJtapiIni('SecurityProperty=a,b\nSecurityProperty=c,d\n').refusals).toEqual([expect.stringMatching(/^SecurityProperty is on lines 1, 2/)]);
    expect(parseJtapiIni('SecurityProperty=;;\n').refusals).toEqual(['SecurityProperty holds no records']);
    expect(parseJtapiIni(`SecurityProperty=u,${'x'.repeat(5000)}\n`).refusals).toEqual(['record 1 is 5002 characters long; a security record is at most 4096']);
    expect(parseJtapiIni('SecurityProperty=u\0,i\n').refusals[0]).toMatch(/NUL/);
    expect(parseJtapiIni('SecurityProperty=u\uFFFD,i\n').refusals[0]).toMatch(/not valid UTF-8/);
    expect(parseJtapiIni('x'.repeat(256 * 1024 + 1)).refusals[0]).toMatch(/at most 262144 characters/);
    expect(parseJtapiIni('\n'.repeat(20_001)).refusals[0]).toMatch(/more than 20000 lines/);
  });

  it('refuses more than 100 profiles at once', async () => {
    const records = Array.from({ length: 101 }, (_, i) => `u,i${i},,10.0.0.5,,10.0.0.6;`).join('');
    const prepared = await plan(`SecurityProperty=${records}\n`);
    expect(prepared.plan.refusals).toEqual(['The file describes 101 profiles; at most 100 can be imported']);
    expect(prepared.profiles).toHaveLength(100);
  });

  it('never throws on arbitrary text', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 400 }), async (junk) => {
        const result = await plan(`SecurityProperty=${junk}\n${junk}`);
        expect(Array.isArray(result.plan.refusals)).toBe(true);
      }),
    );
  });
});
