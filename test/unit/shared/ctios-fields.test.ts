import { describe, expect, it } from 'vitest';
import {
  checkCtiosCaPassword,
  checkCtiosKeyPart,
  checkCtiosValue,
  CTIOS_CLIENT_VALUES,
  CTIOS_SERVER_VALUES,
  defaultCtiosSettings,
} from '../../../shared/ctios-fields.ts';

describe('CTI OS CA password: 8 to 30 characters (CreateSelfSignedCASetupPackage.exe)', () => {
  it.each([
    [7, false],
    [8, true],
    [30, true],
    [31, false],
  ])('%i characters: valid %s', (length, valid) => {
    const error = checkCtiosCaPassword('p'.repeat(length));
    if (valid) expect(error).toBeNull();
    else expect(error).toBe(`CA password must be 8 to 30 characters without control characters (got ${length})`);
  });

  it('counts characters, not bytes, and refuses control characters and non-strings', () => {
    expect(checkCtiosCaPassword('ü'.repeat(30))).toBeNull();
    expect(checkCtiosCaPassword('password\n1')).toMatch(/without control characters/);
    expect(checkCtiosCaPassword(12345678)).toMatch(/8 to 30/);
  });
});

describe('CTI OS registry values: the chapter defaults and ranges', () => {
  it('has the seed defaults', () => {
    expect(defaultCtiosSettings()).toEqual({
      client: { values: { CAType: 1, HandShakeTime: 5 } },
      server: {
        values: {
          SecurityEnabled: 0,
          AuthenticationEnabled: 1,
          CAType: 1,
          NumBytesRenegotiation: 10_000_000,
          MonitorModeDisableThreshold: 3,
          MonitorModeDisableDuration: 15,
        },
        serverName: 'CTIOS1',
      },
    });
  });

  it('names the field and its allowed values', () => {
    expect(checkCtiosValue('CAType', CTIOS_CLIENT_VALUES.CAType, 3)).toBe('CAType must be 1 (self-signed) or 2 (third party)');
    expect(checkCtiosValue('SecurityEnabled', CTIOS_SERVER_VALUES.SecurityEnabled, 2)).toBe('SecurityEnabled must be 0 (off) or 1 (on)');
    expect(checkCtiosValue('NumBytesRenegotiation', CTIOS_SERVER_VALUES.NumBytesRenegotiation, 9_999_999)).toBe(
      'NumBytesRenegotiation must be 10000000 to 4294967295 bytes',
    );
    expect(checkCtiosValue('NumBytesRenegotiation', CTIOS_SERVER_VALUES.NumBytesRenegotiation, 10_000_000)).toBeNull();
    expect(checkCtiosValue('HandShakeTime', CTIOS_CLIENT_VALUES.HandShakeTime, 0)).toBe('HandShakeTime must be 1 to 300 seconds');
    expect(checkCtiosValue('HandShakeTime', CTIOS_CLIENT_VALUES.HandShakeTime, 2.5)).toMatch(/1 to 300/);
    expect(checkCtiosValue('MonitorModeDisableDuration', CTIOS_SERVER_VALUES.MonitorModeDisableDuration, '15')).toMatch(/minutes/);
  });

  it('refuses registry key parts with a backslash', () => {
    expect(checkCtiosKeyPart('InstanceName', 'cc1')).toBeNull();
    expect(checkCtiosKeyPart('InstanceName', 'a\\b')).toBe('InstanceName must be 1 to 64 printable characters without a backslash');
  });
});
