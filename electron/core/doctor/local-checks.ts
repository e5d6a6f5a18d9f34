/**
 * Doctor check group 8, this computer: duplicate instance IDs among profiles, the OS vault, the home
 * folder's permissions (the rules of fs/private-folder.ts), and the clock against what the cluster signed.
 */
import { X509Certificate } from 'node:crypto';
import { ERRORS, toCtiError } from '../../../shared/errors.ts';
import { sharedInstanceIds, type Profile } from '../../../shared/profile.ts';
import { ensurePrivateHome } from '../fs/private-folder.ts';
import type { SecretVault } from '../keystore/vault.ts';
import { fail, pass, warn, type DoctorCheck } from './checks.ts';

export const HOME_ID = 'home-permissions';
export const VAULT_ID = 'vault';
export const DUPLICATE_IDS_ID = 'duplicate-instance-ids';
export const CLOCK_ID = 'clock';
/** A cluster's signing clock ahead of ours by more than this means our clock is behind. */
const CLOCK_TOLERANCE_MS = 5 * 60_000;

/** The home check; the private-folder rules give the problem and its fix ("...; run chmod go-w DIR"). */
export function homeCheck(home: string): DoctorCheck {
  try {
    ensurePrivateHome(home);
    return pass(HOME_ID, `The home folder ${home} is yours and writable only by you.`);
  } catch (err) {
    const error = toCtiError(err);
    const split = error.message.lastIndexOf('; ');
    const [problem, fix] = split > 0 ? [error.message.slice(0, split), error.message.slice(split + 2)] : [error.message, ERRORS.HOME_UNSAFE.hint];
    return fail(HOME_ID, `${problem}.`, `${fix.charAt(0).toUpperCase()}${fix.slice(1)}.`);
  }
}

export async function vaultCheck(open: () => Promise<SecretVault>): Promise<DoctorCheck> {
  try {
    const vault = await open();
    return vault.kind === 'os-vault'
      ? pass(VAULT_ID, 'The OS credential vault is available.')
      : pass(VAULT_ID, 'No OS vault is used: the keystore password comes from CTIPREFS_KEYSTORE_PASSWORD.');
  } catch (err) {
    return fail(VAULT_ID, `${toCtiError(err).message}.`, ERRORS.VAULT.hint);
  }
}

export function duplicateInstanceIdsCheck(profiles: readonly Profile[]): DoctorCheck {
  const shared = sharedInstanceIds(profiles);
  if (profiles.length === 0) return pass(DUPLICATE_IDS_ID, 'No profiles yet, so no instance ID is shared.');
  if (shared.length === 0) return pass(DUPLICATE_IDS_ID, `Each of the ${profiles.length} profiles has its own instance ID.`);
  return warn(
    DUPLICATE_IDS_ID,
    `Several profiles share the instance ID ${shared.map((id) => `"${id}"`).join(', ')}: running them together gets the certificate marked compromised.`,
    'Give each running instance its own instance ID (and CAPF profile), then enroll each one.',
  );
}

export interface ClockEvidence {
  /** What the time comes from, e.g. "the stored certificate". */
  source: string;
  /** The earliest moment that source says has already happened. */
  notBefore: Date;
}

export function certificateEvidence(source: string, der: Buffer): ClockEvidence {
  return { source, notBefore: new Date(new X509Certificate(der).validFrom) };
}

/** Our clock must be past everything the cluster already signed (certificates' notBefore, the CTL's timestamp). */
export function clockCheck(evidence: readonly ClockEvidence[], now: Date = new Date()): DoctorCheck {
  const ahead = evidence.filter((e) => e.notBefore.getTime() > now.getTime() + CLOCK_TOLERANCE_MS);
  if (ahead.length === 0) {
    if (evidence.length === 0) return pass(CLOCK_ID, `This computer's clock reads ${now.toISOString()}; nothing the cluster signed was available to compare it with.`);
    return pass(CLOCK_ID, `This computer's clock (${now.toISOString()}) agrees with ${evidence.map((e) => e.source).join(', ')}.`);
  }
  const details = ahead.map((e) => `${e.source} starts ${e.notBefore.toISOString()}`).join(', ');
  return fail(
    CLOCK_ID,
    `This computer's clock (${now.toISOString()}) is behind the cluster: ${details}, so TLS will call the certificates not yet valid.`,
    'Set the clock right (turn on network time, NTP), then try again.',
  );
}
