/**
 * ASN.1 in its X.690 encodings, as much as keystores and certificates need: a writer of DER and a reader
 * that checks every length against the bytes it has. The reader also takes the BER that other PKCS#12
 * writers produce (indefinite lengths, OCTET STRINGs in parts). The keystore and the trust list use it
 * instead of pkijs, whose 600 KB of classes cost every CLI start more than these pages of code.
 */

/** Universal tags (X.680 8.4), with the constructed bit for SEQUENCE and SET. */
export const Tag = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  utf8String: 0x0c,
  printableString: 0x13,
  teletexString: 0x14,
  ia5String: 0x16,
  utcTime: 0x17,
  generalizedTime: 0x18,
  universalString: 0x1c,
  bmpString: 0x1e,
  sequence: 0x30,
  set: 0x31,
} as const;

const CONSTRUCTED = 0x20;
const CONTEXT = 0x80;
const HIGH_TAG_NUMBER = 0x1f;
const INDEFINITE_LENGTH = 0x80;
const LONG_LENGTH = 0x80;
/** Lengths up to 2^32 - 1: a keystore or a certificate is far smaller; more is a hostile file. */
const MAX_LENGTH_BYTES = 4;
/** Nesting deeper than any real structure: a hostile file must not exhaust the stack. */
const MAX_DEPTH = 64;

/** `[n]` in context-specific class: constructed (EXPLICIT, or IMPLICIT of a constructed type) or primitive. */
export function contextTag(n: number, constructed: boolean): number {
  return CONTEXT | (constructed ? CONSTRUCTED : 0) | n;
}

export class DerError extends Error {}

export interface DerElement {
  tag: number;
  /** The contents; for a constructed element the encodings of its children. */
  value: Buffer;
  /** The whole encoding, tag and length included. */
  der: Buffer;
  constructed: boolean;
  /** Children of a constructed element whose length was indefinite (BER), already read. */
  parts?: DerElement[];
}

// ---------------------------------------------------------------------------------------------------
// Reading

/** Reads one element at `offset`; throws DerError naming `what` when the bytes do not hold it. */
export function readElement(bytes: Buffer, offset: number, what: string, depth = 0): DerElement {
  if (depth > MAX_DEPTH) throw new DerError(`${what}: nested more than ${MAX_DEPTH} levels`);
  let at = offset;
  const need = (count: number) => {
    if (at + count > bytes.length) throw new DerError(`${what}: ends after ${bytes.length - offset} bytes, inside an element`);
  };
  need(2);
  const tag = bytes[at++]!;
  if ((tag & HIGH_TAG_NUMBER) === HIGH_TAG_NUMBER) throw new DerError(`${what}: tag numbers above 30 are not used here`);
  const constructed = (tag & CONSTRUCTED) !== 0;
  const first = bytes[at++]!;
  if (first === INDEFINITE_LENGTH) {
    if (!constructed) throw new DerError(`${what}: a primitive element with an indefinite length`);
    const parts: DerElement[] = [];
    for (;;) {
      need(2);
      if (bytes[at] === 0 && bytes[at + 1] === 0) break;
      const part = readElement(bytes, at, what, depth + 1);
      parts.push(part);
      at += part.der.length;
    }
    const value = bytes.subarray(offset + 2, at);
    at += 2;
    return { tag, value, der: bytes.subarray(offset, at), constructed, parts };
  }
  let length = first;
  if (first & LONG_LENGTH) {
    const count = first & ~LONG_LENGTH;
    if (count > MAX_LENGTH_BYTES) throw new DerError(`${what}: a length of ${count} bytes`);
    need(count);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[at++]!;
  }
  need(length);
  const value = bytes.subarray(at, at + length);
  return { tag, value, der: bytes.subarray(offset, at + length), constructed };
}

/** Exactly one element filling `bytes`: trailing bytes are refused, as a signature or MAC would not cover them. */
export function decodeOne(bytes: Buffer, what: string): DerElement {
  const element = readElement(bytes, 0, what);
  if (element.der.length !== bytes.length) throw new DerError(`${what}: ${bytes.length - element.der.length} trailing bytes`);
  return element;
}

