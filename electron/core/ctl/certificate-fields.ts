/**
 * The X.509 facts a CTL record carries, read from a DER certificate: names in the CTL's string style,
 * serial, public key in the CTL's key format, the certificate's own signature, validity and fingerprints.
 *
 * Names use the Cisco CTL style seen in real files: the certificate's attributes in their DER order,
 * `SHORT=value` joined by ';', e.g. `CN=cucm-pub;OU=IT;O=Example;L=Berlin;ST=BE;C=DE`. One format
 * everywhere (build, verify, describe), independent of Node's version-dependent `X509Certificate.subject`.
 */
import { createHash, X509Certificate, type KeyObject } from 'node:crypto';
import { contextTag, decodeOne, readBitString, readOid, readString, readTime, sequenceOf, Tag, type DerElement } from '../pki/der.ts';

const SHORT_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'street',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'title',
  '1.2.840.113549.1.9.1': 'emailAddress',
  '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID',
};

/** A string value as text; any other type as `#` and the hex of its encoding (RFC 4514's escape). */
function attributeValue(value: DerElement): string {
  return readString(value, 'name attribute') ?? `#${value.der.toString('hex')}`;
}

/** Name ::= SEQUENCE OF RelativeDistinguishedName (a SET OF AttributeTypeAndValue), in DER order. */
export function ctlNameOf(name: DerElement | undefined, what = 'name'): string {
  return sequenceOf(name, what)
    .flatMap((rdn) => sequenceOf(rdn, what, 1, Tag.set))
    .map((pair) => {
      const [type, value] = sequenceOf(pair, what, 2);
      const oid = readOid(type, `${what} attribute type`);
      return `${SHORT_NAMES[oid] ?? oid}=${attributeValue(value!)}`;
    })
    .join(';');
}

/** Serial numbers compare as unsigned integers: DER may add a leading 0x00, CTL writers may not. */
export function unsignedSerial(serial: Buffer): Buffer {
  let start = 0;
  while (start < serial.length - 1 && serial[start] === 0) start += 1;
  return serial.subarray(start);
}

export function sameSerial(a: Buffer, b: Buffer): boolean {
  return unsignedSerial(a).equals(unsignedSerial(b));
}

/** Colon-separated uppercase hex, the usual way fingerprints are shown (same as X509Certificate.fingerprint256). */
export function fingerprintSha256(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex').toUpperCase().match(/../g)!.join(':');
}

/** The CTL's public-key format: PKCS#1 RSAPublicKey DER for RSA, X9.62 uncompressed point for EC. */
export function ctlPublicKeyOf(key: KeyObject): Buffer {
  if (key.asymmetricKeyType === 'rsa') return key.export({ type: 'pkcs1', format: 'der' });
  if (key.asymmetricKeyType === 'ec') {
    const jwk = key.export({ format: 'jwk' });
    if (!jwk.x || !jwk.y) throw new Error('EC public key without coordinates');
    return Buffer.concat([Buffer.from([0x04]), Buffer.from(jwk.x, 'base64url'), Buffer.from(jwk.y, 'base64url')]);
  }
  throw new Error(`unsupported key type ${String(key.asymmetricKeyType)}`);
}

export interface CertificateFields {
  x509: X509Certificate;
  subject: string;
  issuer: string;
  /** Unsigned, without leading zero bytes. */
  serialNumber: Buffer;
  /** The certificate's own signature bytes (its signatureValue BIT STRING content). */
  signature: Buffer;
  notBefore: Date;
  notAfter: Date;
  fingerprintSha256: string;
}

/** The version field of a TBSCertificate: [0] EXPLICIT. */
const VERSION_TAG = contextTag(0, true);

/** Parses a DER certificate; throws (a plain Error) when it is not one. Callers map that to their code. */
export function certificateFieldsOf(der: Buffer): CertificateFields {
  const x509 = new X509Certificate(der);
  // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }
  const [tbs, , signature] = sequenceOf(decodeOne(der, 'certificate'), 'certificate', 3);
  // TBSCertificate ::= SEQUENCE { [0] version OPTIONAL, serialNumber, signature, issuer, validity, subject, ... }
  const fields = sequenceOf(tbs, 'tbsCertificate', 6);
  const [serial, , issuer, validity, subject] = fields[0]!.tag === VERSION_TAG ? fields.slice(1) : fields;
  const [notBefore, notAfter] = sequenceOf(validity, 'validity', 2);
  if (serial?.tag !== Tag.integer) throw new Error('certificate serial number is not an INTEGER');
  return {
    x509,
    subject: ctlNameOf(subject, 'subject'),
    issuer: ctlNameOf(issuer, 'issuer'),
    serialNumber: Buffer.from(unsignedSerial(serial.value)),
    signature: Buffer.from(readBitString(signature, 'signature')),
    notBefore: readTime(notBefore, 'notBefore'),
    notAfter: readTime(notAfter, 'notAfter'),
    fingerprintSha256: fingerprintSha256(der),
  };
}

/** Like certificateFieldsOf, but undefined for bytes that are not a certificate (hostile or damaged records). */
export function tryCertificateFieldsOf(der: Buffer | undefined): CertificateFields | undefined {
  if (!der) return undefined;
  try {
    return certificateFieldsOf(der);
  } catch {
    return undefined;
  }
}
