/**
 * PKCS#10 certificate requests (RFC 2986), what SecuritySetupPackage.exe makes: pkijs builds the ASN.1,
 * node:crypto signs and verifies, as for the certificates in pki/certificates.ts.
 */
import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { CtiError } from '../../../shared/errors.ts';
import type { DistinguishedName } from '../pki/certificates.ts';

const OID = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  organizationalUnit: '2.5.4.11',
  country: '2.5.4.6',
  sha256WithRSAEncryption: '1.2.840.113549.1.1.11',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
} as const;

const NAME_ORDER: [keyof DistinguishedName, string][] = [
  ['C', OID.country],
  ['O', OID.organization],
  ['OU', OID.organizationalUnit],
  ['CN', OID.commonName],
];

function encodeName(dn: DistinguishedName): pkijs.RelativeDistinguishedNames {
  const sets = NAME_ORDER.filter(([field]) => dn[field] !== undefined).map(([field, type]) => {
    const value = dn[field]!;
    const asnValue = field === 'C' ? new asn1js.PrintableString({ value }) : new asn1js.Utf8String({ value });
    return new asn1js.Set({ value: [new pkijs.AttributeTypeAndValue({ type, value: asnValue }).toSchema()] });
  });
  return pkijs.RelativeDistinguishedNames.fromBER(new asn1js.Sequence({ value: sets }).toBER(false));
}

function signatureAlgorithm(key: KeyObject): pkijs.AlgorithmIdentifier {
  return key.asymmetricKeyType === 'ec'
    ? new pkijs.AlgorithmIdentifier({ algorithmId: OID.ecdsaWithSha256 })
    : new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256WithRSAEncryption, algorithmParams: new asn1js.Null() });
}

/** Builds and signs a request for `publicKey`; returns its DER bytes. */
export function createCertificateRequest(subject: DistinguishedName, publicKey: KeyObject, privateKey: KeyObject): Buffer {
  const csr = new pkijs.CertificationRequest();
  csr.version = 0;
  csr.subject = encodeName(subject);
  csr.subjectPublicKeyInfo = pkijs.PublicKeyInfo.fromBER(publicKey.export({ type: 'spki', format: 'der' }));
  csr.attributes = [];
  csr.signatureAlgorithm = signatureAlgorithm(privateKey);
  // toSchema(true) encodes the to-be-signed part afresh; its first element is CertificationRequestInfo.
  const info = Buffer.from((csr.toSchema(true) as asn1js.Sequence).valueBlock.value[0]!.toBER(false));
  csr.tbsView = new Uint8Array(info);
  csr.signatureValue = new asn1js.BitString({ valueHex: sign('sha256', info, privateKey) });
  return Buffer.from(csr.toSchema().toBER(false));
}

const HASH_OF_SIGNATURE: Record<string, string> = {
  '1.2.840.113549.1.1.5': 'sha1',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
};

export interface ParsedRequest {
  /** The subject exactly as requested (DER of the Name), carried into the certificate unchanged. */
  subjectDer: Buffer;
  subjectText: string;
  publicKey: KeyObject;
}

/** Decodes a request and checks its self-signature: a request whose signature fails is not signed. */
export function readCertificateRequest(der: Buffer, where: string): ParsedRequest {
  let csr: pkijs.CertificationRequest;
  try {
    csr = pkijs.CertificationRequest.fromBER(new Uint8Array(der));
  } catch {
    throw new CtiError('BAD_INPUT', `${where} is not a PKCS#10 certificate request`);
  }
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: Buffer.from(csr.subjectPublicKeyInfo.toSchema().toBER(false)), format: 'der', type: 'spki' });
  } catch {
    throw new CtiError('BAD_INPUT', `${where}: the public key in the request cannot be read`);
  }
  const hash = HASH_OF_SIGNATURE[csr.signatureAlgorithm.algorithmId];
  if (!hash) throw new CtiError('BAD_INPUT', `${where}: signature algorithm ${csr.signatureAlgorithm.algorithmId} is not supported (RSA or ECDSA with SHA-1/2)`);
  const valid = verify(hash, Buffer.from(csr.tbsView), publicKey, Buffer.from(csr.signatureValue.valueBlock.valueHexView));
  if (!valid) throw new CtiError('BAD_INPUT', `${where}: the request's signature does not verify; it was changed or damaged`);
  const subjectText = csr.subject.typesAndValues.map((tv) => `${shortName(tv.type)}=${String(tv.value.valueBlock.value)}`).join(', ');
  return { subjectDer: Buffer.from(csr.subject.toSchema().toBER(false)), subjectText, publicKey };
}

function shortName(oid: string): string {
  return NAME_ORDER.find(([, o]) => o === oid)?.[0] ?? oid;
}
