/**
 * CTLFile.tlv encoder and decoder (docs/protocols.md section 2). The decoder treats every byte as hostile:
 * each length is checked against its container and the file, sizes are capped, and any fault is a
 * CtiError('CTL_INVALID') that names the tag and the offset.
 */
import { CtiError } from '../../../shared/errors.ts';
import {
  CTL_MAX_FILE_BYTES,
  CTL_MAX_RECORDS,
  HEADER_ALIGNMENT,
  HEADER_CONTAINER_TAGS,
  HeaderTag,
  RECORD_LENGTH_TLV_BYTES,
  RecordTag,
  TLV_HEAD_BYTES,
} from './tags.ts';

export interface CtlVersion {
  major: number;
  minor: number;
}

export interface CtlSignerInfo {
  /** Subject of the signing certificate, as the file spells it. */
  name: string;
  serialNumber: Buffer;
  issuerName: string;
}

export interface CtlHeader {
  version: CtlVersion;
  /** Bytes from the file start to the first record, padding included. */
  headerLength: number;
  signer: CtlSignerInfo;
  hashAlgorithm: number;
  signatureAlgorithm: number;
  /** Index into SIGNATURE_MODULUS_BYTES. */
  signatureModulus: number;
  signature: Buffer;
  /** Empty when the file has no filename tag. */
  filename: string;
  /** Unix seconds; 0 when the file has no timestamp tag. */
  timestamp: number;
  signerVersion?: CtlVersion;
}

export interface CtlRecord {
  role: number;
  dnsName?: string;
  subjectName?: string;
  issuerName?: string;
  serialNumber?: Buffer;
  publicKey?: Buffer;
  certificateSignature?: Buffer;
  /** X.509 DER. */
  certificate?: Buffer;
  ipAddress?: Buffer;
  certificateHash?: Buffer;
  hashAlgorithm?: number;
}

export interface CtlFile {
  header: CtlHeader;
  records: CtlRecord[];
  /** The whole file as decoded. */
  bytes: Buffer;
  /** Byte range of the whole signature TLV (tag 12 with its 3-byte head): what the signature does not cover. */
  signatureTlv: { start: number; end: number };
}

/** What the encoder needs: the header length is computed, never given. */
export interface CtlContent {
  header: Omit<CtlHeader, 'headerLength'>;
  records: CtlRecord[];
}

/** Containers nest at most this deep (real files use 2: signature-algorithm info inside signature info). */
const MAX_CONTAINER_DEPTH = 4;

function invalid(message: string): CtiError {
  return new CtiError('CTL_INVALID', `CTL file: ${message}`);
}

interface Tlv {
  tag: number;
  /** Offset of the tag byte. */
  start: number;
  valueStart: number;
  /** Offset just past the value. */
  end: number;
}

/** Reads one TLV head and checks that the value ends within `limit` (its container or the file). */
function readTlv(bytes: Buffer, offset: number, limit: number, where: string): Tlv {
  const tag = bytes[offset];
  if (tag === undefined || offset >= limit) throw invalid(`${where}: expected a tag at offset ${offset}, found the end`);
  if (offset + TLV_HEAD_BYTES > limit) {
    throw invalid(`${where}: tag ${tag} at offset ${offset} has no room for its 2-byte length (ends at ${limit})`);
  }
  const length = bytes.readUInt16BE(offset + 1);
  const valueStart = offset + TLV_HEAD_BYTES;
  const end = valueStart + length;
  if (end > limit) {
    throw invalid(`${where}: tag ${tag} at offset ${offset} has length ${length}, which runs past its end at offset ${limit}`);
  }
  return { tag, start: offset, valueStart, end };
}

function valueOf(bytes: Buffer, tlv: Tlv): Buffer {
  return Buffer.from(bytes.subarray(tlv.valueStart, tlv.end));
}

