/** The trust-list names: CTLCAPF + the CAPF server's IPv4 address in hex, then CTLFile.tlv. */
import { describe, expect, it } from 'vitest';
import { CTLFILE_NAME, ctlCapfFileName, trustListFileNames } from '../../../../electron/core/ctl/file-names.ts';
import { memoryLogger } from '../../../../electron/core/log.ts';

describe('ctlCapfFileName', () => {
  it('spells the IPv4 address as 8 lowercase hex digits, as Cisco\'s client does', () => {
    expect(ctlCapfFileName('128.107.140.76')).toBe('CTLCAPF806b8c4c.tlv');
    expect(ctlCapfFileName('127.0.0.1')).toBe('CTLCAPF7f000001.tlv');
    expect(ctlCapfFileName('10.0.0.255')).toBe('CTLCAPF0a0000ff.tlv');
  });

  it('refuses anything but an IPv4 address', () => {
    for (const host of ['::1', 'cucm.example.com', '1.2.3', '256.1.1.1']) {
      expect(() => ctlCapfFileName(host)).toThrow(/needs the CAPF server's IPv4 address/);
    }
  });
});

describe('trustListFileNames', () => {
  it('asks for the CTLCAPF name first when the CAPF server is an IPv4 address or resolves to one', async () => {
    const logger = memoryLogger();
    expect(await trustListFileNames('128.107.140.76', logger)).toEqual(['CTLCAPF806b8c4c.tlv', CTLFILE_NAME]);
    // 'localhost' resolves to 127.0.0.1 with family 4 (loopback only: no outside name service).
    expect(await trustListFileNames('localhost', logger)).toEqual(['CTLCAPF7f000001.tlv', CTLFILE_NAME]);
  });

  // A name that does not resolve is not tested: finding that out would ask a name server beyond loopback.
  it('asks only for CTLFile.tlv without a CAPF server or for an IPv6 one', async () => {
    const logger = memoryLogger();
    expect(await trustListFileNames(undefined, logger)).toEqual([CTLFILE_NAME]);
    expect(await trustListFileNames('', logger)).toEqual([CTLFILE_NAME]);
    expect(await trustListFileNames('::1', logger)).toEqual([CTLFILE_NAME]);
  });
});
