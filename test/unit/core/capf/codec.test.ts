import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CtiError } from '../../../../shared/errors.ts';
import {
  CapfMessageReader,
  decodeCapfHeader,
  decodeCapfMessage,
  encodeCapfMessage,
  findElement,
  readString,
  readU16,
  readU8,
  readVersion,
  requireElement,
  stringElement,
  u16Element,
  u8Element,
  unwrapCertificate,
  versionElement,
  wrapCertificate,
  type CapfMessage,
} from '../../../../electron/core/capf/codec.ts';
import {
  CAPF_VERSIONS,
  CapfCommand,
  CapfElement,
  describeVersionKeys,
  versionAllowsEc,
} from '../../../../electron/core/capf/constants.ts';

const element = fc.record({
  tag: fc.integer({ min: 0, max: 255 }),
  value: fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
});
const message: fc.Arbitrary<CapfMessage> = fc.record({
  command: fc.integer({ min: 0, max: 255 }),
  sessionId: fc.integer({ min: 0, max: 0xffff_ffff }),
  elements: fc.array(element, { maxLength: 12 }),
});

function protocolError(fn: () => unknown): CtiError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CtiError);
    expect((err as CtiError).code).toBe('CAPF_PROTOCOL');
    return err as CtiError;
  }
  throw new Error('expected a CAPF_PROTOCOL error');
}

describe('message codec', () => {
  it('encodes the spec layout: 0x55, command, session id BE, body length BE, then tag/length/value', () => {
    const bytes = encodeCapfMessage({
      command: CapfCommand.authRequest,
      sessionId: 0x0a0b0c0d,
      elements: [u8Element(CapfElement.version, 3)],
    });
    expect(bytes.toString('hex')).toBe('55' + '01' + '0a0b0c0d' + '0004' + '07' + '0001' + '03');
  });

  it('round-trips any message', () => {
    fc.assert(
      fc.property(message, (m) => {
        expect(decodeCapfMessage(encodeCapfMessage(m))).toEqual(m);
      }),
    );
  });

  it('refuses to encode values that do not fit their fields', () => {
    protocolError(() => encodeCapfMessage({ command: 256, sessionId: 1, elements: [] }));
    protocolError(() => encodeCapfMessage({ command: 1, sessionId: 2 ** 32, elements: [] }));
    protocolError(() => encodeCapfMessage({ command: 1, sessionId: 1, elements: [{ tag: 4, value: Buffer.alloc(0x10000) }] }));
    protocolError(() =>
      encodeCapfMessage({ command: 1, sessionId: 1, elements: [{ tag: 4, value: Buffer.alloc(0xfff0) }, { tag: 4, value: Buffer.alloc(20) }] }),
    );
  });

  it('every truncation of a valid message is a CAPF_PROTOCOL error', () => {
    fc.assert(
      fc.property(message, fc.nat(), (m, cut) => {
        const bytes = encodeCapfMessage(m);
        protocolError(() => decodeCapfMessage(bytes.subarray(0, cut % bytes.length)));
      }),
    );
  });

  it('trailing bytes, a wrong protocol id and a body over the limit are refused', () => {
    const bytes = encodeCapfMessage({ command: 2, sessionId: 7, elements: [u8Element(1, 1)] });
    expect(protocolError(() => decodeCapfMessage(Buffer.concat([bytes, Buffer.from([0])]))).message).toContain('trailing');
    const wrongId = Buffer.from(bytes);
    wrongId[0] = 0x54;
    expect(protocolError(() => decodeCapfMessage(wrongId)).message).toContain('0x54');
    expect(protocolError(() => decodeCapfHeader(bytes, 3)).message).toContain('limit');
  });

  it('an element length that runs past the body is refused', () => {
    const bytes = encodeCapfMessage({ command: 2, sessionId: 7, elements: [u16Element(10, 2048)] });
    bytes.writeUInt16BE(3, 9); // claims 3 value bytes, 2 remain
    expect(protocolError(() => decodeCapfMessage(bytes)).message).toContain('element 10 claims 3 bytes');
    const headerCut = encodeCapfMessage({ command: 2, sessionId: 7, elements: [] });
    const twoByteBody = Buffer.concat([headerCut, Buffer.from([1, 0])]);
    twoByteBody.writeUInt16BE(2, 6);
    expect(protocolError(() => decodeCapfMessage(twoByteBody)).message).toContain('truncated');
  });

  it('any bytes decode to a message or a CAPF_PROTOCOL error, never anything else', () => {
    const hostile = fc.oneof(
      fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
      // Mostly-valid headers with random bodies and lengths.
      fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.uint8Array({ maxLength: 200 })).map(([length, body]) => {
        const header = Buffer.from([0x55, 3, 0, 0, 0, 1, 0, 0]);
        header.writeUInt16BE(length, 6);
        return Buffer.concat([header, Buffer.from(body)]);
      }),
    );
    fc.assert(
      fc.property(hostile, (bytes) => {
        try {
          const decoded = decodeCapfMessage(bytes);
          expect(encodeCapfMessage(decoded).equals(bytes)).toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(CtiError);
          expect((err as CtiError).code).toBe('CAPF_PROTOCOL');
        }
      }),
    );
  });
});