/** The children of a constructed element, in order. */
export function childrenOf(element: DerElement, what: string): DerElement[] {
  if (!element.constructed) throw new DerError(`${what}: expected a constructed element, got tag 0x${hex(element.tag)}`);
  if (element.parts) return element.parts;
  const children: DerElement[] = [];
  for (let at = 0; at < element.value.length; ) {
    const child = readElement(element.value, at, what);
    children.push(child);
    at += child.der.length;
  }
  return children;
}

/** The element itself after checking its tag. */
export function expect(element: DerElement | undefined, tag: number, what: string): DerElement {
  if (!element) throw new DerError(`${what}: missing`);
  if (element.tag !== tag) throw new DerError(`${what}: expected tag 0x${hex(tag)}, got 0x${hex(element.tag)}`);
  return element;
}

/** A SEQUENCE (or SET) and its children, with at least `min` of them. */
export function sequenceOf(element: DerElement | undefined, what: string, min = 0, tag: number = Tag.sequence): DerElement[] {
  const children = childrenOf(expect(element, tag, what), what);
  if (children.length < min) throw new DerError(`${what}: ${children.length} elements, at least ${min} expected`);
  return children;
}

export function readOid(element: DerElement | undefined, what: string): string {
  const bytes = expect(element, Tag.oid, what).value;
  if (bytes.length === 0 || (bytes[bytes.length - 1]! & 0x80) !== 0) throw new DerError(`${what}: not a valid OBJECT IDENTIFIER`);
  const arcs: number[] = [];
  let arc = 0;
  for (const byte of bytes) {
    if (arc === 0 && byte === 0x80) throw new DerError(`${what}: an OBJECT IDENTIFIER arc with a leading zero`);
    arc = arc * 128 + (byte & 0x7f);
    if (arc > Number.MAX_SAFE_INTEGER / 128) throw new DerError(`${what}: an OBJECT IDENTIFIER arc too large`);
    if ((byte & 0x80) === 0) {
      arcs.push(arc);
      arc = 0;
    }
  }
  const first = arcs.shift()!;
  const top = first < 40 ? 0 : first < 80 ? 1 : 2;
  return [top, first - top * 40, ...arcs].join('.');
}

/** A small non-negative INTEGER (a version, an iteration count) as a number. */
export function readSmallInteger(element: DerElement | undefined, what: string): number {
  const bytes = expect(element, Tag.integer, what).value;
  if (bytes.length === 0 || bytes.length > 6 || (bytes[0]! & 0x80) !== 0) throw new DerError(`${what}: not a small non-negative INTEGER`);
  return bytes.readUIntBE(0, bytes.length);
}

/** An OCTET STRING's bytes, joining the parts of a constructed (BER) one; `tag` for IMPLICIT [n]. */
export function readOctets(element: DerElement | undefined, what: string, tag: number = Tag.octetString): Buffer {
  if (!element) throw new DerError(`${what}: missing`);
  if (element.tag === tag) return element.value;
  if (element.tag === (tag | CONSTRUCTED)) {
    return Buffer.concat(childrenOf(element, what).map((part) => readOctets(part, what)));
  }
  throw new DerError(`${what}: expected an OCTET STRING, got tag 0x${hex(element.tag)}`);
}

/** A BIT STRING's bytes; only whole bytes (signatures, keys) are used here. */
export function readBitString(element: DerElement | undefined, what: string): Buffer {
  const bytes = expect(element, Tag.bitString, what).value;
  if (bytes.length === 0 || bytes[0] !== 0) throw new DerError(`${what}: not a BIT STRING of whole bytes`);
  return bytes.subarray(1);
}

/** The text of a string type used in names: UTF-8 and the ASCII ones; BMP as UTF-16 big-endian. */
export function readString(element: DerElement, what: string): string | undefined {
  switch (element.tag) {
    case Tag.utf8String:
      return element.value.toString('utf8');
    case Tag.printableString:
    case Tag.ia5String:
    case Tag.teletexString:
      return element.value.toString('latin1');
    case Tag.bmpString: {
      if (element.value.length % 2 !== 0) throw new DerError(`${what}: a BMPString of odd length`);
      return Buffer.from(element.value).swap16().toString('utf16le');
    }
    default:
      return undefined;
  }
}