function fixedValue(bytes: Buffer, tlv: Tlv, size: number, name: string): Buffer {
  const length = tlv.end - tlv.valueStart;
  if (length !== size) {
    throw invalid(`${name} (tag ${tlv.tag}) at offset ${tlv.start} has length ${length}; it must be ${size}`);
  }
  return bytes.subarray(tlv.valueStart, tlv.end);
}

/** NUL-terminated string; a missing NUL is tolerated because the length already bounds the value. */
function stringValue(bytes: Buffer, tlv: Tlv): string {
  const value = bytes.subarray(tlv.valueStart, tlv.end);
  const nul = value.indexOf(0);
  return (nul >= 0 ? value.subarray(0, nul) : value).toString('utf8');
}

function markSeen(seen: Set<number>, tlv: Tlv, where: string): void {
  if (seen.has(tlv.tag)) throw invalid(`${where}: tag ${tlv.tag} at offset ${tlv.start} appears twice`);
  seen.add(tlv.tag);
}

interface HeaderFields {
  seen: Set<number>;
  signerName?: string;
  serialNumber?: Buffer;
  issuerName?: string;
  hashAlgorithm?: number;
  signatureAlgorithm?: number;
  signatureModulus?: number;
  signature?: Buffer;
  signatureTlv?: { start: number; end: number };
  filename?: string;
  timestamp?: number;
  signerVersion?: CtlVersion;
}

function readHeaderField(bytes: Buffer, tlv: Tlv, fields: HeaderFields): void {
  switch (tlv.tag) {
    case HeaderTag.SIGNER_NAME:
      fields.signerName = stringValue(bytes, tlv);
      return;
    case HeaderTag.SERIAL_NUMBER:
      fields.serialNumber = valueOf(bytes, tlv);
      return;
    case HeaderTag.ISSUER_NAME:
      fields.issuerName = stringValue(bytes, tlv);
      return;
    case HeaderTag.HASH_ALGORITHM:
      fields.hashAlgorithm = fixedValue(bytes, tlv, 1, 'hash algorithm')[0];
      return;
    case HeaderTag.SIGNATURE_ALGORITHM:
      fields.signatureAlgorithm = fixedValue(bytes, tlv, 1, 'signature algorithm')[0];
      return;
    case HeaderTag.SIGNATURE_MODULUS:
      fields.signatureModulus = fixedValue(bytes, tlv, 1, 'signature modulus')[0];
      return;
    case HeaderTag.SIGNATURE:
      fields.signature = valueOf(bytes, tlv);
      fields.signatureTlv = { start: tlv.start, end: tlv.end };
      return;
    case HeaderTag.FILENAME:
      fields.filename = stringValue(bytes, tlv);
      return;
    case HeaderTag.TIMESTAMP:
      fields.timestamp = fixedValue(bytes, tlv, 4, 'timestamp').readUInt32BE(0);
      return;
    case HeaderTag.SIGNER_VERSION: {
      const value = fixedValue(bytes, tlv, 2, 'signer version');
      fields.signerVersion = { major: value[0]!, minor: value[1]! };
      return;
    }
    case HeaderTag.VERSION:
    case HeaderTag.HEADER_LENGTH:
      throw invalid(`header: tag ${tlv.tag} at offset ${tlv.start} appears twice`);
    default:
      // A newer header field: skipped by its length, which readTlv has bounded.
      return;
  }
}

/**
 * Header TLVs between start and end. Containers (3, 7, 9) are read recursively with the same rules, so
 * both layouts in the wild decode: signature-algorithm info (9) beside or inside signature info (7).
 */