describe('stream reader', () => {
  it('frames the same messages however the stream is split into chunks', () => {
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 5 }), fc.array(fc.nat(), { maxLength: 20 }), (messages, cuts) => {
        const stream = Buffer.concat(messages.map(encodeCapfMessage));
        const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
        const reader = new CapfMessageReader();
        const out: CapfMessage[] = [];
        let start = 0;
        for (const point of [...points, stream.length]) {
          out.push(...reader.push(stream.subarray(start, point)));
          start = point;
        }
        expect(out).toEqual(messages);
        expect(reader.buffered).toBe(0);
      }),
    );
  });

  it('keeps an incomplete message until the rest arrives', () => {
    const bytes = encodeCapfMessage({ command: 15, sessionId: 9, elements: [u8Element(1, 0)] });
    const reader = new CapfMessageReader();
    expect(reader.push(bytes.subarray(0, 10))).toEqual([]);
    expect(reader.buffered).toBe(10);
    expect(reader.push(bytes.subarray(10))).toHaveLength(1);
  });

  it('refuses a wrong protocol id or an oversized body as soon as the header is complete', () => {
    const header = Buffer.from([0x55, 2, 0, 0, 0, 1, 0xff, 0xff]);
    protocolError(() => new CapfMessageReader(16 * 1024).push(header));
    protocolError(() => new CapfMessageReader().push(Buffer.from([0x99, 2, 0, 0, 0, 1, 0, 0])));
  });
});

describe('element values', () => {
  it('round-trips u8, u16 and NUL-terminated strings, the NUL counted in the length', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 0xffff }), fc.string().filter((s) => !s.includes('\0')), (a, b, s) => {
        expect(readU8(u8Element(1, a).value, 'x')).toBe(a);
        expect(readU16(u16Element(10, b).value, 'x')).toBe(b);
        const str = stringElement(13, s);
        expect(str.value.length).toBe(Buffer.byteLength(s) + 1);
        expect(readString(str.value, 'x')).toBe(s);
      }),
    );
    expect(stringElement(11, '').value).toEqual(Buffer.from([0]));
  });

  it('refuses values of the wrong size and strings without their NUL', () => {
    protocolError(() => readU8(Buffer.alloc(2), 'reason'));
    protocolError(() => readU16(Buffer.alloc(1), 'key size'));
    protocolError(() => readString(Buffer.from('abc'), 'device name'));
    protocolError(() => readString(Buffer.alloc(0), 'device name'));
    protocolError(() => readString(Buffer.from('a\0b\0'), 'device name'));
    protocolError(() => stringElement(13, 'a\0b'));
  });

  it('wraps a certificate as 01, DER length + 2, 00, type, DER and unwraps it', () => {
    const der = Buffer.from([0x30, 0x03, 0x02, 0x01, 0x05]);
    const wrapped = wrapCertificate(der);
    expect(wrapped.toString('hex')).toBe('01' + '0007' + '00' + '01' + '3003020105');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.integer({ min: 0, max: 255 }), (bytes, type) => {
        const value = Buffer.from(bytes);
        expect(unwrapCertificate(wrapCertificate(value, type))).toEqual({ certificateType: type, der: value });
      }),
    );
  });

  it('refuses a certificate wrapper that is short, mismarked or lies about its length', () => {
    protocolError(() => unwrapCertificate(Buffer.from([1, 0, 2, 0])));
    const wrapped = wrapCertificate(Buffer.from([0x30, 0]));
    protocolError(() => unwrapCertificate(Buffer.concat([Buffer.from([2]), wrapped.subarray(1)])));
    const lying = Buffer.from(wrapped);
    lying.writeUInt16BE(0x0100, 1);
    protocolError(() => unwrapCertificate(lying));
  });

  it('finds elements, refuses duplicates and names a missing one', () => {
    const m: CapfMessage = { command: 3, sessionId: 1, elements: [u16Element(10, 2048), u8Element(17, 0), u8Element(17, 1)] };
    expect(findElement(m, 10, 'key size')).toEqual(Buffer.from([8, 0]));
    expect(findElement(m, 18, 'curve')).toBeUndefined();
    protocolError(() => findElement(m, 17, 'key type'));
    expect(protocolError(() => requireElement(m, 9, 'public key')).message).toContain('public key (element 9)');
  });
});

describe('protocol version', () => {
  const authRequestOf = (elements: CapfMessage['elements']): CapfMessage => ({ command: CapfCommand.authRequest, sessionId: 7, elements });

  it('round-trips versions 1, 2 and 3 through a whole message', () => {
    for (const version of CAPF_VERSIONS) {
      const bytes = encodeCapfMessage(authRequestOf([versionElement(version)]));
      expect(bytes.subarray(8).toString('hex')).toBe(`070001${version.toString(16).padStart(2, '0')}`);
      expect(readVersion(decodeCapfMessage(bytes))).toBe(version);
    }
  });

  it('refuses version 0 and versions above 3 with the number shown', () => {
    for (const version of [0, 4, 255]) {
      const error = protocolError(() => readVersion(decodeCapfMessage(encodeCapfMessage(authRequestOf([u8Element(CapfElement.version, version)])))));
      expect(error.message).toBe(`CAPF: authRequest (1) carries protocol version ${version}; supported are versions 1, 2, 3`);
    }
  });

  it('refuses a missing, doubled or 2-byte version element', () => {
    expect(protocolError(() => readVersion(authRequestOf([]))).message).toContain('lacks version (element 7)');
    expect(protocolError(() => readVersion(authRequestOf([versionElement(3), versionElement(3)]))).message).toContain('2 times');
    expect(protocolError(() => readVersion(authRequestOf([u16Element(CapfElement.version, 3)]))).message).toContain('version must be 1 byte, got 2');
  });

  it('allows EC keys from version 3 on: versions 1 and 2 know RSA only', () => {
    expect(CAPF_VERSIONS.filter(versionAllowsEc)).toEqual([3]);
    expect(describeVersionKeys(1)).toBe('CAPF protocol version 1 allows RSA keys only');
    expect(describeVersionKeys(3)).toBe('CAPF protocol version 3 allows RSA and EC keys');
  });
});
