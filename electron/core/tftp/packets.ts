/**
 * TFTP packets: RFC 1350 (RRQ, WRQ, DATA, ACK, ERROR) and RFC 2347 (OACK, request options).
 * One encoder and one decoder per packet family; decoders check every byte they read and throw
 * TftpPacketError on anything malformed, so callers never index past the datagram.
 */
import { CtiError } from '../../../shared/errors.ts';

export const OPCODE = {
  RRQ: 1,
  WRQ: 2,
  DATA: 3,
  ACK: 4,
  ERROR: 5,
  OACK: 6,
} as const;
export type Opcode = (typeof OPCODE)[keyof typeof OPCODE];

export const TFTP_ERROR_CODE = {
  UNDEFINED: 0,
  FILE_NOT_FOUND: 1,
  ACCESS_VIOLATION: 2,
  DISK_FULL: 3,
  ILLEGAL_OPERATION: 4,
  UNKNOWN_TRANSFER_ID: 5,
  FILE_EXISTS: 6,
  NO_SUCH_USER: 7,
  OPTION_NEGOTIATION_REFUSED: 8,
} as const;

const ERROR_CODE_NAMES: Record<number, string> = {
  0: 'undefined',
  1: 'file not found',
  2: 'access violation',
  3: 'disk full or allocation exceeded',
  4: 'illegal TFTP operation',
  5: 'unknown transfer ID',
  6: 'file already exists',
  7: 'no such user',
  8: 'option negotiation refused',
};

/** A short English name for a TFTP error code ("file not found"), or "unknown error code N". */
export function tftpErrorName(code: number): string {
  return ERROR_CODE_NAMES[code] ?? `unknown error code ${code}`;
}

export const MODE_OCTET = 'octet';
export const MODE_NETASCII = 'netascii';

/** Option names (RFC 2348, 2349, 7440) and their allowed ranges. */
export const OPTION = {
  BLKSIZE: 'blksize',
  TSIZE: 'tsize',
  TIMEOUT: 'timeout',
  WINDOWSIZE: 'windowsize',
} as const;
export const DEFAULT_BLKSIZE = 512;
export const MIN_BLKSIZE = 8;
export const MAX_BLKSIZE = 65464;
export const MIN_TIMEOUT_S = 1;
export const MAX_TIMEOUT_S = 255;
export const MIN_WINDOWSIZE = 1;
export const MAX_WINDOWSIZE = 65535;
/** Block numbers are 16-bit; after 65535 the next block is 0 (the de facto rollover). */
export const BLOCK_MODULO = 0x10000;

const HEADER_BYTES = 4; // opcode + block (DATA, ACK) or opcode + error code (ERROR)

/** Option names are case-insensitive (RFC 2347): keys are stored lower-case, in packet order. */
export type TftpOptions = Map<string, string>;

export interface RequestPacket {
  opcode: typeof OPCODE.RRQ | typeof OPCODE.WRQ;
  filename: string;
  mode: string;
  options: TftpOptions;
}
export interface DataPacket {
  opcode: typeof OPCODE.DATA;
  block: number;
  data: Buffer;
}
export interface AckPacket {
  opcode: typeof OPCODE.ACK;
  block: number;
}
export interface ErrorPacket {
  opcode: typeof OPCODE.ERROR;
  code: number;
  message: string;
}
export interface OackPacket {
  opcode: typeof OPCODE.OACK;
  options: TftpOptions;
}
export type TftpPacket = RequestPacket | DataPacket | AckPacket | ErrorPacket | OackPacket;

/** A datagram that is not a well-formed TFTP packet. */
export class TftpPacketError extends CtiError {
  constructor(message: string) {
    super('TFTP_ERROR', `Malformed TFTP packet: ${message}`);
  }
}

// ---- encoders ----

export function encodeRequest(packet: RequestPacket): Buffer {
  if (packet.filename.length === 0) throw new TftpPacketError('the file name is empty');
  if (packet.mode.length === 0) throw new TftpPacketError('the transfer mode is empty');
  const parts = [opcodeBytes(packet.opcode), cString(packet.filename, 'file name'), cString(packet.mode, 'mode')];
  parts.push(...optionBytes(packet.options));
  return Buffer.concat(parts);
}

export function encodeData(packet: Omit<DataPacket, 'opcode'>): Buffer {
  const head = Buffer.alloc(HEADER_BYTES);
  head.writeUInt16BE(OPCODE.DATA, 0);
  head.writeUInt16BE(checkUint16(packet.block, 'block number'), 2);
  return Buffer.concat([head, packet.data]);
}

export function encodeAck(packet: Omit<AckPacket, 'opcode'>): Buffer {
  const out = Buffer.alloc(HEADER_BYTES);
  out.writeUInt16BE(OPCODE.ACK, 0);
  out.writeUInt16BE(checkUint16(packet.block, 'block number'), 2);
  return out;
}

export function encodeError(packet: Omit<ErrorPacket, 'opcode'>): Buffer {
  const head = Buffer.alloc(HEADER_BYTES);
  head.writeUInt16BE(OPCODE.ERROR, 0);
  head.writeUInt16BE(checkUint16(packet.code, 'error code'), 2);
  return Buffer.concat([head, cString(packet.message, 'error message')]);
}

export function encodeOack(packet: Omit<OackPacket, 'opcode'>): Buffer {
  return Buffer.concat([opcodeBytes(OPCODE.OACK), ...optionBytes(packet.options)]);
}

function opcodeBytes(opcode: Opcode): Buffer {
  const out = Buffer.alloc(2);
  out.writeUInt16BE(opcode, 0);
  return out;
}