function readHeaderItems(bytes: Buffer, start: number, end: number, fields: HeaderFields, depth: number): void {
  let offset = start;
  while (offset < end) {
    if (bytes[offset] === HeaderTag.PADDING) {
      offset += 1;
      continue;
    }
    const tlv = readTlv(bytes, offset, end, depth === 0 ? 'header' : 'header container');
    if (HEADER_CONTAINER_TAGS.has(tlv.tag)) {
      if (depth >= MAX_CONTAINER_DEPTH) throw invalid(`header: container tag ${tlv.tag} at offset ${tlv.start} nests too deep`);
      readHeaderItems(bytes, tlv.valueStart, tlv.end, fields, depth + 1);
    } else {
      markSeen(fields.seen, tlv, 'header');
      readHeaderField(bytes, tlv, fields);
    }
    offset = tlv.end;
  }
}

function missing(name: string, tag: number): CtiError {
  return invalid(`header has no ${name} (tag ${tag})`);
}

function readHeader(bytes: Buffer): { header: CtlHeader; signatureTlv: { start: number; end: number } } {
  // Check the tag before its length: an HTML error page or another file type gets a plain message.
  if (bytes.length > 0 && bytes[0] !== HeaderTag.VERSION) {
    throw invalid(`expected the version (tag ${HeaderTag.VERSION}) at offset 0, found tag ${bytes[0]}`);
  }
  const versionTlv = readTlv(bytes, 0, bytes.length, 'header');
  const versionValue = fixedValue(bytes, versionTlv, 2, 'version');
  const found = bytes[versionTlv.end];
  if (found !== undefined && found !== HeaderTag.HEADER_LENGTH) {
    throw invalid(`expected the header length (tag ${HeaderTag.HEADER_LENGTH}) at offset ${versionTlv.end}, found tag ${found}`);
  }
  const lengthTlv = readTlv(bytes, versionTlv.end, bytes.length, 'header');
  const headerLength = fixedValue(bytes, lengthTlv, 2, 'header length').readUInt16BE(0);
  if (headerLength < lengthTlv.end || headerLength > bytes.length) {
    throw invalid(
      `header length ${headerLength} (tag ${HeaderTag.HEADER_LENGTH} at offset ${lengthTlv.start}) must be between ${lengthTlv.end} and the file size ${bytes.length}`,
    );
  }

  const fields: HeaderFields = { seen: new Set() };
  readHeaderItems(bytes, lengthTlv.end, headerLength, fields, 0);

  if (fields.signerName === undefined) throw missing('signer name', HeaderTag.SIGNER_NAME);
  if (fields.serialNumber === undefined) throw missing('signer serial number', HeaderTag.SERIAL_NUMBER);
  if (fields.issuerName === undefined) throw missing('signer issuer name', HeaderTag.ISSUER_NAME);
  if (fields.hashAlgorithm === undefined) throw missing('hash algorithm', HeaderTag.HASH_ALGORITHM);
  if (fields.signatureAlgorithm === undefined) throw missing('signature algorithm', HeaderTag.SIGNATURE_ALGORITHM);
  if (fields.signatureModulus === undefined) throw missing('signature modulus', HeaderTag.SIGNATURE_MODULUS);
  if (fields.signature === undefined || fields.signatureTlv === undefined) throw missing('signature', HeaderTag.SIGNATURE);
  if (fields.signature.length === 0) throw invalid(`the signature (tag ${HeaderTag.SIGNATURE}) at offset ${fields.signatureTlv.start} is empty`);

  const header: CtlHeader = {
    version: { major: versionValue[0]!, minor: versionValue[1]! },
    headerLength,
    signer: { name: fields.signerName, serialNumber: fields.serialNumber, issuerName: fields.issuerName },
    hashAlgorithm: fields.hashAlgorithm,
    signatureAlgorithm: fields.signatureAlgorithm,
    signatureModulus: fields.signatureModulus,
    signature: fields.signature,
    filename: fields.filename ?? '',
    timestamp: fields.timestamp ?? 0,
  };
  if (fields.signerVersion) header.signerVersion = fields.signerVersion;
  return { header, signatureTlv: fields.signatureTlv };
}

