import { describe, expect, it } from 'vitest';
import {
  checkAuthString,
  checkDeviceNameTemplate,
  checkHost,
  checkInstanceId,
  checkRetries,
  checkRetryInterval,
  deviceName,
  parseEndpoint,
} from '../../../shared/fields.ts';

describe('field rules', () => {
  it('accepts instance IDs of 1 to 128 letters and digits only', () => {
    expect(checkInstanceId('a')).toBeNull();
    expect(checkInstanceId('A1b2'.repeat(32))).toBeNull();
    expect(checkInstanceId('x'.repeat(129))).toMatch(/1 to 128/);
    expect(checkInstanceId('')).toMatch(/1 to 128/);
    expect(checkInstanceId('ab-c')).toMatch(/letters or digits/);
    expect(checkInstanceId(42)).not.toBeNull();
  });

  it('accepts authentication strings of 4 to 10 digits', () => {
    expect(checkAuthString('1234')).toBeNull();
    expect(checkAuthString('1234567890')).toBeNull();
    expect(checkAuthString('123')).toBe('Authentication string must be 4 to 10 digits');
    expect(checkAuthString('12345678901')).not.toBeNull();
    expect(checkAuthString('12a4')).not.toBeNull();
  });

  it('names the range of retries and interval', () => {
    expect(checkRetries(0)).toBeNull();
    expect(checkRetries(3)).toBeNull();
    expect(checkRetries(4)).toBe('Retries must be 0 to 3');
    expect(checkRetries(1.5)).toBe('Retries must be 0 to 3');
    expect(checkRetryInterval(15)).toBeNull();
    expect(checkRetryInterval(16)).toBe('Retry interval must be 0 to 15');
    expect(checkRetryInterval(-1)).toBe('Retry interval must be 0 to 15');
  });

  it('parses HOST[:PORT] with the default port and rejects junk', () => {
    expect(parseEndpoint('10.0.0.1', 69, 'TFTP server')).toEqual({ host: '10.0.0.1', port: 69 });
    expect(parseEndpoint('cucm.example.com:6969', 69, 'TFTP server')).toEqual({ host: 'cucm.example.com', port: 6969 });
    expect(parseEndpoint('10.0.0.1:0', 69, 'TFTP server')).toEqual({ error: 'TFTP server port must be 1 to 65535' });
    expect(parseEndpoint('10.0.0.1:99999', 69, 'TFTP server')).toHaveProperty('error');
    expect(parseEndpoint('bad host', 69, 'TFTP server')).toHaveProperty('error');
    expect(parseEndpoint('', 69, 'TFTP server')).toHaveProperty('error');
    expect(checkHost('300.1.1.1')).not.toBeNull();
  });

  it('refuses IPv6 forms saying that IPv6 is not supported', () => {
    for (const text of ['[::1]:69', '::1', '[fe80::1]', 'fe80::1%eth0']) {
      expect(parseEndpoint(text, 69, '--tftp')).toEqual({ error: `--tftp must be an IPv4 address or a host name: IPv6 addresses are not supported, got "${text}"` });
    }
    expect(checkHost('::1', 'CAPF server')).toMatch(/^CAPF server must be an IPv4 address or a host name: IPv6 addresses are not supported/);
    expect(parseEndpoint('cucm:69', 69, 'TFTP server')).toEqual({ host: 'cucm', port: 69 });
  });

  it('builds the CAPF device name from the template', () => {
    expect(deviceName(undefined, 'alice', 'inst1')).toBe('CTI-inst1');
    expect(deviceName('{instance}', 'alice', 'inst1')).toBe('inst1');
    expect(deviceName('{user}-{instance}', 'alice', 'inst1')).toBe('alice-inst1');
    expect(checkDeviceNameTemplate('{user}-{instance}')).toBeNull();
    expect(checkDeviceNameTemplate('{host}')).toMatch(/only \{user\} and \{instance\}/);
  });

  it('refuses a huge device name template by its length, without scanning it from every position', () => {
    // 100 000 "{": the placeholder check alone would take minutes on this (a hostile settings:save).
    expect(checkDeviceNameTemplate('{'.repeat(100_000))).toMatch(/1 to 128 printable characters/);
  });
});
