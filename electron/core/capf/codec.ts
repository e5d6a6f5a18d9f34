/**
 * CAPF message codec: one encoder and one decoder for the message family, a stream reader that frames
 * messages out of a TLS byte stream, and the element value helpers. Lengths from the wire are never
 * trusted: every fault is a CtiError('CAPF_PROTOCOL') that names it.
 */
import { CtiError } from '../../../shared/errors.ts';
import {
  CAPF_ELEMENT_HEADER_LENGTH,
  CAPF_HEADER_LENGTH,
  CAPF_MAX_BODY_LENGTH,
  CAPF_PROTOCOL_ID,
  CapfCertificateType,
  CAPF_VERSIONS,
  CapfElement,
  CERTIFICATE_WRAPPER_MARKER,
  describeCommand,
  isCapfVersion,
  type CapfVersion,
} from './constants.ts';

export interface CapfElementValue {
  tag: number;
  value: Buffer;
}

export interface CapfMessage {
  command: number;
  sessionId: number;
  elements: CapfElementValue[];
}

export interface CapfHeader {
  command: number;
  sessionId: number;
  bodyLength: number;
}

function protocolError(message: string): CtiError {
  return new CtiError('CAPF_PROTOCOL', `CAPF: ${message}`);
}

function checkUint(value: number, bits: 8 | 16 | 32, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > 2 ** bits - 1) {
    throw protocolError(`${what} must be an integer from 0 to ${2 ** bits - 1}, got ${value}`);
  }
}

export function encodeCapfMessage(message: CapfMessage): Buffer {
  checkUint(message.command, 8, 'command');
  checkUint(message.sessionId, 32, 'session id');
  const parts: Buffer[] = [];
  for (const { tag, value } of message.elements) {
    checkUint(tag, 8, 'element tag');
    checkUint(value.length, 16, `length of element ${tag}`);
    const head = Buffer.alloc(CAPF_ELEMENT_HEADER_LENGTH);
    head.writeUInt8(tag, 0);
    head.writeUInt16BE(value.length, 1);
    parts.push(head, value);
  }
  const body = Buffer.concat(parts);
  checkUint(body.length, 16, 'message body length');
  const header = Buffer.alloc(CAPF_HEADER_LENGTH);
  header.writeUInt8(CAPF_PROTOCOL_ID, 0);
  header.writeUInt8(message.command, 1);
  header.writeUInt32BE(message.sessionId, 2);
  header.writeUInt16BE(body.length, 6);
  return Buffer.concat([header, body]);
}

/** Reads and checks the 8-byte header; `buf` must hold at least that many bytes. */
export function decodeCapfHeader(buf: Buffer, maxBodyLength = CAPF_MAX_BODY_LENGTH): CapfHeader {
  if (buf.length < CAPF_HEADER_LENGTH) {
    throw protocolError(`message of ${buf.length} bytes is shorter than the ${CAPF_HEADER_LENGTH}-byte header`);
  }
  const protocolId = buf.readUInt8(0);
  if (protocolId !== CAPF_PROTOCOL_ID) {
    throw protocolError(`protocol id must be 0x55, got 0x${protocolId.toString(16).padStart(2, '0')}`);
  }
  const header = { command: buf.readUInt8(1), sessionId: buf.readUInt32BE(2), bodyLength: buf.readUInt16BE(6) };
  if (header.bodyLength > maxBodyLength) {
    throw protocolError(`body length ${header.bodyLength} of ${describeCommand(header.command)} exceeds the limit of ${maxBodyLength} bytes`);
  }
  return header;
}

function decodeElements(body: Buffer): CapfElementValue[] {
  const elements: CapfElementValue[] = [];
  let offset = 0;
  while (offset < body.length) {
    if (body.length - offset < CAPF_ELEMENT_HEADER_LENGTH) {
      throw protocolError(`element header at body offset ${offset} is truncated (${body.length - offset} bytes left)`);
    }
    const tag = body.readUInt8(offset);
    const length = body.readUInt16BE(offset + 1);
    const start = offset + CAPF_ELEMENT_HEADER_LENGTH;
    if (length > body.length - start) {
      throw protocolError(`element ${tag} claims ${length} bytes but only ${body.length - start} remain in the body`);
    }
    elements.push({ tag, value: Buffer.from(body.subarray(start, start + length)) });
    offset = start + length;
  }
  return elements;
}

/** Decodes exactly one whole message: `buf` must be the header plus the body it announces. */
export function decodeCapfMessage(buf: Buffer, maxBodyLength = CAPF_MAX_BODY_LENGTH): CapfMessage {
  const header = decodeCapfHeader(buf, maxBodyLength);
  const actual = buf.length - CAPF_HEADER_LENGTH;
  if (actual !== header.bodyLength) {
    throw protocolError(
      `header announces a body of ${header.bodyLength} bytes but ${actual} follow (${actual < header.bodyLength ? 'truncated' : 'trailing bytes'})`,
    );
  }
  return {
    command: header.command,
    sessionId: header.sessionId,
    elements: decodeElements(buf.subarray(CAPF_HEADER_LENGTH)),
  };
}

/**
 * Frames messages out of a byte stream: push chunks as they arrive, get the whole messages they complete.
 * The header is checked as soon as it is complete, so a hostile length never makes it wait for or
 * buffer more than one maximum-size message.
 */
