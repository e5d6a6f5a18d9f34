/**
 * X.509 certificate creation for the lab CA, the CTL signers and the CAPF server's LSCs.
 * pkijs builds the ASN.1; node:crypto signs, so RSA and EC keys take the same path.
 */
import { createHash, generateKeyPair as generateKeyPairCb, randomBytes, sign, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

const generateKeyPairAsync = promisify(generateKeyPairCb);

export const RSA_KEY_SIZES = [512, 1024, 2048, 3072, 4096] as const;
export const EC_CURVES = ['P-256', 'P-384', 'P-521'] as const;
export type RsaKeySize = (typeof RSA_KEY_SIZES)[number];
export type EcCurve = (typeof EC_CURVES)[number];
export type KeySpec = { type: 'rsa'; bits: RsaKeySize } | { type: 'ec'; curve: EcCurve };
export type HashName = 'sha1' | 'sha256' | 'sha384' | 'sha512';

export interface KeyPair {
  publicKey: KeyObject;
  privateKey: KeyObject;
}

/** Generates a key pair with the platform's native crypto (never in JavaScript). */
export async function generateKeyPair(spec: KeySpec): Promise<KeyPair> {
  if (spec.type === 'rsa') {
    return generateKeyPairAsync('rsa', { modulusLength: spec.bits, publicExponent: 0x10001 });
  }
  return generateKeyPairAsync('ec', { namedCurve: spec.curve });
}

export function describeKeySpec(spec: KeySpec): string {
  return spec.type === 'rsa' ? `RSA ${spec.bits}` : `EC ${spec.curve}`;
}

const OID = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  organizationalUnit: '2.5.4.11',
  country: '2.5.4.6',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  basicConstraints: '2.5.29.19',
  extKeyUsage: '2.5.29.37',
  authorityKeyIdentifier: '2.5.29.35',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

export const SIGNATURE_OID: Record<'rsa' | 'ec', Record<HashName, string>> = {
  rsa: {
    sha1: '1.2.840.113549.1.1.5',
    sha256: '1.2.840.113549.1.1.11',
    sha384: '1.2.840.113549.1.1.12',
    sha512: '1.2.840.113549.1.1.13',
  },
  ec: {
    sha1: '1.2.840.10045.4.1',
    sha256: '1.2.840.10045.4.3.2',
    sha384: '1.2.840.10045.4.3.3',
    sha512: '1.2.840.10045.4.3.4',
  },
};

// keyUsage bit positions (RFC 5280 4.2.1.3)
const KEY_USAGE_BIT = { digitalSignature: 0, keyEncipherment: 2, keyCertSign: 5, cRLSign: 6 } as const;
type KeyUsage = keyof typeof KEY_USAGE_BIT;

export interface DistinguishedName {
  CN: string;
  O?: string;
  OU?: string;
  C?: string;
}

export interface CertificateOptions {
  /** The subject's fields, or its Name exactly as encoded elsewhere (a PKCS#10 request being signed). */
  subject: DistinguishedName | { der: Buffer };
  publicKey: KeyObject;
  /** Issuer certificate (DER) and its private key; omit both for a self-signed certificate. */
  issuer?: { certificate: Buffer; privateKey: KeyObject };
  /** The subject's own private key, needed only for self-signed certificates. */
  selfSigningKey?: KeyObject;
  serialNumber?: Buffer;
  notBefore?: Date;
  validityDays?: number;
  isCa?: boolean;
  /** basicConstraints pathLenConstraint of a CA: 0 lets it sign end-entity certificates only. */
  pathLength?: number;
  extendedKeyUsage?: ('serverAuth' | 'clientAuth')[];
  hash?: HashName;
}

function buildName(dn: DistinguishedName): pkijs.RelativeDistinguishedNames {
  const parts: [string, string | undefined][] = [
    [OID.country, dn.C],
    [OID.organization, dn.O],
    [OID.organizationalUnit, dn.OU],
    [OID.commonName, dn.CN],
  ];
  // One attribute per RDN set: pkijs would otherwise put them all in one multi-valued RDN.
  const sets = parts
    .filter((part): part is [string, string] => part[1] !== undefined)
    .map(([type, value]) => {
      const asnValue = type === OID.country ? new asn1js.PrintableString({ value }) : new asn1js.Utf8String({ value });
      return new asn1js.Set({ value: [new pkijs.AttributeTypeAndValue({ type, value: asnValue }).toSchema()] });
    });
  return pkijs.RelativeDistinguishedNames.fromBER(new asn1js.Sequence({ value: sets }).toBER(false));
}

function nameOf(subject: CertificateOptions['subject']): pkijs.RelativeDistinguishedNames {
  return 'der' in subject ? pkijs.RelativeDistinguishedNames.fromBER(new Uint8Array(subject.der)) : buildName(subject);
}

function keyUsageExtension(usages: KeyUsage[]): pkijs.Extension {
  const bits = new Uint8Array(2);
  for (const usage of usages) {
    const bit = KEY_USAGE_BIT[usage];
    bits[bit >> 3]! |= 0x80 >> (bit & 7);
  }
  const bytes = bits[1] === 0 ? bits.slice(0, 1) : bits;
  const value = new asn1js.BitString({ valueHex: bytes, unusedBits: 0 });
  return new pkijs.Extension({ extnID: OID.keyUsage, critical: true, extnValue: value.toBER(false), parsedValue: value });
}

function keyIdentifier(spkiDer: Buffer): Buffer {
  const spki = pkijs.PublicKeyInfo.fromBER(new Uint8Array(spkiDer));
  return createHash('sha1').update(Buffer.from(spki.subjectPublicKey.valueBlock.valueHexView)).digest();
}

function randomSerial(): Buffer {
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f || 0x01; // positive and minimally encoded
  return serial;
}

function algorithmFor(key: KeyObject, hash: HashName): pkijs.AlgorithmIdentifier {
  const family = key.asymmetricKeyType === 'ec' ? 'ec' : 'rsa';
  return new pkijs.AlgorithmIdentifier({
    algorithmId: SIGNATURE_OID[family][hash],
    ...(family === 'rsa' ? { algorithmParams: new asn1js.Null() } : {}),
  });
}

/** Creates and signs an X.509 v3 certificate; returns its DER bytes. */
export function createCertificate(options: CertificateOptions): Buffer {
  const hash = options.hash ?? 'sha256';
  const signingKey = options.issuer?.privateKey ?? options.selfSigningKey;
  if (!signingKey) throw new Error('createCertificate needs issuer.privateKey or selfSigningKey');
  const spkiDer = options.publicKey.export({ type: 'spki', format: 'der' });

  const cert = new pkijs.Certificate();
  cert.version = 2;
  cert.serialNumber = new asn1js.Integer({ valueHex: options.serialNumber ?? randomSerial() });
  cert.subject = nameOf(options.subject);
  const issuerCert = options.issuer ? pkijs.Certificate.fromBER(new Uint8Array(options.issuer.certificate)) : undefined;
  cert.issuer = issuerCert ? issuerCert.subject : nameOf(options.subject);
  const notBefore = options.notBefore ?? new Date(Date.now() - 60_000);
  const notAfter = new Date(notBefore.getTime() + (options.validityDays ?? 365) * 86_400_000);
  cert.notBefore.value = notBefore;
  cert.notAfter.value = notAfter;
  cert.subjectPublicKeyInfo = pkijs.PublicKeyInfo.fromBER(spkiDer);

  const extensions: pkijs.Extension[] = [];
  const basic = new pkijs.BasicConstraints({
    cA: options.isCa ?? false,
    ...(options.isCa && options.pathLength !== undefined ? { pathLenConstraint: options.pathLength } : {}),
  });
  extensions.push(
    new pkijs.Extension({ extnID: OID.basicConstraints, critical: true, extnValue: basic.toSchema().toBER(false), parsedValue: basic }),
  );
  extensions.push(
    keyUsageExtension(options.isCa ? ['digitalSignature', 'keyCertSign', 'cRLSign'] : ['digitalSignature', 'keyEncipherment']),
  );
  if (options.extendedKeyUsage?.length) {
    const eku = new pkijs.ExtKeyUsage({ keyPurposes: options.extendedKeyUsage.map((p) => OID[p]) });
    extensions.push(new pkijs.Extension({ extnID: OID.extKeyUsage, extnValue: eku.toSchema().toBER(false), parsedValue: eku }));
  }
  const ski = new asn1js.OctetString({ valueHex: keyIdentifier(spkiDer) });
  extensions.push(new pkijs.Extension({ extnID: OID.subjectKeyIdentifier, extnValue: ski.toBER(false) }));
  if (issuerCert) {
    const aki = new pkijs.AuthorityKeyIdentifier({
      keyIdentifier: new asn1js.OctetString({ valueHex: keyIdentifier(Buffer.from(issuerCert.subjectPublicKeyInfo.toSchema().toBER(false))) }),
    });
    extensions.push(new pkijs.Extension({ extnID: OID.authorityKeyIdentifier, extnValue: aki.toSchema().toBER(false) }));
  }
  cert.extensions = extensions;

  const algorithm = algorithmFor(signingKey, hash);
  cert.signature = algorithm;
  cert.signatureAlgorithm = algorithm;
  const tbs = Buffer.from(cert.encodeTBS().toBER(false));
  cert.tbsView = new Uint8Array(tbs);
  const signature = sign(hash, tbs, signingKey);
  cert.signatureValue = new asn1js.BitString({ valueHex: signature });
  return Buffer.from(cert.toSchema(true).toBER(false));
}

export function toPem(der: Buffer, label = 'CERTIFICATE'): string {
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}
