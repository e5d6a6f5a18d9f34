/**
 * `ctiprefs doctor` and the Diagnostics tab: the checks of issue 9 in their order, for a profile (the
 * active one by default) or for bare server addresses before any profile exists. Every check runs even
 * when an earlier one failed, as far as it can: a support call needs the whole picture at once.
 */
import { CtiError, ERRORS, toCtiError } from '../../../shared/errors.ts';
import { DEFAULT_CAPF_PORT, type Endpoint } from '../../../shared/fields.ts';
import { expiryWarningDaysOf, type Profile, type Settings } from '../../../shared/profile.ts';
import { openCore, type CoreContext } from '../context.ts';
import type { StoredKeystore } from '../keystore/certificate-store.ts';
import type { Logger } from '../log.ts';
import { capfChecks } from './capf-checks.ts';
import { CTIMANAGER_ID, ctiManagerCheck, loadIdentity, storedCertificateCheck, STORED_CERTIFICATE_ID } from './certificate-checks.ts';
import { fail, notChecked, warn, type DoctorCheck, type DoctorReport } from './checks.ts';
import { ctlPresentCheck, CTL_TRUSTED_ID, judgeServedCtl, probeTftpServers, tftpReachableChecks, type CtlJudgement } from './ctl-checks.ts';
import { certificateEvidence, clockCheck, duplicateInstanceIdsCheck, homeCheck, vaultCheck, VAULT_ID, type ClockEvidence } from './local-checks.ts';

/** What to check: a profile (undefined id: the active one), or servers given by address. */
export type DoctorTarget =
  | { profileId?: string; servers?: undefined }
  | { profileId?: undefined; servers: { tftp: string[]; capf?: Endpoint; ctiManager?: Endpoint } };

export interface DoctorOptions {
  home: string;
  target: DoctorTarget;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  /** The caller's open core of `home` (the app's, with its vault service and vault); else one is opened. */
  core?: CoreContext;
  /** A stored certificate with fewer days left is a warning; default: the settings' threshold. */
  expiryWarningDays?: number;
}

export const SETTINGS_ID = 'settings';

function pickProfile(settings: Settings, profileId: string | undefined): Profile {
  const id = profileId ?? settings.activeProfileId;
  if (id === null || id === undefined) {
    throw new CtiError('BAD_INPUT', 'No profile to check: none is active; give --profile ID, or --tftp HOST[:PORT] to check servers before any profile exists');
  }
  const profile = settings.profiles.find((p) => p.id === id);
  if (!profile) throw new CtiError('BAD_INPUT', `--profile: no profile with id "${id}"; ids: ${settings.profiles.map((p) => p.id).join(', ') || 'none yet'}`);
  return profile;
}

export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const home = homeCheck(options.home);
  // Without a safe home nothing else can be opened; the one check says what to change.
  if (home.status === 'fail') return { checks: [home] };
  const core =
    options.core ?? openCore({ home: options.home, ...(options.env ? { env: options.env } : {}), ...(options.logger ? { logger: options.logger } : {}) });

  let settings: Settings | undefined;
  let settingsProblem: DoctorCheck | undefined;
  try {
    settings = await core.settings.read();
  } catch (err) {
    settingsProblem = fail(SETTINGS_ID, toCtiError(err).message, 'Fix or remove the settings file named in the message.');
  }
  const profile = options.target.servers ? undefined : settings ? pickProfile(settings, options.target.profileId) : undefined;
  if (!options.target.servers && !profile) return { checks: [settingsProblem!, home] };

  const tftp = options.target.servers?.tftp ?? profile!.tftpServers;
  const capf = options.target.servers ? options.target.servers.capf : { host: profile!.capfHost, port: profile!.capfPort ?? DEFAULT_CAPF_PORT };
  const dir = profile ? core.dirOf(profile) : core.layout.defaultCertificateDir;
  const checks: DoctorCheck[] = [];
  const evidence: ClockEvidence[] = [];

  const probes = await probeTftpServers(tftp, capf?.host, core.logger);
  checks.push(...tftpReachableChecks(probes), ctlPresentCheck(probes));
  const judged = await judgeCtl(core, dir, probes);
  checks.push(judged.check);
  if (judged.reference) evidence.push({ source: "the CTL's signing time", notBefore: new Date(judged.reference.header.timestamp * 1000) });

  if (capf) {
    const result = await capfChecks(capf.host, capf.port, judged.reference);
    checks.push(...result.checks);
    if (result.presented) evidence.push(certificateEvidence('the CAPF certificate', result.presented));
  }

  if (profile) {
    const { identity, problem } = await identityOf(core, dir, profile);
    checks.push(await ctiManagerCheck(profile, identity, judged.reference));
    checks.push(problem ?? storedCertificateCheck(identity!, judged.reference, options.expiryWarningDays ?? expiryWarningDaysOf(settings ?? {})));
    if (identity) evidence.push(certificateEvidence('the stored certificate', identity.certificate));
  } else if (options.target.servers?.ctiManager) {
    checks.push(
      warn(CTIMANAGER_ID, 'Not checked: the CTIManager test presents a stored certificate, and without a profile there is none.', 'Enroll a profile, then run "ctiprefs doctor --profile ID".'),
    );
  }

  if (settingsProblem) checks.push(settingsProblem);
  else checks.push(duplicateInstanceIdsCheck(settings!.profiles));
  checks.push(await vaultCheck(core.vault), home, clockCheck(evidence));
  return { checks };
}

async function judgeCtl(core: CoreContext, dir: string, probes: Awaited<ReturnType<typeof probeTftpServers>>): Promise<CtlJudgement> {
  try {
    return await judgeServedCtl(probes, await core.trustStore(dir));
  } catch (err) {
    const error = toCtiError(err);
    if (error.code === 'VAULT') return { check: notChecked(CTL_TRUSTED_ID, 'the trusted CTL is sealed with a key from the OS vault', VAULT_ID) };
    return { check: fail(CTL_TRUSTED_ID, error.message, ERRORS[error.code].hint) };
  }
}

async function identityOf(core: CoreContext, dir: string, profile: Profile): Promise<{ identity?: StoredKeystore; problem?: DoctorCheck }> {
  try {
    return await loadIdentity(await core.certificateStore(dir), profile);
  } catch (err) {
    const error = toCtiError(err);
    if (error.code === 'VAULT') return { problem: notChecked(STORED_CERTIFICATE_ID, 'the keystore password is in the OS vault', VAULT_ID) };
    return { problem: fail(STORED_CERTIFICATE_ID, error.message, ERRORS[error.code].hint) };
  }
}