function optionBytes(options: TftpOptions): Buffer[] {
  const out: Buffer[] = [];
  for (const [name, value] of options) {
    if (name.length === 0) throw new TftpPacketError('an option name is empty');
    out.push(cString(name, 'option name'), cString(value, `value of option ${name}`));
  }
  return out;
}

function cString(text: string, what: string): Buffer {
  if (text.includes('\0')) throw new TftpPacketError(`the ${what} contains a NUL character`);
  return Buffer.from(`${text}\0`, 'utf8');
}

function checkUint16(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff) {
    throw new TftpPacketError(`the ${what} ${value} is not an integer from 0 to 65535`);
  }
  return value;
}

// ---- decoders ----

/** Decodes any TFTP packet, dispatching on the opcode. */
export function decodePacket(datagram: Buffer): TftpPacket {
  switch (readOpcode(datagram)) {
    case OPCODE.RRQ:
    case OPCODE.WRQ:
      return decodeRequest(datagram);
    case OPCODE.DATA:
      return decodeData(datagram);
    case OPCODE.ACK:
      return decodeAck(datagram);
    case OPCODE.ERROR:
      return decodeError(datagram);
    case OPCODE.OACK:
      return decodeOack(datagram);
  }
}

export function readOpcode(datagram: Buffer): Opcode {
  if (datagram.length < 2) throw new TftpPacketError(`${datagram.length} bytes is too short for an opcode`);
  const opcode = datagram.readUInt16BE(0);
  if (opcode < OPCODE.RRQ || opcode > OPCODE.OACK) {
    throw new TftpPacketError(`unknown opcode ${opcode} (allowed: 1 RRQ, 2 WRQ, 3 DATA, 4 ACK, 5 ERROR, 6 OACK)`);
  }
  return opcode as Opcode;
}

export function decodeRequest(datagram: Buffer): RequestPacket {
  const opcode = readOpcode(datagram);
  if (opcode !== OPCODE.RRQ && opcode !== OPCODE.WRQ) throw new TftpPacketError(`opcode ${opcode} is not RRQ or WRQ`);
  const strings = splitCStrings(datagram, 2, 'request');
  const [filename, mode, ...optionStrings] = strings;
  if (filename === undefined || filename.length === 0) throw new TftpPacketError('the request has no file name');
  if (mode === undefined || mode.length === 0) throw new TftpPacketError('the request has no transfer mode');
  return { opcode, filename, mode: mode.toLowerCase(), options: parseOptions(optionStrings, 'request') };
}

export function decodeData(datagram: Buffer): DataPacket {
  expectOpcode(datagram, OPCODE.DATA, 'DATA');
  if (datagram.length < HEADER_BYTES) throw new TftpPacketError(`a DATA packet of ${datagram.length} bytes has no block number`);
  return { opcode: OPCODE.DATA, block: datagram.readUInt16BE(2), data: datagram.subarray(HEADER_BYTES) };
}

export function decodeAck(datagram: Buffer): AckPacket {
  expectOpcode(datagram, OPCODE.ACK, 'ACK');
  if (datagram.length !== HEADER_BYTES) throw new TftpPacketError(`an ACK must be 4 bytes, got ${datagram.length}`);
  return { opcode: OPCODE.ACK, block: datagram.readUInt16BE(2) };
}

export function decodeError(datagram: Buffer): ErrorPacket {
  expectOpcode(datagram, OPCODE.ERROR, 'ERROR');
  if (datagram.length < HEADER_BYTES) throw new TftpPacketError(`an ERROR packet of ${datagram.length} bytes has no error code`);
  // Some servers omit the final NUL; the packet ends the transfer anyway, so keep the text they sent.
  const rest = datagram.subarray(HEADER_BYTES);
  const end = rest.indexOf(0);
  const message = (end === -1 ? rest : rest.subarray(0, end)).toString('utf8');
  return { opcode: OPCODE.ERROR, code: datagram.readUInt16BE(2), message };
}

export function decodeOack(datagram: Buffer): OackPacket {
  expectOpcode(datagram, OPCODE.OACK, 'OACK');
  return { opcode: OPCODE.OACK, options: parseOptions(splitCStrings(datagram, 2, 'OACK'), 'OACK') };
}

function expectOpcode(datagram: Buffer, expected: Opcode, name: string): void {
  const opcode = readOpcode(datagram);
  if (opcode !== expected) throw new TftpPacketError(`opcode ${opcode} is not ${name} (${expected})`);
}

/** Splits NUL-terminated strings from `offset` to the end; every string must have its terminator. */
function splitCStrings(datagram: Buffer, offset: number, what: string): string[] {
  const out: string[] = [];
  let start = offset;
  while (start < datagram.length) {
    const end = datagram.indexOf(0, start);
    if (end === -1) throw new TftpPacketError(`the ${what} ends with a string that has no NUL terminator`);
    out.push(datagram.toString('utf8', start, end));
    start = end + 1;
  }
  return out;
}

function parseOptions(strings: string[], what: string): TftpOptions {
  if (strings.length % 2 !== 0) throw new TftpPacketError(`the ${what} has an option name without a value`);
  const options: TftpOptions = new Map();
  for (let i = 0; i < strings.length; i += 2) {
    const name = (strings[i] ?? '').toLowerCase();
    const value = strings[i + 1] ?? '';
    if (name.length === 0) throw new TftpPacketError(`the ${what} has an empty option name`);
    if (options.has(name)) throw new TftpPacketError(`the ${what} repeats the option ${name}`);
    options.set(name, value);
  }
  return options;
}

/** Parses a decimal option value strictly ("0" to "999999999999"), or undefined when it is not one. */
export function parseOptionInteger(value: string): number | undefined {
  return /^\d{1,12}$/.test(value) ? Number(value) : undefined;
}
