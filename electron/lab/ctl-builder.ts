/**
 * Builds a signed CTLFile.tlv from certificates (the lab's TFTP server and the tests serve these).
 * Every record field comes from its X.509 certificate; the signature covers the file without the
 * signature TLV, whose length is fixed beforehand so the header length is known before signing.
 */
import { createHash, sign, type KeyObject } from 'node:crypto';
import { CtiError } from '../../shared/errors.ts';
import { certificateFieldsOf, ctlPublicKeyOf, type CertificateFields } from '../core/ctl/certificate-fields.ts';
import { decodeCtl, encodeCtl, signedContent, type CtlRecord, type CtlVersion } from '../core/ctl/codec.ts';
import { HashAlgorithm, hashAlgorithmOf, SIGNATURE_ALGORITHM_RSA, SIGNATURE_MODULUS_BYTES, TLV_HEAD_BYTES, type CtlHashName } from '../core/ctl/tags.ts';

export interface CtlRecordSource {
  role: number;
  /** X.509 DER. */
  certificate: Buffer;
  dnsName?: string;
  ipAddress?: Buffer;
}

export interface BuildCtlOptions {
  signer: { certificate: Buffer; privateKey: KeyObject };
  records: CtlRecordSource[];
  hash: CtlHashName;
  /** Unix seconds; now by default. */
  timestamp?: number;
  /** Default `CTLFile.tlv`. */
  filename?: string;
  /** Default 1.2. */
  version?: CtlVersion;
  signerVersion?: CtlVersion;
}

function parseCertificate(der: Buffer, what: string): CertificateFields {
  try {
    return certificateFieldsOf(der);
  } catch (err) {
    throw new CtiError('BAD_INPUT', `${what} is not a DER X.509 certificate: ${(err as Error).message}`);
  }
}

function recordOf(source: CtlRecordSource, index: number): CtlRecord {
  const fields = parseCertificate(source.certificate, `record ${index} certificate`);
  const record: CtlRecord = {
    role: source.role,
    subjectName: fields.subject,
    issuerName: fields.issuer,
    serialNumber: fields.serialNumber,
    publicKey: ctlPublicKeyOf(fields.x509.publicKey),
    certificateSignature: fields.signature,
    certificate: source.certificate,
    certificateHash: createHash('sha1').update(source.certificate).digest(),
    hashAlgorithm: HashAlgorithm.SHA1,
  };
  if (source.dnsName !== undefined) record.dnsName = source.dnsName;
  if (source.ipAddress !== undefined) record.ipAddress = source.ipAddress;
  return record;
}

/** The signature modulus index for an RSA signing key (the format only knows RSA signatures). */
function signatureSizeOf(key: KeyObject): { bytes: number; modulusIndex: number } {
  if (key.asymmetricKeyType !== 'rsa') {
    throw new CtiError('BAD_INPUT', `CTL signer key must be RSA (signature algorithm 0), got ${String(key.asymmetricKeyType)}`);
  }
  const bytes = (key.asymmetricKeyDetails?.modulusLength ?? 0) / 8;
  const modulusIndex = SIGNATURE_MODULUS_BYTES.indexOf(bytes as (typeof SIGNATURE_MODULUS_BYTES)[number]);
  if (modulusIndex < 0) {
    throw new CtiError('BAD_INPUT', `CTL signer key must be RSA 512, 1024, 2048 or 4096 bits, got ${bytes * 8}`);
  }
  return { bytes, modulusIndex };
}

export function buildSignedCtl(options: BuildCtlOptions): Buffer {
  const signer = parseCertificate(options.signer.certificate, 'signer certificate');
  if (!signer.x509.checkPrivateKey(options.signer.privateKey)) {
    throw new CtiError('BAD_INPUT', 'CTL signer private key does not belong to the signer certificate');
  }
  const signatureSize = signatureSizeOf(options.signer.privateKey);
  const unsigned = encodeCtl({
    header: {
      version: options.version ?? { major: 1, minor: 2 },
      signer: { name: signer.subject, serialNumber: signer.serialNumber, issuerName: signer.issuer },
      hashAlgorithm: hashAlgorithmOf(options.hash),
      signatureAlgorithm: SIGNATURE_ALGORITHM_RSA,
      signatureModulus: signatureSize.modulusIndex,
      signature: Buffer.alloc(signatureSize.bytes),
      filename: options.filename ?? 'CTLFile.tlv',
      timestamp: options.timestamp ?? Math.floor(Date.now() / 1000),
      ...(options.signerVersion ? { signerVersion: options.signerVersion } : {}),
    },
    records: options.records.map(recordOf),
  });
  // Locate the placeholder with the decoder itself, so builder and verifier agree on what is signed.
  const placeholder = decodeCtl(unsigned);
  const signature = sign(options.hash, signedContent(placeholder), options.signer.privateKey);
  signature.copy(unsigned, placeholder.signatureTlv.start + TLV_HEAD_BYTES);
  return unsigned;
}
