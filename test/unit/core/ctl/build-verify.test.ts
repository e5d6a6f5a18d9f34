import { createHash, X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { CtiError } from '../../../../shared/errors.ts';
import { buildSignedCtl } from '../../../../electron/lab/ctl-builder.ts';
import { certificateFieldsOf } from '../../../../electron/core/ctl/certificate-fields.ts';
import { decodeCtl, type CtlFile } from '../../../../electron/core/ctl/codec.ts';
import { HashAlgorithm, HeaderTag, Role } from '../../../../electron/core/ctl/tags.ts';
import { verifyCtlSignature } from '../../../../electron/core/ctl/verify.ts';
import { issuedIdentity, selfSignedIdentity, type TestIdentity } from './fixtures.ts';

function expectInvalid(ctl: CtlFile, message: RegExp): void {
  let caught: unknown;
  try {
    verifyCtlSignature(ctl);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(CtiError);
  expect((caught as CtiError).code).toBe('CTL_INVALID');
  expect((caught as CtiError).message).toMatch(message);
}

/** Rewrites one byte inside the signed part of a file and re-decodes it. */
function withByte(bytes: Buffer, offset: number, value: number): CtlFile {
  const copy = Buffer.from(bytes);
  copy[offset] = value;
  return decodeCtl(copy);
}

let sast: TestIdentity;
let ccm: TestIdentity;
let capf: TestIdentity;
let stranger: TestIdentity;

beforeAll(async () => {
  sast = await selfSignedIdentity({ CN: 'ITLRECOVERY_cucm-pub', OU: 'Voice', O: 'Example Corp', C: 'DE' });
  ccm = await issuedIdentity({ CN: 'cucm-pub', O: 'Example Corp' }, sast);
  capf = await issuedIdentity({ CN: 'CAPF-1234', O: 'Example Corp' }, sast, { type: 'ec', curve: 'P-256' });
  stranger = await selfSignedIdentity({ CN: 'stranger' });
});

function labCtl(hash: 'sha1' | 'sha256' | 'sha512' = 'sha256', signer: TestIdentity = sast): Buffer {
  return buildSignedCtl({
    signer,
    hash,
    timestamp: 1_800_000_000,
    records: [
      { role: Role.SAST, certificate: sast.certificate },
      { role: Role.CCM_TFTP, certificate: ccm.certificate, dnsName: 'cucm-pub.example', ipAddress: Buffer.from([192, 0, 2, 10]) },
      { role: Role.CAPF, certificate: capf.certificate },
    ],
  });
}

describe('buildSignedCtl', () => {
  it.each(['sha1', 'sha256', 'sha512'] as const)('builds a CTL that decodes and verifies with %s', (hash) => {
    const ctl = decodeCtl(labCtl(hash));
    expect(ctl.header.hashAlgorithm).toBe({ sha1: HashAlgorithm.SHA1, sha256: HashAlgorithm.SHA256, sha512: HashAlgorithm.SHA512 }[hash]);
    expect(ctl.header.signature).toHaveLength(128);
    expect(ctl.header.signatureModulus).toBe(1);
    expect(ctl.header.version).toEqual({ major: 1, minor: 2 });
    expect(ctl.header.filename).toBe('CTLFile.tlv');
    expect(ctl.header.timestamp).toBe(1_800_000_000);
    expect(ctl.header.headerLength % 4).toBe(0);
    const signer = verifyCtlSignature(ctl);
    expect(signer.record.role).toBe(Role.SAST);
    expect(signer.certificate.raw.equals(sast.certificate)).toBe(true);
  });

  it('fills every record field from the certificate', () => {
    const ctl = decodeCtl(labCtl());
    const [sastRecord, ccmRecord, capfRecord] = ctl.records;
    const ccmCert = new X509Certificate(ccm.certificate);
    expect(ccmRecord).toMatchObject({
      role: Role.CCM_TFTP,
      dnsName: 'cucm-pub.example',
      subjectName: 'O=Example Corp;CN=cucm-pub',
      issuerName: 'C=DE;O=Example Corp;OU=Voice;CN=ITLRECOVERY_cucm-pub',
      ipAddress: Buffer.from([192, 0, 2, 10]),
      hashAlgorithm: HashAlgorithm.SHA1,
    });
    // Compared as numbers: a random serial may start with a zero nibble, which hex strings show differently.
    expect(BigInt(`0x${ccmRecord!.serialNumber!.toString('hex')}`)).toBe(BigInt(`0x${ccmCert.serialNumber}`));
    expect(ccmRecord!.publicKey).toEqual(ccm.publicKey.export({ type: 'pkcs1', format: 'der' }));
    expect(ccmRecord!.certificate).toEqual(ccm.certificate);
    expect(ccmRecord!.certificateHash).toEqual(createHash('sha1').update(ccm.certificate).digest());
    // The certificate's own signature verifies the certificate under its issuer's key.
    expect(ccmRecord!.certificateSignature).toEqual(certificateFieldsOf(ccm.certificate).signature);
    expect(ccmCert.verify(sast.publicKey)).toBe(true);
    // EC: X9.62 uncompressed point, 0x04 || X || Y.
    expect(capfRecord!.publicKey).toHaveLength(65);
    expect(capfRecord!.publicKey![0]).toBe(0x04);
    const jwk = capf.publicKey.export({ format: 'jwk' });
    expect(capfRecord!.publicKey!.subarray(1, 33)).toEqual(Buffer.from(jwk.x!, 'base64url'));
    expect(sastRecord!.subjectName).toBe(ctl.header.signer.name);
    expect(ctl.header.signer.issuerName).toBe(sastRecord!.issuerName);
  });

  it('sets the signature modulus index from the RSA key size', async () => {
    const big = await selfSignedIdentity({ CN: 'sast-2048' }, { key: { type: 'rsa', bits: 2048 } });
    const ctl = decodeCtl(buildSignedCtl({ signer: big, hash: 'sha512', records: [{ role: Role.SAST, certificate: big.certificate }] }));
    expect(ctl.header.signatureModulus).toBe(2);
    expect(ctl.header.signature).toHaveLength(256);
    expect(verifyCtlSignature(ctl).record.role).toBe(Role.SAST);
  });

  it('refuses EC signers and keys that do not belong to the signer certificate', () => {
    const records = [{ role: Role.SAST, certificate: sast.certificate }];
    expect(() => buildSignedCtl({ signer: capf, hash: 'sha256', records })).toThrow(/must be RSA/);
    expect(() => buildSignedCtl({ signer: { certificate: sast.certificate, privateKey: stranger.privateKey }, hash: 'sha256', records })).toThrow(
      /does not belong to the signer certificate/,
    );
    expect(() => buildSignedCtl({ signer: sast, hash: 'sha256', records: [{ role: 0, certificate: Buffer.from('nope') }] })).toThrow(
      /record 0 certificate is not a DER X.509 certificate/,
    );
  });
});

describe('verifyCtlSignature', () => {
  it('detects a change anywhere outside the signature TLV', () => {
    const bytes = labCtl('sha512');
    const ctl = decodeCtl(bytes);
    const filenameOffset = bytes.indexOf(Buffer.from('CTLFile.tlv\0')) + 2;
    expectInvalid(withByte(bytes, filenameOffset, 'X'.charCodeAt(0)), /bad signature/);
    // The last byte is the last record's hash algorithm value.
    expectInvalid(withByte(bytes, bytes.length - 1, 2), /bad signature/);
    // A dropped record (cut on a record boundary) decodes, but no longer verifies.
    let offset = ctl.header.headerLength;
    let previous = offset;
    while (offset < bytes.length) {
      previous = offset;
      offset += bytes.readUInt16BE(offset + 3);
    }
    expectInvalid(decodeCtl(bytes.subarray(0, previous)), /bad signature/);
  });

  it('detects a changed signature', () => {
    const bytes = labCtl();
    const ctl = decodeCtl(bytes);
    expectInvalid(withByte(bytes, ctl.signatureTlv.start + 3 + 5, bytes[ctl.signatureTlv.start + 8]! ^ 0x01), /bad signature/);
  });

  it('names an unknown signer: signed by a certificate the file does not list', () => {
    const bytes = buildSignedCtl({ signer: stranger, hash: 'sha256', records: [{ role: Role.SAST, certificate: sast.certificate }] });
    expectInvalid(decodeCtl(bytes), /unknown signer: no record has a certificate with serial [0-9A-F]+ issued by "CN=stranger"/);
  });

  it('needs serial AND issuer to match', () => {
    const bytes = labCtl();
    const ctl = decodeCtl(bytes);
    const issuerOffset = bytes.indexOf(Buffer.from(ctl.header.signer.issuerName), ctl.header.signer.name.length + 15);
    expect(issuerOffset).toBeGreaterThan(0);
    expect(issuerOffset).toBeLessThan(ctl.header.headerLength);
    expectInvalid(withByte(bytes, issuerOffset, 'X'.charCodeAt(0)), /unknown signer/);
  });

  it('rejects hash and signature algorithms it does not know', () => {
    const bytes = labCtl();
    const hashOffset = bytes.indexOf(Buffer.from([HeaderTag.HASH_ALGORITHM, 0, 1, HashAlgorithm.SHA256]));
    expectInvalid(withByte(bytes, hashOffset + 3, 9), /unsupported hash algorithm 9; allowed are 1 \(SHA-1\), 2 \(SHA-256\) or 3 \(SHA-512\)/);
    const algorithmOffset = bytes.indexOf(Buffer.from([HeaderTag.SIGNATURE_ALGORITHM, 0, 1, 0]));
    expectInvalid(withByte(bytes, algorithmOffset + 3, 1), /unsupported signature algorithm 1/);
  });
});
