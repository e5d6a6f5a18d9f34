/**
 * The X.509 facts a CTL record carries, read from a DER certificate: names in the CTL's string style,
 * serial, public key in the CTL's key format, the certificate's own signature, validity and fingerprints.
 *
 * Names use the Cisco CTL style seen in real files: the certificate's attributes in their DER order,
 * `SHORT=value` joined by ';', e.g. `CN=cucm-pub;OU=IT;O=Example;L=Berlin;ST=BE;C=DE`. One format
 * everywhere (build, verify, describe), independent of Node's version-dependent `X509Certificate.subject`.
 */
import { createHash, X509Certificate, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

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

function attributeValue(value: unknown): string {
  const block = (value as { valueBlock?: { value?: unknown; valueHexView?: Uint8Array } }).valueBlock;
  if (typeof block?.value === 'string') return block.value;
  return `#${Buffer.from(block?.valueHexView ?? new Uint8Array()).toString('hex')}`;
}

export function ctlNameOf(name: pkijs.RelativeDistinguishedNames): string {
  return name.typesAndValues.map((tv) => `${SHORT_NAMES[tv.type] ?? tv.type}=${attributeValue(tv.value)}`).join(';');
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

/** Parses a DER certificate; throws (a plain Error) when it is not one. Callers map that to their code. */
export function certificateFieldsOf(der: Buffer): CertificateFields {
  const x509 = new X509Certificate(der);
  const asn1 = asn1js.fromBER(new Uint8Array(der));
  if (asn1.offset === -1) throw new Error('certificate is not valid BER');
  const cert = new pkijs.Certificate({ schema: asn1.result });
  return {
    x509,
    subject: ctlNameOf(cert.subject),
    issuer: ctlNameOf(cert.issuer),
    serialNumber: Buffer.from(unsignedSerial(Buffer.from(cert.serialNumber.valueBlock.valueHexView))),
    signature: Buffer.from(cert.signatureValue.valueBlock.valueHexView),
    notBefore: cert.notBefore.value,
    notAfter: cert.notAfter.value,
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
