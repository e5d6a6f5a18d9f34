import { describe, expect, it } from 'vitest';
import { defaultCtiosSettings } from '../../../../shared/ctios-fields.ts';
import { decodeRegFile, encodeRegFile, REG_HEADER } from '../../../../electron/core/ctios/registry-file.ts';
import { CLIENT_REGISTRY_KEY, serverRegistryKey } from '../../../../electron/core/ctios/registry-keys.ts';
import { exportCtiosRegistry, importCtiosRegistry } from '../../../../electron/core/ctios/registry-settings.ts';
import { setCtiosValues } from '../../../../electron/core/ctios/settings.ts';

const SERVER_KEY = 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Cisco Systems, Inc.\\Ctios\\CTIOS_cc1\\CTIOS1\\Server\\Security';
const reg = (body: string) => Buffer.from(`${REG_HEADER}\r\n\r\n${body}\r\n`, 'utf8');

describe('.reg files', () => {
  it('writes what regedit writes: UTF-16LE with BOM, CRLF, the chapter keys, dword:XXXXXXXX', () => {
    const bytes = exportCtiosRegistry(defaultCtiosSettings(), 'client');
    expect([...bytes.subarray(0, 2)]).toEqual([0xff, 0xfe]);
    expect(bytes.subarray(2).toString('utf16le')).toBe(
      `${REG_HEADER}\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Cisco Systems, Inc.\\CTI OS Client]\r\n"CAType"=dword:00000001\r\n"HandShakeTime"=dword:00000005\r\n\r\n`,
    );
    expect(serverRegistryKey('cc1', 'CTIOS1')).toBe(SERVER_KEY);
  });

  it('round-trips client and server settings', () => {
    let settings = setCtiosValues(defaultCtiosSettings(), 'server', {
      InstanceName: 'cc1',
      SecurityEnabled: '1',
      NumBytesRenegotiation: '4294967295',
      MonitorModeDisableDuration: '60',
    });
    settings = setCtiosValues(settings, 'client', { CAType: '2', HandShakeTime: '10' });
    for (const role of ['client', 'server'] as const) {
      const imported = importCtiosRegistry(exportCtiosRegistry(settings, role), 'x.reg', role, defaultCtiosSettings());
      expect(imported.settings[role]).toEqual(settings[role]);
      expect(imported.ignored).toEqual([]);
    }
  });

  it('reads UTF-8 files, ignores other values and case in names and keys', () => {
    const imported = importCtiosRegistry(
      reg(`[${SERVER_KEY.toUpperCase()}]\r\n"securityenabled"=dword:1\r\n"Other"="text"`),
      'x.reg',
      'server',
      defaultCtiosSettings(),
    );
    expect(imported.settings.server.values.SecurityEnabled).toBe(1);
    expect(imported.imported).toEqual(['SecurityEnabled']);
    expect(imported.ignored).toEqual(['Other']);
  });

  it('refuses out-of-range values, naming each value and its range, and imports nothing', () => {
    const current = defaultCtiosSettings();
    expect(() =>
      importCtiosRegistry(reg(`[${SERVER_KEY}]\r\n"NumBytesRenegotiation"=dword:00989680\r\n"NumBytesRenegotiation"=dword:00000001\r\n"SecurityEnabled"=dword:00000002`), 'x.reg', 'server', current),
    ).toThrow('x.reg: NumBytesRenegotiation must be 10000000 to 4294967295 bytes, got 1; SecurityEnabled must be 0 (off) or 1 (on), got 2; nothing was imported');
    expect(() => importCtiosRegistry(reg(`[${CLIENT_REGISTRY_KEY}]\r\n"HandShakeTime"="5"`), 'x.reg', 'client', current)).toThrow(
      'HandShakeTime must be a DWORD value (dword:XXXXXXXX)',
    );
    expect(current).toEqual(defaultCtiosSettings());
  });

  it('refuses files that are not registry files, or lack the role key', () => {
    expect(() => decodeRegFile(Buffer.from('REGEDIT4\r\n'), 'x.reg')).toThrow('x.reg does not start with "Windows Registry Editor Version 5.00"');
    expect(() => decodeRegFile(reg('"A"=dword:1'), 'x.reg')).toThrow('x.reg line 3: a value before any [KEY]');
    expect(() => decodeRegFile(reg('[K]\r\ngarbage'), 'x.reg')).toThrow('x.reg line 4: expected "Name"=dword:XXXXXXXX');
    expect(() => decodeRegFile(Buffer.alloc(70_000, 0x41), 'x.reg')).toThrow(/larger than 65536 bytes/);
    expect(() => importCtiosRegistry(reg(`[${CLIENT_REGISTRY_KEY}]`), 'x.reg', 'server', defaultCtiosSettings())).toThrow(/has no \[.*CTIOS_<InstanceName>.*\] key \(--role server\)/);
    expect(decodeRegFile(reg('[K]\r\n"A"=dword:123456789'), 'x.reg')[0]!.values.get('A')).toEqual({ type: 'other', text: 'dword:123456789' });
  });

  it('needs the instance name before the server key can be written', () => {
    expect(() => exportCtiosRegistry(defaultCtiosSettings(), 'server')).toThrow(/InstanceName=NAME/);
  });

  it('setCtiosValues names unknown settings and bad values all at once', () => {
    expect(() => setCtiosValues(defaultCtiosSettings(), 'client', { Bogus: '1', HandShakeTime: 'x' })).toThrow(
      'Bogus is not a CTI OS client setting (CAType, HandShakeTime); HandShakeTime must be 1 to 300 seconds, got "x"',
    );
  });
});
