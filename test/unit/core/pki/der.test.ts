/** The DER writer and the DER/BER reader: round trips against asn1js as an independent codec, and hostile bytes. */
import * as asn1js from 'asn1js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  childrenOf,
  decodeOne,
  der,
  DerError,
  readOctets,
  readOid,
  readSmallInteger,
  readString,
  readTime,
  Tag,
  type DerElement,
} from '../../../../electron/core/pki/der.ts';

const asn1 = (value: asn1js.AsnType) => Buffer.from(value.toBER(false));

describe('DER writer', () => {
  it('encodes as asn1js does: integers, OIDs, strings, NULL, and long lengths', () => {
    for (const n of [0, 1, 127, 128, 255, 256, 2048, 100_000, 2 ** 31]) {
      expect(der.integer(n)).toEqual(asn1(new asn1js.Integer({ value: n })));
    }
    for (const oid of ['1.2.840.113549.1.12.10.1.2', '2.16.840.1.101.3.4.2.1', '0.9.2342.19200300.100.1.25', '2.999.1']) {
      expect(der.oid(oid)).toEqual(asn1(new asn1js.ObjectIdentifier({ value: oid })));
    }
    expect(der.bmpString('Alias ü')).toEqual(asn1(new asn1js.BmpString({ value: 'Alias ü' })));
    expect(der.null()).toEqual(asn1(new asn1js.Null()));
    const big = Buffer.alloc(70_000, 7);
    expect(der.octetString(big)).toEqual(asn1(new asn1js.OctetString({ valueHex: big })));
  });

  it('sorts the elements of a SET OF by their encodings', () => {
    const [a, b] = [der.integer(2), der.integer(1)];
    expect(der.set(a, b)).toEqual(Buffer.concat([Buffer.from([0x31, 6]), b, a]));
  });
});

describe('DER reader', () => {
  it('reads back what the writer wrote, field by field', () => {
    const bytes = der.sequence(der.integer(3), der.oid('1.2.840.113549.1.7.1'), der.explicit(0, der.octetString(Buffer.from('hi'))), der.bmpString('Zoë'));
    const [version, oid, tagged, name] = childrenOf(decodeOne(bytes, 'test'), 'test');
    expect(readSmallInteger(version, 'version')).toBe(3);
    expect(readOid(oid, 'oid')).toBe('1.2.840.113549.1.7.1');
    expect(readOctets(childrenOf(tagged!, 'tagged')[0], 'octets').toString()).toBe('hi');
    expect(readString(name!, 'name')).toBe('Zoë');
  });

  it('round-trips any OID', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 39 }), fc.array(fc.nat(), { maxLength: 8 }), (top, second, rest) => {
        const oid = [top, second, ...rest].join('.');
        expect(readOid(decodeOne(der.oid(oid), 'oid'), 'oid')).toBe(oid);
      }),
    );
  });

  it('takes BER: indefinite lengths and OCTET STRINGs in parts', () => {
    // SEQUENCE (indefinite) { OCTET STRING constructed (indefinite) { "ab", "cd" } }
    const ber = Buffer.from([0x30, 0x80, 0x24, 0x80, 0x04, 0x02, 0x61, 0x62, 0x04, 0x02, 0x63, 0x64, 0, 0, 0, 0]);
    const [octets] = childrenOf(decodeOne(ber, 'ber'), 'ber');
    expect(readOctets(octets, 'octets').toString()).toBe('abcd');
    expect(asn1js.fromBER(new Uint8Array(ber)).offset).toBe(ber.length);
  });

  it('reads UTCTime with the 1950-2049 rule and GeneralizedTime', () => {
    expect(readTime(decodeOne(asn1(new asn1js.UTCTime({ valueDate: new Date('2049-12-31T23:59:59Z') })), 't'), 't').toISOString()).toBe('2049-12-31T23:59:59.000Z');
    expect(readTime(decodeOne(Buffer.concat([Buffer.from([Tag.utcTime, 13]), Buffer.from('500101000000Z')]), 't'), 't').getUTCFullYear()).toBe(1950);
    expect(readTime(decodeOne(Buffer.concat([Buffer.from([Tag.generalizedTime, 15]), Buffer.from('20510101000000Z')]), 't'), 't').getUTCFullYear()).toBe(2051);
  });

  it('refuses lengths beyond the bytes, trailing bytes, primitive indefinite lengths and deep nesting, naming the field', () => {
    expect(() => decodeOne(Buffer.from([0x30, 0x05, 0x02, 0x01]), 'PFX')).toThrow(/PFX: ends after 4 bytes/);
    expect(() => decodeOne(Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff]), 'PFX')).toThrow(DerError);
    expect(() => decodeOne(Buffer.from([0x30, 0x85, 1, 0, 0, 0, 0]), 'PFX')).toThrow(/length of 5 bytes/);
    expect(() => decodeOne(Buffer.from([0x05, 0x00, 0x00]), 'x')).toThrow(/1 trailing bytes/);
    expect(() => decodeOne(Buffer.from([0x04, 0x80, 0, 0]), 'x')).toThrow(/primitive element with an indefinite length/);
    expect(() => decodeOne(Buffer.from([0x30, 0x80, 0x05, 0x00]), 'x')).toThrow(/ends after/);
    const nested = Buffer.from(Array.from({ length: 100 }, () => [0x30, 0x80]).flat());
    expect(() => decodeOne(nested, 'x')).toThrow(/nested more than 64 levels/);
  });

  it('refuses malformed OIDs, integers and bit strings', () => {
    expect(() => readOid(decodeOne(Buffer.from([0x06, 0x01, 0x81]), 'o'), 'o')).toThrow(/not a valid OBJECT IDENTIFIER/);
    expect(() => readOid(decodeOne(Buffer.from([0x06, 0x00]), 'o'), 'o')).toThrow(/not a valid OBJECT IDENTIFIER/);
    expect(() => readOid(decodeOne(Buffer.from([0x06, 0x02, 0x2a, 0x80]), 'o'), 'o')).toThrow(DerError);
    expect(() => readSmallInteger(decodeOne(Buffer.from([0x02, 0x01, 0xff]), 'i'), 'i')).toThrow(/not a small non-negative INTEGER/);
    expect(() => readSmallInteger(decodeOne(Buffer.from([0x04, 0x01, 0x01]), 'i'), 'i')).toThrow(/expected tag 0x02, got 0x04/);
  });

  it('answers arbitrary bytes with a DerError or an element, never another exception', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          const walk = (element: DerElement, depth: number): void => {
            if (element.constructed && depth < 10) for (const child of childrenOf(element, 'x')) walk(child, depth + 1);
          };
          walk(decodeOne(Buffer.from(bytes), 'x'), 0);
        } catch (err) {
          expect(err).toBeInstanceOf(DerError);
        }
      }),
      { numRuns: 500 },
    );
  });
});
