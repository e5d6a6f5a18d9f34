/**
 * Whether the certificate a CTIManager presented is one the trusted CTL lists for CTIManager (roles CCM
 * and CCM+TFTP). Trust is the certificate itself, compared byte for byte: never its name, never a
 * public CA, never the host name (users type IP addresses).
 */
import { X509Certificate } from 'node:crypto';

export type ServerTrustDecision =
  | { trusted: true; subject: string }
  | { trusted: false; subject?: string; reason: string };

export function checkServerCertificate(presented: Buffer | undefined, trustedCertificates: readonly Buffer[]): ServerTrustDecision {
  if (!presented || presented.length === 0) return { trusted: false, reason: 'the server presented no certificate' };
  const subject = readableSubject(presented);
  const listed = trustedCertificates.some((trusted) => trusted.equals(presented));
  if (listed) return { trusted: true, subject: subject ?? 'an unreadable subject' };
  return {
    trusted: false,
    ...(subject === undefined ? {} : { subject }),
    reason: `the server certificate${subject ? ` (${subject})` : ''} is not one of the CTL's CTIManager (CCM, CCM+TFTP) certificates`,
  };
}

/** "CN=ccm1, OU=…, O=…" (most specific first), or undefined when the bytes are not a certificate. */
export function readableSubject(der: Buffer): string | undefined {
  try {
    return new X509Certificate(der).subject.split('\n').reverse().join(', ');
  } catch {
    return undefined;
  }
}
