/**
 * X.509 certificate creation for the lab CA, the CTL signers, the CAPF server's LSCs and the CTI OS set.
 * pkijs builds the ASN.1; node:crypto signs, so RSA and EC keys take the same path.
 */
import { createHash, randomBytes, sign, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { SIGNATURE_OID, type CertificateOptions, type DistinguishedName, type HashName } from './certificates.ts';

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

// keyUsage bit positions (RFC 5280 4.2.1.3)
const KEY_USAGE_BIT = { digitalSignature: 0, keyEncipherment: 2, keyCertSign: 5, cRLSign: 6 } as const;
type KeyUsage = keyof typeof KEY_USAGE_BIT;

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