function readRecordField(bytes: Buffer, tlv: Tlv, record: Partial<CtlRecord>): void {
  switch (tlv.tag) {
    case RecordTag.DNS_NAME:
      record.dnsName = stringValue(bytes, tlv);
      return;
    case RecordTag.SUBJECT_NAME:
      record.subjectName = stringValue(bytes, tlv);
      return;
    case RecordTag.ROLE:
      record.role = fixedValue(bytes, tlv, 2, 'role').readUInt16BE(0);
      return;
    case RecordTag.ISSUER_NAME:
      record.issuerName = stringValue(bytes, tlv);
      return;
    case RecordTag.SERIAL_NUMBER:
      record.serialNumber = valueOf(bytes, tlv);
      return;
    case RecordTag.PUBLIC_KEY:
      record.publicKey = valueOf(bytes, tlv);
      return;
    case RecordTag.SIGNATURE:
      record.certificateSignature = valueOf(bytes, tlv);
      return;
    case RecordTag.CERTIFICATE:
      record.certificate = valueOf(bytes, tlv);
      return;
    case RecordTag.IP_ADDRESS:
      record.ipAddress = valueOf(bytes, tlv);
      return;
    case RecordTag.CERTIFICATE_HASH:
      record.certificateHash = valueOf(bytes, tlv);
      return;
    case RecordTag.HASH_ALGORITHM:
      record.hashAlgorithm = fixedValue(bytes, tlv, 1, 'record hash algorithm')[0];
      return;
    case RecordTag.RECORD_LENGTH:
      throw invalid(`record: tag ${tlv.tag} at offset ${tlv.start} appears twice`);
    default:
      // Unknown record fields are skipped by length (forward compatible, bounded by readTlv).
      return;
  }
}

function readRecord(bytes: Buffer, start: number, end: number, index: number): CtlRecord {
  const where = `record ${index}`;
  const record: Partial<CtlRecord> = {};
  const seen = new Set<number>();
  let offset = start;
  while (offset < end) {
    const tlv = readTlv(bytes, offset, end, where);
    markSeen(seen, tlv, where);
    readRecordField(bytes, tlv, record);
    offset = tlv.end;
  }
  if (record.role === undefined) throw invalid(`${where} at offset ${start - RECORD_LENGTH_TLV_BYTES} has no role (tag ${RecordTag.ROLE})`);
  return { ...record, role: record.role };
}

function readRecords(bytes: Buffer, start: number): CtlRecord[] {
  const records: CtlRecord[] = [];
  let offset = start;
  while (offset < bytes.length) {
    if (records.length >= CTL_MAX_RECORDS) throw invalid(`more than ${CTL_MAX_RECORDS} records`);
    const where = `record ${records.length}`;
    const lengthTlv = readTlv(bytes, offset, bytes.length, where);
    if (lengthTlv.tag !== RecordTag.RECORD_LENGTH) {
      throw invalid(`${where} at offset ${offset} must start with the record length (tag ${RecordTag.RECORD_LENGTH}), found tag ${lengthTlv.tag}`);
    }
    const recordLength = fixedValue(bytes, lengthTlv, 2, 'record length').readUInt16BE(0);
    const recordEnd = offset + recordLength;
    if (recordLength < RECORD_LENGTH_TLV_BYTES) {
      throw invalid(`${where} at offset ${offset} has record length ${recordLength}; it must be at least ${RECORD_LENGTH_TLV_BYTES}`);
    }
    if (recordEnd > bytes.length) {
      throw invalid(`${where} at offset ${offset} has record length ${recordLength}, which runs past the end of the file at offset ${bytes.length}`);
    }
    records.push(readRecord(bytes, lengthTlv.end, recordEnd, records.length));
    offset = recordEnd;
  }
  if (records.length === 0) throw invalid('no certificate records after the header');
  return records;
}