/** UTCTime (two-digit years, X.509's 1950-2049 rule) or GeneralizedTime, both in Zulu time. */
export function readTime(element: DerElement | undefined, what: string): Date {
  if (!element) throw new DerError(`${what}: missing`);
  const text = element.value.toString('latin1');
  const utc = element.tag === Tag.utcTime && /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  const general = element.tag === Tag.generalizedTime && /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.\d+)?Z$/.exec(text);
  const match = utc || general;
  if (!match) throw new DerError(`${what}: not a UTCTime or GeneralizedTime in Zulu time`);
  const year = utc ? (Number(match[1]) < 50 ? 2000 : 1900) + Number(match[1]) : Number(match[1]);
  const [month, day, hour, minute, second] = match.slice(2, 7).map(Number) as [number, number, number, number, number];
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second));
}

function hex(tag: number): string {
  return tag.toString(16).padStart(2, '0');
}

// ---------------------------------------------------------------------------------------------------
// Writing (DER)

function encodeLength(length: number): Buffer {
  if (length < LONG_LENGTH) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.from([LONG_LENGTH | bytes.length, ...bytes]);
}

export function tlv(tag: number, value: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), encodeLength(value.length), value]);
}

/** RFC 5280 4.1.2.5: the first year written as GeneralizedTime. */
const FIRST_GENERALIZED_TIME_YEAR = 2050;

export const der = {
  sequence: (...items: Buffer[]) => tlv(Tag.sequence, Buffer.concat(items)),
  /** A SET OF with its elements in DER order (X.690 11.6: sorted by their encodings). */
  set: (...items: Buffer[]) => tlv(Tag.set, Buffer.concat([...items].sort(Buffer.compare))),
  octetString: (bytes: Uint8Array) => tlv(Tag.octetString, Buffer.from(bytes)),
  null: () => tlv(Tag.null, Buffer.alloc(0)),
  /** Non-negative integers only (versions, counts). */
  integer(value: number): Buffer {
    const bytes: number[] = [];
    for (let rest = value; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
    return der.unsignedInteger(Buffer.from(bytes));
  },
  /** A non-negative INTEGER from big-endian bytes (a serial number), minimally encoded. */
  unsignedInteger(bytes: Uint8Array): Buffer {
    let start = 0;
    while (start < bytes.length - 1 && bytes[start] === 0) start++;
    const value = Buffer.from(bytes.subarray(start));
    return tlv(Tag.integer, value.length === 0 || value[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), value]) : value);
  },
  /** TRUE; a FALSE that is a DEFAULT is left out instead (X.690 11.5). */
  true: () => tlv(Tag.boolean, Buffer.from([0xff])),
  bitString: (bytes: Uint8Array, unusedBits = 0) => tlv(Tag.bitString, Buffer.concat([Buffer.from([unusedBits]), bytes])),
  utf8String: (text: string) => tlv(Tag.utf8String, Buffer.from(text, 'utf8')),
  printableString: (text: string) => tlv(Tag.printableString, Buffer.from(text, 'latin1')),
  /** UTCTime before 2050, GeneralizedTime from then on (RFC 5280 4.1.2.5), to the second, in Zulu time. */
  time(date: Date): Buffer {
    const digits = date.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:T]/g, '');
    return date.getUTCFullYear() < FIRST_GENERALIZED_TIME_YEAR
      ? tlv(Tag.utcTime, Buffer.from(digits.slice(2), 'latin1'))
      : tlv(Tag.generalizedTime, Buffer.from(digits, 'latin1'));
  },
  oid(dotted: string): Buffer {
    const [top, second, ...rest] = dotted.split('.').map(Number) as [number, number, ...number[]];
    const bytes: number[] = [];
    for (const arc of [top * 40 + second, ...rest]) {
      const base128: number[] = [arc % 128];
      for (let value = Math.floor(arc / 128); value > 0; value = Math.floor(value / 128)) base128.unshift((value % 128) | 0x80);
      bytes.push(...base128);
    }
    return tlv(Tag.oid, Buffer.from(bytes));
  },
  /** UTF-16 big-endian, as PKCS#12 friendly names are. */
  bmpString: (text: string) => tlv(Tag.bmpString, Buffer.from(text, 'utf16le').swap16()),
  /** EXPLICIT [n]: the element inside a constructed context tag. */
  explicit: (n: number, inner: Buffer) => tlv(contextTag(n, true), inner),
};
