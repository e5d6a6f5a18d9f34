/**
 * Doctor checks 6 and 7: CTIManager accepts the stored certificate (the connection test of
 * ctimanager/test-connection.ts), and the stored certificate itself: present, its key matches, days left,
 * issued by the CTL's CAPF.
 */
import { X509Certificate } from 'node:crypto';
import { ERRORS, toCtiError } from '../../../shared/errors.ts';
import type { Profile } from '../../../shared/profile.ts';
import type { CtlFile } from '../ctl/codec.ts';
import { CAPF_ROLES } from '../ctl/tags.ts';
import { trustAnchorsByRole } from '../ctl/trust-store.ts';
import { ctiManagerEndpoint } from '../ctimanager/endpoint.ts';
import { testWithStoredCertificate } from '../ctimanager/stored-certificate-test.ts';
import { describeCertificate, type CertificateStore, type StoredKeystore } from '../keystore/certificate-store.ts';
import { fail, notChecked, pass, warn, type DoctorCheck } from './checks.ts';

export const CTIMANAGER_ID = 'ctimanager-tls';
export const STORED_CERTIFICATE_ID = 'stored-certificate';

/** The profile's keystore, or the check that says why there is none. */
export async function loadIdentity(store: CertificateStore, profile: Profile): Promise<{ identity?: StoredKeystore; problem?: DoctorCheck }> {
  try {
    const identity = await store.load(profile.instanceId);
    if (identity) return { identity };
    return {
      problem: fail(STORED_CERTIFICATE_ID, `No certificate is stored for instance ID "${profile.instanceId}" in ${store.dir}.`, 'Enroll: arm the CAPF profile with an authentication string, then run the certificate update.'),
    };
  } catch (err) {
    const error = toCtiError(err);
    return { problem: fail(STORED_CERTIFICATE_ID, error.message, ERRORS[error.code].hint) };
  }
}

export async function ctiManagerCheck(profile: Profile, identity: StoredKeystore | undefined, ctl: CtlFile | undefined): Promise<DoctorCheck> {
  if (!identity) return notChecked(CTIMANAGER_ID, 'no certificate is stored to present to CTIManager', STORED_CERTIFICATE_ID);
  if (!ctl) return notChecked(CTIMANAGER_ID, 'no CTL is available to check CTIManager against', 'ctl-trusted');
  const endpoint = ctiManagerEndpoint(profile);
  if ('error' in endpoint) return fail(CTIMANAGER_ID, endpoint.error, ERRORS.BAD_INPUT.hint);
  const result = await testWithStoredCertificate(endpoint, identity, ctl);
  if (result.ok) return pass(CTIMANAGER_ID, result.message);
  return fail(CTIMANAGER_ID, result.message, result.code ? ERRORS[result.code].hint : 'Check the CTIManager address and port (2749 for TLS).');
}

export function storedCertificateCheck(
  identity: StoredKeystore,
  ctl: CtlFile | undefined,
  expiryWarningDays: number,
  now: Date = new Date(),
): DoctorCheck {
  const cert = new X509Certificate(identity.certificate);
  const details = describeCertificate(identity.certificate, now);
  const what = `The certificate ${details.subject} (${details.keyType} ${details.keySize})`;
  if (!cert.checkPrivateKey(identity.privateKey)) {
    return fail(STORED_CERTIFICATE_ID, `${what} does not match the private key stored with it.`, 'Delete the keystore and enroll again.');
  }
  const renew = 'Renew it: ask the administrator to arm Install/Upgrade with a new authentication string on the CAPF profile, then run the certificate update.';
  if (details.expired) return fail(STORED_CERTIFICATE_ID, `${what} expired on ${details.validTo}.`, renew);
  const issuers = ctl ? trustAnchorsByRole(ctl, CAPF_ROLES).map((der) => new X509Certificate(der)) : [];
  const issuer = issuers.find((capf) => cert.checkIssued(capf) && cert.verify(capf.publicKey));
  if (ctl && !issuer) {
    return fail(
      STORED_CERTIFICATE_ID,
      `${what} was not issued by a CAPF certificate of the CTL (its issuer is ${details.issuer}).`,
      'Enroll again with this cluster\'s CAPF: the certificate belongs to another cluster, or the CAPF certificate was regenerated.',
    );
  }
  const left = `${details.daysLeft} days left, valid to ${details.validTo}`;
  if (details.daysLeft < expiryWarningDays) {
    return warn(STORED_CERTIFICATE_ID, `${what} expires soon: ${left} (warning at ${expiryWarningDays} days).`, renew);
  }
  const by = issuer ? `issued by the CTL's CAPF ${issuer.subject.split('\n').reverse().join(', ')}` : 'not checked against a CTL';
  return pass(STORED_CERTIFICATE_ID, `${what} matches its key, ${by}, ${left}.`);
}
