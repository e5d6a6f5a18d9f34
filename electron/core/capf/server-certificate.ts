/**
 * Whether the certificate a CAPF server presented is one to trust: one of the trusted CTL's CAPF
 * certificates itself, compared byte for byte (chaining to one is not enough: the CAPF CA also issues every
 * client's LSC, and one of those must never pass for the CAPF server), valid now, and, when it limits its
 * uses, allowed to serve TLS as OpenSSL's TLS-server purpose has it (extended key usage and key usage). The
 * TLS handshake has already proved that the server holds its key.
 *
 * Checked here rather than by OpenSSL against a `ca` list: in Node, the first TLS context given a CA
 * builds the store of every bundled public root (some 140 certificates, about 35 ms of each enrollment),
 * none of which this connection may ever trust.
 */
import { X509Certificate } from 'node:crypto';
import { childrenOf, contextTag, decodeOne, expect, readOctets, readOid, sequenceOf, Tag } from '../pki/der.ts';

/** RFC 5280 4.2.1.12: id-kp-serverAuth, and the EKU that allows every use. */
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const ANY_EXTENDED_KEY_USAGE = '2.5.29.37.0';
/** RFC 5280 4.2.1.3: the keyUsage extension, and its bits that let a key serve TLS (as OpenSSL's KU_TLS). */
const KEY_USAGE = '2.5.29.15';
const DIGITAL_SIGNATURE = 0x80;
const KEY_ENCIPHERMENT = 0x20;
const KEY_AGREEMENT = 0x08;

/** Null when trusted; otherwise what is wrong, with OpenSSL's name for it where it has one. */
export function capfServerCertificateProblem(presented: Buffer | undefined, trusted: readonly Buffer[], now: Date = new Date()): string | null {
  if (!presented || !trusted.some((der) => der.equals(presented))) return 'is not a CAPF certificate of the trusted CTL';
  const certificate = new X509Certificate(presented);
  if (now < new Date(certificate.validFrom)) return `is a CAPF certificate of the trusted CTL that is not valid before ${certificate.validFrom} (CERT_NOT_YET_VALID)`;
  if (now > new Date(certificate.validTo)) return `is a CAPF certificate of the trusted CTL that expired on ${certificate.validTo} (CERT_HAS_EXPIRED)`;
  // Node names the extended key usages `keyUsage`; undefined when the certificate has no such extension.
  const uses = certificate.keyUsage;
  if (uses && !uses.includes(SERVER_AUTH) && !uses.includes(ANY_EXTENDED_KEY_USAGE)) {
    return 'is a CAPF certificate of the trusted CTL whose extended key usage does not allow a TLS server (INVALID_PURPOSE)';
  }
  const keyUsage = keyUsageBits(presented);
  if (keyUsage !== undefined && (keyUsage & (DIGITAL_SIGNATURE | KEY_ENCIPHERMENT | KEY_AGREEMENT)) === 0) {
    return 'is a CAPF certificate of the trusted CTL whose key usage does not allow a TLS server (INVALID_PURPOSE)';
  }
  return null;
}

/** The first byte of the keyUsage bits (digitalSignature is its top bit), or undefined without the extension. */
function keyUsageBits(der: Buffer): number | undefined {
  const [tbs] = sequenceOf(decodeOne(der, 'certificate'), 'certificate', 3);
  // tbsCertificate's extensions: [3] EXPLICIT SEQUENCE OF Extension, the last field when present.
  const extensions = childrenOf(expect(tbs, Tag.sequence, 'tbsCertificate'), 'tbsCertificate').find((field) => field.tag === contextTag(3, true));
  if (!extensions) return undefined;
  for (const extension of sequenceOf(childrenOf(extensions, 'extensions')[0], 'extensions')) {
    const fields = sequenceOf(extension, 'extension', 2);
    if (readOid(fields[0], 'extension id') !== KEY_USAGE) continue;
    // extnValue, after the optional critical flag: an OCTET STRING holding the BIT STRING.
    const bits = expect(decodeOne(readOctets(fields.at(-1), 'keyUsage'), 'keyUsage'), Tag.bitString, 'keyUsage').value;
    return bits[1] ?? 0;
  }
  return undefined;
}
