/**
 * X.509 certificate creation for the lab CA, the CTL signers, the CAPF server's LSCs and the CTI OS set.
 * The DER is written field by field as RFC 5280 section 4.1 defines it (pki/der.ts); node:crypto signs,
 * so RSA and EC keys take the same path.
 */
import { createHash, randomBytes, sign, type KeyObject } from 'node:crypto';
import { contextTag, decodeOne, der, readBitString, sequenceOf, tlv } from './der.ts';
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

/** Certificate version v3 (RFC 5280: `Version ::= INTEGER { v1(0), v2(1), v3(2) }`). */
const VERSION_3 = 2;
const SERIAL_BYTES = 16;

// keyUsage bit positions (RFC 5280 4.2.1.3)
const KEY_USAGE_BIT = { digitalSignature: 0, keyEncipherment: 2, keyCertSign: 5, cRLSign: 6 } as const;
type KeyUsage = keyof typeof KEY_USAGE_BIT;

/** A Name as an RDNSequence with one attribute per RDN, country as PrintableString, the rest UTF8String. */
function buildName(dn: DistinguishedName): Buffer {
  const parts: [string, string | undefined][] = [
    [OID.country, dn.C],
    [OID.organization, dn.O],
    [OID.organizationalUnit, dn.OU],
    [OID.commonName, dn.CN],
  ];
  const rdns = parts
    .filter((part): part is [string, string] => part[1] !== undefined)
    .map(([type, value]) => der.set(der.sequence(der.oid(type), type === OID.country ? der.printableString(value) : der.utf8String(value))));
  return der.sequence(...rdns);
}

function nameOf(subject: CertificateOptions['subject']): Buffer {
  return 'der' in subject ? Buffer.from(subject.der) : buildName(subject);
}

/** Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING } */
function extension(oid: string, value: Buffer, critical = false): Buffer {
  return der.sequence(der.oid(oid), ...(critical ? [der.true()] : []), der.octetString(value));
}

/** A named BIT STRING in DER: trailing zero bits dropped and counted as unused (X.690 11.2.2). */
function keyUsageValue(usages: KeyUsage[]): Buffer {
  const bits = Buffer.alloc(2);
  for (const usage of usages) {
    const bit = KEY_USAGE_BIT[usage];
    bits[bit >> 3]! |= 0x80 >> (bit & 7);
  }
  const bytes = bits[1] === 0 ? bits.subarray(0, 1) : bits;
  const last = bytes[bytes.length - 1]!;
  let unused = 0;
  while (unused < 7 && (last & (1 << unused)) === 0) unused++;
  return der.bitString(bytes, last === 0 ? 0 : unused);
}

/** BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER OPTIONAL } */
function basicConstraintsValue(isCa: boolean, pathLength: number | undefined): Buffer {
  return der.sequence(...(isCa ? [der.true(), ...(pathLength !== undefined ? [der.integer(pathLength)] : [])] : []));
}

/** The SHA-1 of the subjectPublicKey bits (RFC 5280 4.2.1.2, method 1). */
function keyIdentifier(spkiDer: Buffer): Buffer {
  const [, subjectPublicKey] = sequenceOf(decodeOne(spkiDer, 'subjectPublicKeyInfo'), 'subjectPublicKeyInfo', 2);
  return createHash('sha1').update(readBitString(subjectPublicKey, 'subjectPublicKey')).digest();
}

/** The subject Name and SubjectPublicKeyInfo of a certificate, as the DER they are encoded in. */
function issuerFieldsOf(certificate: Buffer): { subject: Buffer; spki: Buffer } {
  const [tbs] = sequenceOf(decodeOne(certificate, 'issuer certificate'), 'issuer certificate', 3);
  const fields = sequenceOf(tbs, 'issuer tbsCertificate', 6);
  // [0] version, serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo
  const [, , , , subject, spki] = fields[0]!.tag === contextTag(0, true) ? fields.slice(1) : fields;
  return { subject: subject!.der, spki: spki!.der };
}

function randomSerial(): Buffer {
  const serial = randomBytes(SERIAL_BYTES);
  serial[0] = serial[0]! & 0x7f || 0x01; // positive and minimally encoded
  return serial;
}

/** AlgorithmIdentifier of the signature: RSA with a NULL parameter, ECDSA without (RFC 4055, RFC 5758). */
function algorithmFor(key: KeyObject, hash: HashName): Buffer {
  const family = key.asymmetricKeyType === 'ec' ? 'ec' : 'rsa';
  return der.sequence(der.oid(SIGNATURE_OID[family][hash]), ...(family === 'rsa' ? [der.null()] : []));
}

/** Creates and signs an X.509 v3 certificate; returns its DER bytes. */
export function createCertificate(options: CertificateOptions): Buffer {
  const hash = options.hash ?? 'sha256';
  const signingKey = options.issuer?.privateKey ?? options.selfSigningKey;
  if (!signingKey) throw new Error('createCertificate needs issuer.privateKey or selfSigningKey');
  const spkiDer = options.publicKey.export({ type: 'spki', format: 'der' });
  const subject = nameOf(options.subject);
  const issuer = options.issuer ? issuerFieldsOf(options.issuer.certificate) : undefined;
  const notBefore = options.notBefore ?? new Date(Date.now() - 60_000);
  const notAfter = new Date(notBefore.getTime() + (options.validityDays ?? 365) * 86_400_000);

  const extensions = [
    extension(OID.basicConstraints, basicConstraintsValue(options.isCa ?? false, options.isCa ? options.pathLength : undefined), true),
    extension(OID.keyUsage, keyUsageValue(options.isCa ? ['digitalSignature', 'keyCertSign', 'cRLSign'] : ['digitalSignature', 'keyEncipherment']), true),
    ...(options.extendedKeyUsage?.length ? [extension(OID.extKeyUsage, der.sequence(...options.extendedKeyUsage.map((p) => der.oid(OID[p]))))] : []),
    extension(OID.subjectKeyIdentifier, der.octetString(keyIdentifier(spkiDer))),
    // AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING, ... }
    ...(issuer ? [extension(OID.authorityKeyIdentifier, der.sequence(tlv(contextTag(0, false), keyIdentifier(issuer.spki))))] : []),
  ];
  const algorithm = algorithmFor(signingKey, hash);
  const tbs = der.sequence(
    der.explicit(0, der.integer(VERSION_3)),
    der.unsignedInteger(options.serialNumber ?? randomSerial()),
    algorithm,
    issuer?.subject ?? subject,
    der.sequence(der.time(notBefore), der.time(notAfter)),
    subject,
    spkiDer,
    der.explicit(3, der.sequence(...extensions)),
  );
  return der.sequence(tbs, algorithm, der.bitString(sign(hash, tbs, signingKey)));
}