/** Decodes CTLFile.tlv bytes; throws CtiError('CTL_INVALID') naming the first fault found. */
export function decodeCtl(input: Buffer): CtlFile {
  if (input.length > CTL_MAX_FILE_BYTES) throw invalid(`the file is ${input.length} bytes; at most ${CTL_MAX_FILE_BYTES} are allowed`);
  // A private copy: the caller's buffer may be reused, the decoded CTL must not change with it.
  const bytes = Buffer.from(input);
  const { header, signatureTlv } = readHeader(bytes);
  const records = readRecords(bytes, header.headerLength);
  return { header, records, bytes, signatureTlv };
}

/** The bytes the signature covers: the file without the whole signature TLV. */
export function signedContent(ctl: Pick<CtlFile, 'bytes' | 'signatureTlv'>): Buffer {
  return Buffer.concat([ctl.bytes.subarray(0, ctl.signatureTlv.start), ctl.bytes.subarray(ctl.signatureTlv.end)]);
}

// ---------------------------------------------------------------------------------------------------
// Encoder. Layout follows interoperable builders: version, header length, signer version, signer info
// (4, 5, 6), signature info (8 and, nested, 9 with 10 and 11), signature, filename, timestamp, padding.

function badInput(message: string): CtiError {
  return new CtiError('BAD_INPUT', `CTL encoder: ${message}`);
}

function tlv(tag: number, value: Buffer, name: string): Buffer {
  if (value.length > 0xffff) throw badInput(`${name} is ${value.length} bytes; a TLV value holds at most 65535`);
  const head = Buffer.alloc(TLV_HEAD_BYTES);
  head[0] = tag;
  head.writeUInt16BE(value.length, 1);
  return Buffer.concat([head, value]);
}

function uint(value: number, bytes: 1 | 2 | 4, name: string): Buffer {
  const max = 2 ** (8 * bytes) - 1;
  if (!Number.isInteger(value) || value < 0 || value > max) throw badInput(`${name} must be an integer from 0 to ${max}, got ${value}`);
  const out = Buffer.alloc(bytes);
  out.writeUIntBE(value, 0, bytes);
  return out;
}

function nulString(value: string, name: string): Buffer {
  if (value.includes('\0')) throw badInput(`${name} must not contain a NUL character`);
  return Buffer.concat([Buffer.from(value, 'utf8'), Buffer.from([0])]);
}

function versionValue(version: CtlVersion, name: string): Buffer {
  return Buffer.concat([uint(version.major, 1, `${name} major`), uint(version.minor, 1, `${name} minor`)]);
}

function encodeRecord(record: CtlRecord, index: number): Buffer {
  const name = (field: string) => `record ${index} ${field}`;
  const parts: Buffer[] = [];
  if (record.dnsName !== undefined) parts.push(tlv(RecordTag.DNS_NAME, nulString(record.dnsName, name('DNS name')), name('DNS name')));
  if (record.subjectName !== undefined) {
    parts.push(tlv(RecordTag.SUBJECT_NAME, nulString(record.subjectName, name('subject name')), name('subject name')));
  }
  parts.push(tlv(RecordTag.ROLE, uint(record.role, 2, name('role')), name('role')));
  if (record.issuerName !== undefined) {
    parts.push(tlv(RecordTag.ISSUER_NAME, nulString(record.issuerName, name('issuer name')), name('issuer name')));
  }
  const raw: [number, Buffer | undefined, string][] = [
    [RecordTag.SERIAL_NUMBER, record.serialNumber, 'serial number'],
    [RecordTag.PUBLIC_KEY, record.publicKey, 'public key'],
    [RecordTag.SIGNATURE, record.certificateSignature, 'certificate signature'],
    [RecordTag.CERTIFICATE, record.certificate, 'certificate'],
    [RecordTag.IP_ADDRESS, record.ipAddress, 'IP address'],
    [RecordTag.CERTIFICATE_HASH, record.certificateHash, 'certificate hash'],
  ];
  for (const [tag, value, field] of raw) if (value !== undefined) parts.push(tlv(tag, value, name(field)));
  if (record.hashAlgorithm !== undefined) {
    parts.push(tlv(RecordTag.HASH_ALGORITHM, uint(record.hashAlgorithm, 1, name('hash algorithm')), name('hash algorithm')));
  }
  const body = Buffer.concat(parts);
  const recordLength = RECORD_LENGTH_TLV_BYTES + body.length;
  return Buffer.concat([tlv(RecordTag.RECORD_LENGTH, uint(recordLength, 2, name('length')), name('length')), body]);
}

