import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CtiError } from '../../../../shared/errors.ts';
import { decodeCtl, encodeCtl, signedContent, type CtlContent, type CtlRecord } from '../../../../electron/core/ctl/codec.ts';
import { CTL_MAX_FILE_BYTES, CTL_MAX_RECORDS, HeaderTag, RecordTag } from '../../../../electron/core/ctl/tags.ts';
import { cstr, tlv, u16 } from './fixtures.ts';

function expectCtiError(fn: () => unknown, code: string, message?: RegExp): CtiError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(CtiError);
  const error = caught as CtiError;
  expect(error.code).toBe(code);
  if (message) expect(error.message).toMatch(message);
  return error;
}

const sampleRecord = (role: number, fill: number): CtlRecord => ({
  role,
  dnsName: `host-${role}.example`,
  subjectName: `CN=host-${role};O=Example`,
  issuerName: 'CN=Example CA',
  serialNumber: Buffer.from([fill, 2, 3]),
  publicKey: Buffer.alloc(140, fill),
  certificateSignature: Buffer.alloc(128, fill + 1),
  certificate: Buffer.alloc(600, fill + 2),
  ipAddress: Buffer.from([10, 0, 0, role]),
  certificateHash: Buffer.alloc(20, fill + 3),
  hashAlgorithm: 1,
});

const sampleContent = (): CtlContent => ({
  header: {
    version: { major: 1, minor: 2 },
    signer: { name: 'CN=sast;O=Example', serialNumber: Buffer.from([0x12, 0x34]), issuerName: 'CN=Example CA' },
    hashAlgorithm: 3,
    signatureAlgorithm: 0,
    signatureModulus: 1,
    signature: Buffer.alloc(128, 0x5a),
    filename: 'CTLFile.tlv',
    timestamp: 1_790_000_000,
    signerVersion: { major: 1, minor: 1 },
  },
  records: [sampleRecord(0, 0x10), sampleRecord(4, 0x20), sampleRecord(2, 0x30)],
});

/** A header in the layout docs/protocols.md describes: flat 9, signer info in 4, 6, 5 order, padding anywhere. */
function handBuiltFile(options: { headerItems?: Buffer[]; records?: Buffer[]; headerLength?: number } = {}): Buffer {
  const items = options.headerItems ?? [
    tlv(HeaderTag.SIGNER_INFO, Buffer.concat([tlv(4, cstr('CN=sast')), tlv(6, cstr('CN=ca')), tlv(5, [0x01, 0x02])])),
    Buffer.from([HeaderTag.PADDING]),
    tlv(HeaderTag.SIGNATURE_INFO, tlv(HeaderTag.HASH_ALGORITHM, [2])),
    tlv(HeaderTag.SIGNATURE_ALGORITHM_INFO, Buffer.concat([tlv(10, [0]), tlv(11, [0])])),
    tlv(HeaderTag.SIGNATURE, Buffer.alloc(64, 0xee)),
    tlv(HeaderTag.FILENAME, Buffer.from('CTLFile.tlv')), // no NUL: the length bounds it
    tlv(HeaderTag.TIMESTAMP, [0x65, 0x00, 0x00, 0x01]),
  ];
  let header = Buffer.concat([tlv(HeaderTag.VERSION, [1, 0]), tlv(HeaderTag.HEADER_LENGTH, u16(0)), ...items]);
  while (header.length % 4) header = Buffer.concat([header, Buffer.from([HeaderTag.PADDING])]);
  header.writeUInt16BE(options.headerLength ?? header.length, 8);
  const records = options.records ?? [handBuiltRecord([tlv(RecordTag.ROLE, u16(4)), tlv(RecordTag.SUBJECT_NAME, cstr('CN=capf'))])];
  return Buffer.concat([header, ...records]);
}

function handBuiltRecord(fields: Buffer[], declaredLength?: number): Buffer {
  const body = Buffer.concat(fields);
  return Buffer.concat([tlv(RecordTag.RECORD_LENGTH, u16(declaredLength ?? 5 + body.length)), body]);
}

