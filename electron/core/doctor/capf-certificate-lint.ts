/**
 * What Unified CM 14SU2 and later require of the CAPF certificate before they issue LSCs with it: a CA
 * (basicConstraints CA:TRUE, pathlen 0), allowed to sign certificates (keyUsage keyCertSign), valid now,
 * with a key and a signature hash that are still considered safe. Each finding names the field.
 */
import { X509Certificate } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { MIN_STRONG_RSA_BITS } from '../ctl/describe.ts';
import { describeCertificate } from '../keystore/certificate-details.ts';
import { SIGNATURE_OID } from '../pki/certificates.ts';

const OID_BASIC_CONSTRAINTS = '2.5.29.19';
const OID_KEY_USAGE = '2.5.29.15';
const OID_RSASSA_PSS = '1.2.840.113549.1.1.10';
/** RFC 5280 4.2.1.3: bit 5 of keyUsage. */
const KEY_CERT_SIGN_BIT = 5;

const HASH_DISPLAY: Record<string, string> = { sha1: 'SHA-1', sha256: 'SHA-256', sha384: 'SHA-384', sha512: 'SHA-512' };

function signatureHashName(oid: string): string {
  if (oid === OID_RSASSA_PSS) return 'RSA-PSS';
  for (const byHash of Object.values(SIGNATURE_OID)) {
    for (const [hash, known] of Object.entries(byHash)) if (known === oid) return HASH_DISPLAY[hash] ?? hash;
  }
  return `signature algorithm ${oid}`;
}

export interface CapfCertificateLint {
  /** 'fail': Unified CM refuses LSCs or TLS with it; 'warn': works, but not as 14SU2+ issues it. */
  status: 'pass' | 'warn' | 'fail';
  subject: string;
  /** e.g. "RSA 2048" or "EC P-256". */
  key: string;
  hash: string;
  validTo: string;
  /** Problems, worst first, each naming the field. */
  failures: string[];
  warnings: string[];
}

function keyDescription(der: Buffer): { text: string; rsaBits?: number } {
  const { keyType, keySize } = describeCertificate(der);
  return { text: `${keyType} ${keySize}`, ...(keyType === 'RSA' ? { rsaBits: Number(keySize) } : {}) };
}

function hasBit(bits: asn1js.BitString, bit: number): boolean {
  const bytes = new Uint8Array(bits.valueBlock.valueHexView);
  const byte = bytes[bit >> 3];
  return byte !== undefined && (byte & (0x80 >> (bit & 7))) !== 0;
}

export function lintCapfCertificate(der: Buffer, now: Date = new Date()): CapfCertificateLint {
  const x509 = new X509Certificate(der);
  const cert = pkijs.Certificate.fromBER(new Uint8Array(der));
  const failures: string[] = [];
  const warnings: string[] = [];
  const extension = (oid: string) => cert.extensions?.find((e) => e.extnID === oid);

  const basic = extension(OID_BASIC_CONSTRAINTS)?.parsedValue as pkijs.BasicConstraints | undefined;
  if (!basic || basic.cA !== true) {
    failures.push('it is not a CA (basicConstraints CA:TRUE is missing)');
  } else {
    const pathLength = basic.pathLenConstraint;
    const length = typeof pathLength === 'number' ? pathLength : pathLength?.valueBlock.valueDec;
    if (length === undefined) warnings.push('its basicConstraints have no path length (pathlen 0 expected)');
    else if (length !== 0) warnings.push(`its basicConstraints allow a path length of ${length} (pathlen 0 expected)`);
  }

  const keyUsage = extension(OID_KEY_USAGE);
  if (!keyUsage) failures.push('it has no key usage extension (keyCertSign needed)');
  else {
    const asn1 = asn1js.fromBER(new Uint8Array(keyUsage.extnValue.valueBlock.valueHexView));
    if (!(asn1.result instanceof asn1js.BitString) || !hasBit(asn1.result, KEY_CERT_SIGN_BIT)) failures.push('its key usage lacks keyCertSign');
  }

  const validFrom = new Date(x509.validFrom);
  const validTo = new Date(x509.validTo);
  if (validTo < now) failures.push(`it expired on ${validTo.toISOString()}`);
  if (validFrom > now) failures.push(`it is not valid before ${validFrom.toISOString()} (check this computer's clock)`);

  const key = keyDescription(der);
  if (key.rsaBits !== undefined && key.rsaBits < MIN_STRONG_RSA_BITS) warnings.push(`its RSA key has ${key.rsaBits} bits (at least ${MIN_STRONG_RSA_BITS} expected)`);
  const hash = signatureHashName(cert.signatureAlgorithm.algorithmId);
  if (hash === 'SHA-1') warnings.push('it is signed with SHA-1 (SHA-256 or stronger expected)');

  return {
    status: failures.length > 0 ? 'fail' : warnings.length > 0 ? 'warn' : 'pass',
    subject: x509.subject.split('\n').reverse().join(', '),
    key: key.text,
    hash,
    validTo: validTo.toISOString(),
    failures,
    warnings,
  };
}