/** Encodes a CTL with the signature bytes given (build.ts fills in the real one after signing). */
export function encodeCtl(content: CtlContent): Buffer {
  const { header } = content;
  if (content.records.length === 0) throw badInput('a CTL needs at least one record');
  if (content.records.length > CTL_MAX_RECORDS) throw badInput(`a CTL holds at most ${CTL_MAX_RECORDS} records`);
  const signerInfo = Buffer.concat([
    tlv(HeaderTag.SIGNER_NAME, nulString(header.signer.name, 'signer name'), 'signer name'),
    tlv(HeaderTag.SERIAL_NUMBER, header.signer.serialNumber, 'signer serial number'),
    tlv(HeaderTag.ISSUER_NAME, nulString(header.signer.issuerName, 'signer issuer name'), 'signer issuer name'),
  ]);
  const signatureAlgorithmInfo = Buffer.concat([
    tlv(HeaderTag.SIGNATURE_ALGORITHM, uint(header.signatureAlgorithm, 1, 'signature algorithm'), 'signature algorithm'),
    tlv(HeaderTag.SIGNATURE_MODULUS, uint(header.signatureModulus, 1, 'signature modulus'), 'signature modulus'),
  ]);
  const signatureInfo = Buffer.concat([
    tlv(HeaderTag.HASH_ALGORITHM, uint(header.hashAlgorithm, 1, 'hash algorithm'), 'hash algorithm'),
    tlv(HeaderTag.SIGNATURE_ALGORITHM_INFO, signatureAlgorithmInfo, 'signature algorithm info'),
  ]);
  const parts = [
    tlv(HeaderTag.VERSION, versionValue(header.version, 'version'), 'version'),
    tlv(HeaderTag.HEADER_LENGTH, Buffer.alloc(2), 'header length'),
    ...(header.signerVersion ? [tlv(HeaderTag.SIGNER_VERSION, versionValue(header.signerVersion, 'signer version'), 'signer version')] : []),
    tlv(HeaderTag.SIGNER_INFO, signerInfo, 'signer info'),
    tlv(HeaderTag.SIGNATURE_INFO, signatureInfo, 'signature info'),
    tlv(HeaderTag.SIGNATURE, header.signature, 'signature'),
    tlv(HeaderTag.FILENAME, nulString(header.filename, 'filename'), 'filename'),
    tlv(HeaderTag.TIMESTAMP, uint(header.timestamp, 4, 'timestamp'), 'timestamp'),
  ];
  const unpadded = parts.reduce((sum, part) => sum + part.length, 0);
  const padding = (HEADER_ALIGNMENT - (unpadded % HEADER_ALIGNMENT)) % HEADER_ALIGNMENT;
  const headerBytes = Buffer.concat([...parts, Buffer.alloc(padding, HeaderTag.PADDING)]);
  // The header length value sits right after the version TLV (5 bytes) and the length TLV head (3 bytes).
  uint(headerBytes.length, 2, 'header length').copy(headerBytes, 2 * TLV_HEAD_BYTES + 2);
  const out = Buffer.concat([headerBytes, ...content.records.map(encodeRecord)]);
  if (out.length > CTL_MAX_FILE_BYTES) throw badInput(`the CTL would be ${out.length} bytes; at most ${CTL_MAX_FILE_BYTES} are allowed`);
  return out;
}
