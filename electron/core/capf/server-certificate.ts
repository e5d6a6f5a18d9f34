/**
 * Whether the certificate a CAPF server presented is one to trust: one of the trusted CTL's CAPF
 * certificates itself, compared byte for byte (chaining to one is not enough: the CAPF CA also issues every
 * client's LSC, and one of those must never pass for the CAPF server), valid now, and, when it limits its
 * uses, allowed to serve TLS as OpenSSL's TLS-server purpose has it (extended key usage and key usage). The
 * TLS handshake has already proved that the server holds its key.
 *
 * Checked here rather than by OpenSSL against a `ca` list, which would cost every enrollment Node's store
 * of public roots (NO_CA_LIST in tls-policy.ts).
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

/**
 * The smallest RSA or DSA key OpenSSL's default security level (1, 80-bit security) lets a TLS peer use:
 * OpenSSL refused smaller ones ("EE certificate key too weak") when it verified the certificate.
 */
export const MIN_SERVER_KEY_BITS = 1024;

/** Null when trusted; otherwise what is wrong, with OpenSSL's name for it where it has one. */
export function capfServerCertificateProblem(presented: Buffer | undefined, trusted: readonly Buffer[], now: Date = new Date()): string | null {
  if (!presented || !trusted.some((der) => der.equals(presented))) return 'is not a CAPF certificate of the trusted CTL';
  const listed = 'is a CAPF certificate of the trusted CTL';
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(presented);
  } catch {
    return `${listed} that cannot be read`;
  }
  // A time OpenSSL cannot print reads as NaN, which no comparison would catch: refused, as OpenSSL did.
  const validFrom = Date.parse(certificate.validFrom);
  const validTo = Date.parse(certificate.validTo);
  if (!Number.isFinite(validFrom)) return `${listed} whose start of validity cannot be read (ERROR_IN_CERT_NOT_BEFORE_FIELD)`;
  if (!Number.isFinite(validTo)) return `${listed} whose end of validity cannot be read (ERROR_IN_CERT_NOT_AFTER_FIELD)`;
  if (now.getTime() < validFrom) return `${listed} that is not valid before ${certificate.validFrom} (CERT_NOT_YET_VALID)`;
  if (now.getTime() > validTo) return `${listed} that expired on ${certificate.validTo} (CERT_HAS_EXPIRED)`;
  const { asymmetricKeyType: keyType, asymmetricKeyDetails: key } = certificate.publicKey;
  if ((keyType === 'rsa' || keyType === 'rsa-pss' || keyType === 'dsa') && (key?.modulusLength ?? 0) < MIN_SERVER_KEY_BITS) {
    return `${listed} whose ${key?.modulusLength ?? 'unknown'}-bit ${keyType.toUpperCase()} key is too weak (EE_KEY_TOO_SMALL; at least ${MIN_SERVER_KEY_BITS} bits)`;
  }
  // Node names the extended key usages `keyUsage`; undefined when the certificate has no such extension.
  const uses = certificate.keyUsage;
  if (uses && !uses.includes(SERVER_AUTH) && !uses.includes(ANY_EXTENDED_KEY_USAGE)) {
    return `${listed} whose extended key usage does not allow a TLS server (INVALID_PURPOSE)`;
  }
  let keyUsage: number | undefined;
  try {
    keyUsage = keyUsageBits(presented);
  } catch {
    return `${listed} whose extensions cannot be read`;
  }
  if (keyUsage !== undefined && (keyUsage & (DIGITAL_SIGNATURE | KEY_ENCIPHERMENT | KEY_AGREEMENT)) === 0) {
    return `${listed} whose key usage does not allow a TLS server (INVALID_PURPOSE)`;
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