export class CapfMessageReader {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly maxBodyLength = CAPF_MAX_BODY_LENGTH) {}

  push(chunk: Buffer): CapfMessage[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const messages: CapfMessage[] = [];
    while (this.pending.length >= CAPF_HEADER_LENGTH) {
      const { bodyLength } = decodeCapfHeader(this.pending, this.maxBodyLength);
      const total = CAPF_HEADER_LENGTH + bodyLength;
      if (this.pending.length < total) break;
      messages.push(decodeCapfMessage(this.pending.subarray(0, total), this.maxBodyLength));
      this.pending = this.pending.subarray(total);
    }
    return messages;
  }

  /** Bytes of an incomplete message still waiting for the rest. */
  get buffered(): number {
    return this.pending.length;
  }
}

// ---- element values -------------------------------------------------------------------------------

export function u8Element(tag: number, value: number): CapfElementValue {
  checkUint(value, 8, `value of element ${tag}`);
  return { tag, value: Buffer.from([value]) };
}

export function u16Element(tag: number, value: number): CapfElementValue {
  checkUint(value, 16, `value of element ${tag}`);
  const buf = Buffer.alloc(2);
  buf.writeUInt16BE(value, 0);
  return { tag, value: buf };
}

/** A string element: UTF-8 bytes plus the terminating NUL, which the length counts. */
export function stringElement(tag: number, text: string): CapfElementValue {
  if (text.includes('\0')) throw protocolError(`string for element ${tag} must not contain a NUL character`);
  return { tag, value: Buffer.concat([Buffer.from(text, 'utf8'), Buffer.from([0])]) };
}

export function bytesElement(tag: number, value: Buffer): CapfElementValue {
  return { tag, value };
}

/** Wraps a DER certificate: `01`, length (2, BE, = DER length + 2), `00`, certificate type, DER. */
export function wrapCertificate(der: Buffer, certificateType: number = CapfCertificateType.lsc): Buffer {
  checkUint(certificateType, 8, 'certificate type');
  checkUint(der.length + 2, 16, 'wrapped certificate length');
  const head = Buffer.alloc(5);
  head.writeUInt8(CERTIFICATE_WRAPPER_MARKER, 0);
  head.writeUInt16BE(der.length + 2, 1);
  head.writeUInt8(0, 3);
  head.writeUInt8(certificateType, 4);
  return Buffer.concat([head, der]);
}

export function certificateElement(tag: number, der: Buffer, certificateType?: number): CapfElementValue {
  return { tag, value: wrapCertificate(der, certificateType) };
}

export function readU8(value: Buffer, what: string): number {
  if (value.length !== 1) throw protocolError(`${what} must be 1 byte, got ${value.length}`);
  return value.readUInt8(0);
}

export function readU16(value: Buffer, what: string): number {
  if (value.length !== 2) throw protocolError(`${what} must be 2 bytes, got ${value.length}`);
  return value.readUInt16BE(0);
}

export function readString(value: Buffer, what: string): string {
  if (value.length === 0 || value[value.length - 1] !== 0) throw protocolError(`${what} must end with a NUL byte`);
  const bytes = value.subarray(0, value.length - 1);
  if (bytes.includes(0)) throw protocolError(`${what} contains a NUL byte before its end`);
  return bytes.toString('utf8');
}

export function unwrapCertificate(value: Buffer, what = 'certificate element'): { certificateType: number; der: Buffer } {
  if (value.length < 5) throw protocolError(`${what} of ${value.length} bytes is shorter than its 5-byte wrapper`);
  if (value.readUInt8(0) !== CERTIFICATE_WRAPPER_MARKER) {
    throw protocolError(`${what} must start with 0x01, got 0x${value.readUInt8(0).toString(16).padStart(2, '0')}`);
  }
  const length = value.readUInt16BE(1);
  if (length !== value.length - 3) {
    throw protocolError(`${what} wrapper length ${length} does not match the ${value.length - 3} bytes that follow it`);
  }
  return { certificateType: value.readUInt8(4), der: Buffer.from(value.subarray(5)) };
}

/** The value of the element with this tag, or undefined; a tag sent twice is ambiguous and refused. */
export function findElement(message: CapfMessage, tag: number, what: string): Buffer | undefined {
  const found = message.elements.filter((element) => element.tag === tag);
  if (found.length > 1) throw protocolError(`${describeCommand(message.command)} carries ${what} (element ${tag}) ${found.length} times`);
  return found[0]?.value;
}

export function requireElement(message: CapfMessage, tag: number, what: string): Buffer {
  const value = findElement(message, tag, what);
  if (value === undefined) throw protocolError(`${describeCommand(message.command)} lacks ${what} (element ${tag})`);
  return value;
}

// ---- protocol version -----------------------------------------------------------------------------

export function versionElement(version: CapfVersion): CapfElementValue {
  return u8Element(CapfElement.version, version);
}

/** The message's version element, refused (with the number shown) unless it is a version this side speaks. */
export function readVersion(message: CapfMessage): CapfVersion {
  const version = readU8(requireElement(message, CapfElement.version, 'version'), 'version');
  if (!isCapfVersion(version)) {
    throw protocolError(`${describeCommand(message.command)} carries protocol version ${version}; supported are versions ${CAPF_VERSIONS.join(', ')}`);
  }
  return version;
}
