/**
 * The catalogue of user-facing sentences that more than one place shows: the enrollment steps (CLI progress
 * lines, the status tab) and the advice for a certificate CTIManager marked compromised (the error hint,
 * the connection test, the connection tab). Written once, so they never drift into other wordings.
 */
import type { EnrollStep } from './model.ts';

export const STEP_TEXTS: Readonly<Record<EnrollStep, string>> = {
  'ctl-download': 'Downloading the trust list (CTL) from the TFTP servers',
  'ctl-verify': 'Checking the trust list (CTL) against the trusted one',
  'capf-connect': 'Connecting to the CAPF server',
  'capf-authenticate': 'Authenticating with the CAPF server',
  'key-generate': 'Generating the key pair the CAPF server asked for',
  'certificate-store': 'Storing the issued certificate in the keystore',
  'retry-wait': 'Waiting before the next attempt',
};

/** Two instances used one certificate, so CTIManager refuses it for good (TSPERR_INIT_CERTIFICATE_COMPROMISED). */
export const COMPROMISED_ADVICE =
  'Delete the CAPF profile of this instance, create a new one with a new instance ID, and enroll again.';
