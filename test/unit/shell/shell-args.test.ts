import { describe, expect, it } from 'vitest';
import { parseShellArgs, windowArgs } from '../../../electron/shell-args.ts';
import { labProfile, withProfile, LAB_PROFILE_ID } from '../../../electron/lab-session.ts';
import { defaultProfile, validateProfile, validateSettings } from '../../../shared/profile.ts';
import type { LabInstanceProfile } from '../../../electron/lab/profiles.ts';

describe('parseShellArgs', () => {
  it('reads --lab, repeated --profile, --home and --port', () => {
    const args = parseShellArgs(['--lab', '--profile', 'lab1:123456', '--profile=lab2:654321:p256', '--home', '/tmp/h', '--port', '0'], { strict: true });
    expect(args).toEqual({
      lab: true,
      profiles: [
        { instanceId: 'lab1', deviceName: 'CTI-lab1', authString: '123456', key: { type: 'rsa', bits: 2048 }, operation: 'install' },
        { instanceId: 'lab2', deviceName: 'CTI-lab2', authString: '654321', key: { type: 'ec', curve: 'P-256' }, operation: 'install' },
      ],
      home: '/tmp/h',
      port: 0,
    });
    expect(parseShellArgs([], { strict: true })).toEqual({ lab: false, profiles: [] });
  });

  it('refuses unknown options when strict and ignores them otherwise (Chromium switches)', () => {
    expect(() => parseShellArgs(['--nope'], { strict: true })).toThrow(/Unknown option "--nope"/);
    expect(parseShellArgs(['--no-sandbox', '.', '--lab'], { strict: false })).toMatchObject({ lab: true });
  });

  it('names the fault in bad values', () => {
    expect(() => parseShellArgs(['--lab', '--profile', 'lab1:12'], { strict: true })).toThrow(/Authentication string must be 4 to 10 digits/);
    expect(() => parseShellArgs(['--port', '70000'], { strict: true })).toThrow(/--port must be 1 to 65535/);
    expect(() => parseShellArgs(['--home'], { strict: true })).toThrow(/--home needs a value/);
    expect(() => parseShellArgs(['--profile', 'lab1:123456'], { strict: true })).toThrow(/--profile needs --lab/);
  });
});

describe('the lab profile', () => {
  const lab = {
    tftp: { host: '127.0.0.1', port: 10069 },
    capf: { host: '127.0.0.1', port: 13804 },
    ctiManager: { host: '127.0.0.1', port: 12749 },
    profiles: [{ instanceId: 'lab1', deviceName: 'CTI-lab1', authString: '123456', key: { type: 'rsa', bits: 2048 }, operation: 'install' }] as LabInstanceProfile[],
  };

  it('points at the lab and is a valid profile', () => {
    const profile = labProfile(lab);
    expect(profile).toMatchObject({
      id: LAB_PROFILE_ID,
      userName: 'labuser',
      instanceId: 'lab1',
      tftpServers: ['127.0.0.1:10069'],
      capfHost: '127.0.0.1',
      capfPort: 13804,
      ctiManagerServer: '127.0.0.1:12749',
      certificatePath: 'lab/certificates',
    });
    expect(validateProfile(profile)).toEqual({});
  });

  it('replaces an older lab profile, keeps the others, and becomes active', () => {
    const other = { ...defaultProfile('work'), userName: 'u', instanceId: 'i', tftpServers: ['10.0.0.1'], capfHost: '10.0.0.1' };
    const old = { ...labProfile(lab), capfPort: 1 };
    const settings = withProfile({ version: 2, profiles: [old, other], activeProfileId: 'work' }, labProfile(lab));
    expect(settings.profiles.map((p) => [p.id, p.capfPort])).toEqual([
      ['work', 3804],
      ['lab', 13804],
    ]);
    expect(settings.activeProfileId).toBe('lab');
    expect(validateSettings(settings).ok).toBe(true);
  });
});

describe('windowArgs', () => {
  it('ignores --lab, --profile and --home in a packaged app', () => {
    const argv = ['--lab', '--profile', 'x1:123456', '--home', '/tmp/elsewhere'];
    expect(windowArgs(argv, true)).toEqual({ lab: false, profiles: [] });
    expect(windowArgs(argv, false)).toMatchObject({ lab: true, home: '/tmp/elsewhere' });
  });
});
