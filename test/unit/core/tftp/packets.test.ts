import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  OPCODE,
  TFTP_ERROR_CODE,
  TftpPacketError,
  decodeAck,
  decodeData,
  decodeError,
  decodeOack,
  decodePacket,
  decodeRequest,
  encodeAck,
  encodeData,
  encodeError,
  encodeOack,
  encodeRequest,
  parseOptionInteger,
  type TftpOptions,
} from '../../../../electron/core/tftp/packets.ts';

const noNul = (min = 0): fc.Arbitrary<string> => fc.string({ minLength: min, maxLength: 40 }).filter((s) => !s.includes('\0'));
const optionsArb: fc.Arbitrary<TftpOptions> = fc
  .uniqueArray(fc.tuple(noNul(1).map((s) => s.toLowerCase()), noNul()), { maxLength: 5, selector: ([name]) => name })
  .map((pairs) => new Map(pairs));

describe('TFTP packets', () => {
  it('encodes an RRQ with options byte for byte as RFC 2347 shows it', () => {
    const bytes = encodeRequest({
      opcode: OPCODE.RRQ,
      filename: 'CTLFile.tlv',
      mode: 'octet',
      options: new Map([
        ['blksize', '1468'],
        ['tsize', '0'],
      ]),
    });
    expect(bytes).toEqual(Buffer.from('\x00\x01CTLFile.tlv\x00octet\x00blksize\x001468\x00tsize\x000\x00', 'latin1'));
  });

  it('round-trips requests (RRQ and WRQ)', () => {
    fc.assert(
      fc.property(fc.constantFrom(OPCODE.RRQ, OPCODE.WRQ), noNul(1), fc.constantFrom('octet', 'netascii'), optionsArb, (opcode, filename, mode, options) => {
        const decoded = decodeRequest(encodeRequest({ opcode, filename, mode, options }));
        expect(decoded).toEqual({ opcode, filename, mode, options });
        expect(decodePacket(encodeRequest({ opcode, filename, mode, options }))).toEqual(decoded);
      }),
    );
  });

  it('round-trips DATA, ACK, ERROR and OACK', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), fc.uint8Array({ maxLength: 1500 }), (block, bytes) => {
        const data = Buffer.from(bytes);
        expect(decodeData(encodeData({ block, data }))).toEqual({ opcode: OPCODE.DATA, block, data });
        expect(decodeAck(encodeAck({ block }))).toEqual({ opcode: OPCODE.ACK, block });
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), noNul(), (code, message) => {
        expect(decodeError(encodeError({ code, message }))).toEqual({ opcode: OPCODE.ERROR, code, message });
      }),
    );
    fc.assert(
      fc.property(optionsArb, (options) => {
        expect(decodeOack(encodeOack({ options }))).toEqual({ opcode: OPCODE.OACK, options });
      }),
    );
  });

  it('decodes any datagram to a packet or a TftpPacketError, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        try {
          const packet = decodePacket(Buffer.from(bytes));
          expect(packet.opcode).toBe(Buffer.from(bytes).readUInt16BE(0));
        } catch (err) {
          expect(err).toBeInstanceOf(TftpPacketError);
          expect((err as TftpPacketError).code).toBe('TFTP_ERROR');
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('decodes valid packets with hostile bytes appended or cut off without reading past the end', () => {
    const valid = [
      encodeRequest({ opcode: OPCODE.RRQ, filename: 'a', mode: 'octet', options: new Map([['blksize', '512']]) }),
      encodeOack({ options: new Map([['tsize', '10']]) }),
      encodeAck({ block: 7 }),
    ];
    fc.assert(
      fc.property(fc.constantFrom(...valid), fc.nat({ max: 30 }), fc.uint8Array({ maxLength: 8 }), (packet, cut, tail) => {
        const mutated = Buffer.concat([packet.subarray(0, Math.max(0, packet.length - cut)), Buffer.from(tail)]);
        try {
          decodePacket(mutated);
        } catch (err) {
          expect(err).toBeInstanceOf(TftpPacketError);
        }
      }),
    );
  });

  it.each([
    ['an empty datagram', ''],
    ['a lone byte', '\x00'],
    ['opcode 0', '\x00\x00abc'],
    ['opcode 7', '\x00\x07'],
    ['a DATA without block number', '\x00\x03\x00'],
    ['an ACK with trailing bytes', '\x00\x04\x00\x01\x00'],
    ['a short ACK', '\x00\x04\x00'],
    ['an ERROR without code', '\x00\x05\x00'],
    ['a request without NUL after the file name', '\x00\x01file'],
    ['a request without mode', '\x00\x01file\x00'],
    ['a request with an empty file name', '\x00\x01\x00octet\x00'],
    ['a request with an option but no value', '\x00\x01f\x00octet\x00blksize\x00'],
    ['a request with an unterminated option value', '\x00\x01f\x00octet\x00blksize\x00512'],
    ['an OACK that repeats an option', '\x00\x06blksize\x00512\x00BLKSIZE\x00512\x00'],
    ['an OACK with an empty option name', '\x00\x06\x00512\x00'],
  ])('rejects %s with a TftpPacketError', (_name, bytes) => {
    expect(() => decodePacket(Buffer.from(bytes, 'latin1'))).toThrow(TftpPacketError);
  });

  it('lower-cases option names and the mode (RFC 2347: case-insensitive)', () => {
    const decoded = decodeRequest(Buffer.from('\x00\x01F\x00OCTET\x00BlkSize\x00512\x00', 'latin1'));
    expect(decoded.mode).toBe('octet');
    expect([...decoded.options]).toEqual([['blksize', '512']]);
    expect(decoded.filename).toBe('F');
  });

  it('keeps the text of an ERROR whose server forgot the final NUL', () => {
    expect(decodeError(Buffer.from('\x00\x05\x00\x01File not found', 'latin1'))).toEqual({
      opcode: OPCODE.ERROR,
      code: TFTP_ERROR_CODE.FILE_NOT_FOUND,
      message: 'File not found',
    });
  });

  it('refuses to encode what would corrupt the framing', () => {
    expect(() => encodeRequest({ opcode: OPCODE.RRQ, filename: 'a\0b', mode: 'octet', options: new Map() })).toThrow(/NUL/);
    expect(() => encodeRequest({ opcode: OPCODE.RRQ, filename: '', mode: 'octet', options: new Map() })).toThrow(/empty/);
    expect(() => encodeAck({ block: 65536 })).toThrow(/0 to 65535/);
    expect(() => encodeData({ block: -1, data: Buffer.alloc(0) })).toThrow(/0 to 65535/);
    expect(() => encodeOack({ options: new Map([['', '1']]) })).toThrow(/empty/);
  });

  it('reads option integers strictly', () => {
    expect(parseOptionInteger('1468')).toBe(1468);
    expect(parseOptionInteger('0')).toBe(0);
    for (const bad of ['', ' 1', '1e3', '-1', '0x10', '1.5', '12345678901234']) expect(parseOptionInteger(bad)).toBeUndefined();
  });
});