describe('encodeCtl / decodeCtl', () => {
  it('round-trips a CTL with every field, for each hash algorithm', () => {
    for (const hashAlgorithm of [1, 2, 3]) {
      const content = sampleContent();
      content.header.hashAlgorithm = hashAlgorithm;
      const bytes = encodeCtl(content);
      const ctl = decodeCtl(bytes);
      const { headerLength, ...header } = ctl.header;
      expect(header).toEqual(content.header);
      expect(ctl.records).toEqual(content.records);
      expect(headerLength % 4).toBe(0);
      expect(ctl.bytes.equals(bytes)).toBe(true);
    }
  });

  it('places the signature TLV range on tag 12 with its 3-byte head', () => {
    const content = sampleContent();
    const ctl = decodeCtl(encodeCtl(content));
    const { start, end } = ctl.signatureTlv;
    expect(ctl.bytes[start]).toBe(HeaderTag.SIGNATURE);
    expect(ctl.bytes.readUInt16BE(start + 1)).toBe(128);
    expect(end - start).toBe(3 + 128);
    expect(ctl.bytes.subarray(start + 3, end).equals(content.header.signature)).toBe(true);
    const rest = signedContent(ctl);
    expect(rest.length).toBe(ctl.bytes.length - 131);
    expect(Buffer.concat([rest.subarray(0, start), ctl.bytes.subarray(start, end), rest.subarray(start)]).equals(ctl.bytes)).toBe(true);
  });

  it('round-trips arbitrary contents (property)', () => {
    const text = fc.string({ maxLength: 40 }).filter((s) => !s.includes('\0'));
    const bytes = (max: number) => fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a));
    const record = fc.record(
      {
        role: fc.integer({ min: 0, max: 0xffff }),
        dnsName: text,
        subjectName: text,
        issuerName: text,
        serialNumber: bytes(20),
        publicKey: bytes(300),
        certificateSignature: bytes(300),
        certificate: bytes(1200),
        ipAddress: bytes(16),
        certificateHash: bytes(32),
        hashAlgorithm: fc.integer({ min: 0, max: 255 }),
      },
      { requiredKeys: ['role'] },
    );
    const version = fc.record({ major: fc.integer({ min: 0, max: 255 }), minor: fc.integer({ min: 0, max: 255 }) });
    const content = fc.record(
      {
        header: fc.record(
          {
            version,
            signer: fc.record({ name: text, serialNumber: bytes(20), issuerName: text }),
            hashAlgorithm: fc.integer({ min: 0, max: 255 }),
            signatureAlgorithm: fc.integer({ min: 0, max: 255 }),
            signatureModulus: fc.integer({ min: 0, max: 255 }),
            signature: fc.uint8Array({ minLength: 1, maxLength: 512 }).map((a) => Buffer.from(a)),
            filename: text,
            timestamp: fc.integer({ min: 0, max: 0xffffffff }),
            signerVersion: version,
          },
          { requiredKeys: ['version', 'signer', 'hashAlgorithm', 'signatureAlgorithm', 'signatureModulus', 'signature', 'filename', 'timestamp'] },
        ),
        records: fc.array(record, { minLength: 1, maxLength: 6 }),
      },
      { noNullPrototype: true },
    );
    fc.assert(
      fc.property(content, (input) => {
        const ctl = decodeCtl(encodeCtl(input as CtlContent));
        const { headerLength, ...header } = ctl.header;
        expect(header).toEqual(input.header);
        expect(ctl.records).toEqual(input.records);
        expect(headerLength % 4).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses to encode what would not decode back', () => {
    const withNul = sampleContent();
    withNul.header.filename = 'CTL\0File';
    expectCtiError(() => encodeCtl(withNul), 'BAD_INPUT', /filename must not contain a NUL/);
    const badRole = sampleContent();
    badRole.records[0]!.role = 70_000;
    expectCtiError(() => encodeCtl(badRole), 'BAD_INPUT', /record 0 role must be an integer from 0 to 65535/);
    const huge = sampleContent();
    huge.records[0]!.certificate = Buffer.alloc(70_000);
    expectCtiError(() => encodeCtl(huge), 'BAD_INPUT', /record 0 certificate is 70000 bytes/);
    expectCtiError(() => encodeCtl({ ...sampleContent(), records: [] }), 'BAD_INPUT', /at least one record/);
  });
});

describe('decodeCtl on files in the wild', () => {
  it('decodes the flat layout of protocols.md with padding inside the header and a filename without NUL', () => {
    const ctl = decodeCtl(handBuiltFile());
    expect(ctl.header.version).toEqual({ major: 1, minor: 0 });
    expect(ctl.header.signer).toEqual({ name: 'CN=sast', serialNumber: Buffer.from([1, 2]), issuerName: 'CN=ca' });
    expect(ctl.header.hashAlgorithm).toBe(2);
    expect(ctl.header.signatureModulus).toBe(0);
    expect(ctl.header.filename).toBe('CTLFile.tlv');
    expect(ctl.header.timestamp).toBe(0x65000001);
    expect(ctl.header.signerVersion).toBeUndefined();
    expect(ctl.records).toEqual([{ role: 4, subjectName: 'CN=capf' }]);
  });

  it('skips unknown record tags by their length', () => {
    const record = handBuiltRecord([
      tlv(RecordTag.ROLE, u16(1)),
      tlv(99, Buffer.from('future field with its own bytes')),
      tlv(RecordTag.DNS_NAME, cstr('ccm.example')),
    ]);
    const ctl = decodeCtl(handBuiltFile({ records: [record] }));
    expect(ctl.records).toEqual([{ role: 1, dnsName: 'ccm.example' }]);
  });

  it('skips unknown header tags by their length', () => {
    const items = [
      tlv(HeaderTag.SIGNER_INFO, Buffer.concat([tlv(4, cstr('CN=s')), tlv(5, [7]), tlv(6, cstr('CN=i'))])),
      tlv(42, [1, 2, 3, 4, 5]),
      tlv(HeaderTag.SIGNATURE_INFO, tlv(HeaderTag.HASH_ALGORITHM, [1])),
      tlv(HeaderTag.SIGNATURE_ALGORITHM_INFO, Buffer.concat([tlv(10, [0]), tlv(11, [1])])),
      tlv(HeaderTag.SIGNATURE, Buffer.alloc(128, 1)),
    ];
    const ctl = decodeCtl(handBuiltFile({ headerItems: items }));
    expect(ctl.header.signer.serialNumber).toEqual(Buffer.from([7]));
    expect(ctl.header.filename).toBe('');
    expect(ctl.header.timestamp).toBe(0);
  });

  it('reads a string up to its first NUL', () => {
    const record = handBuiltRecord([tlv(RecordTag.ROLE, u16(0)), tlv(RecordTag.SUBJECT_NAME, Buffer.from('CN=a\0junk'))]);
    expect(decodeCtl(handBuiltFile({ records: [record] })).records[0]!.subjectName).toBe('CN=a');
  });
});

describe('decodeCtl on broken and hostile files', () => {
  const valid = encodeCtl(sampleContent());
  const validCtl = decodeCtl(valid);

  it('rejects every truncation inside the header or a record; a cut on a record boundary only drops records', () => {
    const boundaries = new Set<number>();
    let offset = validCtl.header.headerLength;
    while (offset < valid.length) {
      offset += valid.readUInt16BE(offset + 3);
      boundaries.add(offset);
    }
    for (let length = 0; length < valid.length; length += 1) {
      const prefix = valid.subarray(0, length);
      if (boundaries.has(length)) {
        expect(decodeCtl(prefix).records.length).toBeLessThan(validCtl.records.length);
      } else {
        expectCtiError(() => decodeCtl(prefix), 'CTL_INVALID');
      }
    }
  });

  it('rejects a record length that runs past the end of the file, naming the offset', () => {
    const record = handBuiltRecord([tlv(RecordTag.ROLE, u16(0))], 500);
    const file = handBuiltFile({ records: [record] });
    const recordOffset = file.length - record.length;
    expectCtiError(() => decodeCtl(file), 'CTL_INVALID', new RegExp(`record 0 at offset ${recordOffset} has record length 500, which runs past the end`));
  });

  it('rejects a record length shorter than the record-length TLV itself (no endless loop)', () => {
    for (const declared of [0, 1, 4]) {
      const file = handBuiltFile({ records: [handBuiltRecord([tlv(RecordTag.ROLE, u16(0))], declared)] });
      expectCtiError(() => decodeCtl(file), 'CTL_INVALID', new RegExp(`record length ${declared}; it must be at least 5`));
    }
  });

  it('rejects a field length that runs past its record even when the file goes on', () => {
    const lying = Buffer.concat([tlv(RecordTag.ROLE, u16(0)), Buffer.from([RecordTag.CERTIFICATE, 0x00, 0x40]), Buffer.alloc(4)]);
    const first = handBuiltRecord([lying]);
    const second = handBuiltRecord([tlv(RecordTag.ROLE, u16(1)), tlv(RecordTag.CERTIFICATE, Buffer.alloc(100))]);
    expectCtiError(() => decodeCtl(handBuiltFile({ records: [first, second] })), 'CTL_INVALID', /record 0: tag 9 at offset \d+ has length 64, which runs past its end/);
  });

  it('rejects a tag inside a header container whose length runs past the container', () => {
    const signerInfo = Buffer.concat([tlv(4, cstr('CN=sast')), tlv(5, [1, 2]), tlv(6, cstr('CN=ca'))]);
    // Declare the container 4 bytes shorter than its contents: tag 6 now ends outside it.
    const shortContainer = Buffer.concat([Buffer.from([HeaderTag.SIGNER_INFO]), u16(signerInfo.length - 4), signerInfo]);
    const items = [
      shortContainer,
      tlv(HeaderTag.SIGNATURE_INFO, tlv(HeaderTag.HASH_ALGORITHM, [2])),
      tlv(HeaderTag.SIGNATURE, Buffer.alloc(64, 1)),
    ];
    expectCtiError(() => decodeCtl(handBuiltFile({ headerItems: items })), 'CTL_INVALID', /header container: tag 6 at offset 29 has length \d+, which runs past its end/);
  });

  it('rejects a header length beyond the file or inside the header-length TLV', () => {
    expectCtiError(() => decodeCtl(handBuiltFile({ headerLength: 60_000 })), 'CTL_INVALID', /header length 60000 .* must be between 10 and the file size/);
    expectCtiError(() => decodeCtl(handBuiltFile({ headerLength: 4 })), 'CTL_INVALID', /header length 4/);
  });

  it('rejects a header length that cuts a header TLV in two', () => {
    const file = Buffer.from(valid);
    file.writeUInt16BE(validCtl.signatureTlv.start + 10, 8);
    expectCtiError(() => decodeCtl(file), 'CTL_INVALID', /header: tag 12 at offset \d+ has length 128, which runs past its end/);
  });

  it('names each missing mandatory header part', () => {
    const signerInfo = tlv(HeaderTag.SIGNER_INFO, Buffer.concat([tlv(4, cstr('CN=s')), tlv(5, [7]), tlv(6, cstr('CN=i'))]));
    const hash = tlv(HeaderTag.SIGNATURE_INFO, tlv(HeaderTag.HASH_ALGORITHM, [1]));
    const algorithm = tlv(HeaderTag.SIGNATURE_ALGORITHM_INFO, Buffer.concat([tlv(10, [0]), tlv(11, [1])]));
    const signature = tlv(HeaderTag.SIGNATURE, Buffer.alloc(128, 1));
    const cases: [Buffer[], RegExp][] = [
      [[hash, algorithm, signature], /no signer name \(tag 4\)/],
      [[tlv(HeaderTag.SIGNER_INFO, Buffer.concat([tlv(4, cstr('CN=s')), tlv(6, cstr('CN=i'))])), hash, algorithm, signature], /no signer serial number \(tag 5\)/],
      [[signerInfo, algorithm, signature], /no hash algorithm \(tag 8\)/],
      [[signerInfo, hash, signature], /no signature algorithm \(tag 10\)/],
      [[signerInfo, hash, algorithm], /no signature \(tag 12\)/],
      [[signerInfo, hash, algorithm, tlv(HeaderTag.SIGNATURE, [])], /signature \(tag 12\) at offset \d+ is empty/],
    ];
    for (const [headerItems, message] of cases) expectCtiError(() => decodeCtl(handBuiltFile({ headerItems })), 'CTL_INVALID', message);
  });

  it('rejects a file without records, or a record without a role', () => {
    expectCtiError(() => decodeCtl(handBuiltFile({ records: [] })), 'CTL_INVALID', /no certificate records/);
    expectCtiError(() => decodeCtl(handBuiltFile({ records: [handBuiltRecord([tlv(RecordTag.DNS_NAME, cstr('x'))])] })), 'CTL_INVALID', /record 0 at offset \d+ has no role/);
  });

  it('rejects a second signature (which one would the check remove?) and other duplicates', () => {
    const file = handBuiltFile({
      headerItems: [
        tlv(HeaderTag.SIGNER_INFO, Buffer.concat([tlv(4, cstr('CN=s')), tlv(5, [7]), tlv(6, cstr('CN=i'))])),
        tlv(HeaderTag.SIGNATURE_INFO, tlv(HeaderTag.HASH_ALGORITHM, [1])),
        tlv(HeaderTag.SIGNATURE_ALGORITHM_INFO, Buffer.concat([tlv(10, [0]), tlv(11, [1])])),
        tlv(HeaderTag.SIGNATURE, Buffer.alloc(128, 1)),
        tlv(HeaderTag.SIGNATURE, Buffer.alloc(128, 2)),
      ],
    });
    expectCtiError(() => decodeCtl(file), 'CTL_INVALID', /tag 12 at offset \d+ appears twice/);
    const twoRoles = handBuiltRecord([tlv(RecordTag.ROLE, u16(0)), tlv(RecordTag.ROLE, u16(4))]);
    expectCtiError(() => decodeCtl(handBuiltFile({ records: [twoRoles] })), 'CTL_INVALID', /record 0: tag 4 at offset \d+ appears twice/);
  });

  it('rejects fixed-size fields of the wrong size', () => {
    const record = handBuiltRecord([tlv(RecordTag.ROLE, [0, 0, 1])]);
    expectCtiError(() => decodeCtl(handBuiltFile({ records: [record] })), 'CTL_INVALID', /role \(tag 4\) at offset \d+ has length 3; it must be 2/);
    expectCtiError(() => decodeCtl(Buffer.concat([tlv(HeaderTag.VERSION, [1]), valid.subarray(4)])), 'CTL_INVALID', /version \(tag 1\) at offset 0 has length 1; it must be 2/);
  });

  it('rejects a file that does not start with the version and header length', () => {
    expectCtiError(() => decodeCtl(Buffer.from('<html>not found</html>')), 'CTL_INVALID', /expected the version \(tag 1\) at offset 0, found tag 60/);
    expectCtiError(() => decodeCtl(Buffer.alloc(0)), 'CTL_INVALID', /expected a tag at offset 0, found the end/);
  });

  it('caps the file size and the record count', () => {
    expectCtiError(() => decodeCtl(Buffer.alloc(CTL_MAX_FILE_BYTES + 1)), 'CTL_INVALID', /at most 1048576 are allowed/);
    const record = handBuiltRecord([tlv(RecordTag.ROLE, u16(1))]);
    const many = handBuiltFile({ records: Array.from({ length: CTL_MAX_RECORDS + 1 }, () => record) });
    expectCtiError(() => decodeCtl(many), 'CTL_INVALID', /more than 256 records/);
    expect(decodeCtl(handBuiltFile({ records: Array.from({ length: CTL_MAX_RECORDS }, () => record) })).records).toHaveLength(CTL_MAX_RECORDS);
  });

  it('throws nothing but CTL_INVALID on random bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (input) => {
        try {
          decodeCtl(Buffer.from(input));
        } catch (err) {
          expect(err).toBeInstanceOf(CtiError);
          expect((err as CtiError).code).toBe('CTL_INVALID');
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('throws nothing but CTL_INVALID on mutated valid files (property)', () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), value: fc.constant(0) }),
    );
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 8 }), (mutations) => {
        let bytes = Buffer.from(valid);
        for (const { kind, at, value } of mutations) {
          const index = at % bytes.length;
          if (kind === 'set') bytes[index] = value;
          else if (kind === 'insert') bytes = Buffer.concat([bytes.subarray(0, index), Buffer.from([value]), bytes.subarray(index)]);
          else bytes = Buffer.concat([bytes.subarray(0, index), bytes.subarray(index + 1)]);
        }
        try {
          const ctl = decodeCtl(bytes);
          expect(ctl.records.length).toBeGreaterThan(0);
        } catch (err) {
          expect(err).toBeInstanceOf(CtiError);
          expect((err as CtiError).code).toBe('CTL_INVALID');
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('keeps its own copy of the bytes', () => {
    const input = Buffer.from(valid);
    const ctl = decodeCtl(input);
    input.fill(0);
    expect(ctl.bytes.equals(valid)).toBe(true);
    expect(ctl.header.signature.equals(sampleContent().header.signature)).toBe(true);
  });
});
