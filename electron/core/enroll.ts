/**
 * The one workflow: trusted CTL → CAPF enrollment → keystore, with retries, progress and a persisted
 * status. While it runs, the authentication string is sealed in the OS vault so that an operation cut
 * short by a crash or power loss resumes on the next start; it is erased as soon as the operation ends.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { CtiError, ERRORS, toCtiError } from '../../shared/errors.ts';
import { checkAuthString, deviceName, parseEndpoint, DEFAULT_CAPF_PORT } from '../../shared/fields.ts';
import type { EnrollStep, OperationStatus } from '../../shared/ipc.ts';
import { validateProfile, type Profile } from '../../shared/profile.ts';
import { classifyRetryable, runCapfSession } from './capf/client.ts';
import type { CoreContext } from './context.ts';
import { updateTrustedCtl, type CtlUpdate } from './ctl-update.ts';
import { CAPF_ROLES } from './ctl/tags.ts';
import { trustAnchorsByRole, type TrustedCtl } from './ctl/trust-store.ts';
import { describeCertificate } from './keystore/certificate-store.ts';
import { recordOperation } from './history.ts';

export interface EnrollOptions {
  profile: Profile;
  /** The one-time authentication string; undefined for CAPF profiles without one. */
  authString?: string;
  signal?: AbortSignal;
  onProgress?: (status: OperationStatus, message: string) => void;
  /** Which trust list the enrollment verifies the CAPF server with. */
  onCtl?: (ctl: EnrollmentCtl) => void;
}

/** The outcome of this enrollment's download, or 'stored' when no download worked and the trusted CTL was used. */
export interface EnrollmentCtl {
  outcome: CtlUpdate['outcome'] | 'stored';
  server: string;
  fileName: string;
}

const RESUME_PREFIX = 'resume:';

interface ResumeSeal {
  profileId: string;
  authString?: string;
  startedAt: string;
}

const STEP_MESSAGES: Record<EnrollStep, string> = {
  'ctl-download': 'Downloading the CTL from the TFTP servers',
  'ctl-verify': 'Checking the CTL against the trusted one',
  'capf-connect': 'Connecting to the CAPF server',
  'capf-authenticate': 'Authenticating with the CAPF server',
  'key-generate': 'Generating the key pair the CAPF server asked for',
  'certificate-store': 'Storing the issued certificate in the keystore',
  'retry-wait': 'Waiting before the next attempt',
};

function checkRequest(options: EnrollOptions): void {
  const errors = Object.values(validateProfile(options.profile));
  if (errors[0]) throw new CtiError('BAD_INPUT', errors[0]);
  if (options.authString !== undefined && checkAuthString(options.authString)) {
    throw new CtiError('BAD_INPUT', checkAuthString(options.authString)!);
  }
}

/** Runs one enrollment to its end; returns the final status (also persisted), throws the failure. */
export async function enrollCertificate(core: CoreContext, options: EnrollOptions): Promise<OperationStatus> {
  checkRequest(options);
  const { profile } = options;
  const since = new Date().toISOString();
  const maxAttempts = 1 + profile.retries;
  const report = async (status: OperationStatus, message: string) => {
    await core.status.set(profile.id, status);
    options.onProgress?.(status, message);
  };
  const step = (name: EnrollStep, attempt: number, extra: { nextAttemptAt?: string } = {}) =>
    report({ state: 'in-progress', since, step: name, attempt, maxAttempts, ...extra }, STEP_MESSAGES[name]);

  let attempts = 1;
  const capfServer = `${profile.capfHost}:${profile.capfPort}`;
  await report({ state: 'pending', since }, 'Certificate update requested');
  await sealForResume(core, { profileId: profile.id, ...(options.authString ? { authString: options.authString } : {}), startedAt: since });
  core.logger.log('info', 'enroll.start', { profile: profile.id, instanceId: profile.instanceId, maxAttempts });
  try {
    await step('ctl-download', 1);
    const trusted = await trustedCtlForEnrollment(core, profile, options);
    const anchors = trustAnchorsByRole(trusted.ctl, [...CAPF_ROLES]);
    if (anchors.length === 0) throw new CtiError('CTL_INVALID', 'The trusted CTL lists no CAPF certificate, so the CAPF server cannot be verified');

    const capf = parseEndpoint(`${profile.capfHost}:${profile.capfPort}`, DEFAULT_CAPF_PORT, 'CAPF server');
    if ('error' in capf) throw new CtiError('BAD_INPUT', capf.error);
    const store = await core.certificateStore(core.dirOf(profile));

    for (let attempt = 1; ; attempt++) {
      attempts = attempt;
      try {
        const result = await runCapfSession({
          host: capf.host,
          port: capf.port,
          trustedCapfCertificates: anchors,
          deviceName: deviceName(profile.deviceNameTemplate, profile.userName, profile.instanceId),
          ...(options.authString ? { authString: options.authString } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
          logger: core.logger,
          onStep: (name) => void step(name, attempt),
          storeCertificate: (issued) => store.save(profile.instanceId, issued),
          loadCertificate: async () => (await store.loadCertificate(profile.instanceId)) ?? undefined,
          deleteCertificate: async () => {
            await store.delete(profile.instanceId);
          },
        });
        const fingerprint = result.certificate ? describeCertificate(result.certificate).fingerprintSha256 : undefined;
        const done: OperationStatus = {
          state: 'succeeded',
          at: new Date().toISOString(),
          outcome: result.outcome,
          ...(fingerprint ? { fingerprintSha256: fingerprint } : {}),
        };
        core.logger.log('info', 'enroll.succeeded', { profile: profile.id, outcome: result.outcome, attempt });
        await report(done, successMessage(result.outcome));
        await recordOperation(core, profile.id, { startedAt: since, endedAt: done.at, outcome: result.outcome, attempts, capfServer });
        return done;
      } catch (err) {
        const error = toCtiError(err);
        if (attempt >= maxAttempts || !classifyRetryable(error)) throw error;
        const nextAttemptAt = new Date(Date.now() + profile.retryInterval * 1000).toISOString();
        core.logger.log('warn', 'enroll.retry', { profile: profile.id, attempt, code: error.code, message: error.message });
        await report(
          { state: 'in-progress', since, step: 'retry-wait', attempt, maxAttempts, nextAttemptAt },
          `Attempt ${attempt} of ${maxAttempts} failed (${error.message}); retrying in ${profile.retryInterval} s`,
        );
        await waitForRetry(profile.retryInterval, options.signal);
      }
    }
  } catch (err) {
    const error = toCtiError(err);
    const failed: OperationStatus = {
      state: 'failed',
      at: new Date().toISOString(),
      code: error.code,
      message: error.message,
      hint: ERRORS[error.code].hint,
    };
    core.logger.log('error', 'enroll.failed', { profile: profile.id, code: error.code, message: error.message });
    await report(failed, error.message);
    await recordOperation(core, profile.id, { startedAt: since, endedAt: failed.at, outcome: 'failed', code: error.code, attempts, capfServer });
    throw error;
  } finally {
    await unseal(core, profile.id);
  }
}

function successMessage(outcome: 'installed' | 'fetched' | 'deleted'): string {
  return {
    installed: 'The certificate was issued and stored in the keystore',
    fetched: 'The CAPF server fetched the stored certificate',
    deleted: 'The CAPF server deleted the certificate; it was removed from the keystore',
  }[outcome];
}

async function waitForRetry(seconds: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await sleep(seconds * 1000, undefined, signal ? { signal } : {});
  } catch {
    throw new CtiError('CANCELLED', 'The enrollment was cancelled while waiting to retry');
  }
}

/**
 * A fresh CTL when a server has one; a compromised or unreachable download falls back to the trusted
 * CTL as the TSP does (the error is logged), and no stored CTL at all means no connection.
 */
async function trustedCtlForEnrollment(core: CoreContext, profile: Profile, options: EnrollOptions): Promise<TrustedCtl> {
  const store = await core.trustStore(core.dirOf(profile));
  const { signal } = options;
  try {
    const update = await updateTrustedCtl({
      servers: profile.tftpServers,
      capfHost: profile.capfHost,
      store,
      logger: core.logger,
      ...(signal ? { signal } : {}),
    });
    options.onCtl?.({ outcome: update.outcome, server: update.server, fileName: update.fileName });
    return update.trusted;
  } catch (err) {
    const error = toCtiError(err);
    if (error.code === 'CANCELLED' || error.code === 'CTL_TAMPERED' || error.code === 'BAD_INPUT') throw error;
    const current = await store.current();
    if (!current) throw error;
    core.logger.log('warn', 'enroll.ctl.using-stored', { profile: profile.id, code: error.code, message: error.message });
    options.onCtl?.({ outcome: 'stored', server: current.source, fileName: current.fileName });
    return current;
  }
}

async function sealForResume(core: CoreContext, seal: ResumeSeal): Promise<void> {
  try {
    const vault = await core.vault();
    if (vault.kind === 'os-vault') await vault.set(RESUME_PREFIX + seal.profileId, JSON.stringify(seal));
  } catch (err) {
    // Without a vault the operation still runs; it just cannot resume after a crash.
    core.logger.log('warn', 'enroll.resume.unsealed', { profile: seal.profileId, message: toCtiError(err).message });
  }
}

async function unseal(core: CoreContext, profileId: string): Promise<void> {
  try {
    const vault = await core.vault();
    if (vault.kind === 'os-vault') await vault.delete(RESUME_PREFIX + profileId);
  } catch (err) {
    core.logger.log('warn', 'enroll.resume.unseal-failed', { profile: profileId, message: toCtiError(err).message });
  }
}

/**
 * Resumes the operations that a crash or power loss interrupted. Those whose sealed data is gone are
 * marked failed with a message that says what to do.
 */
export async function resumeInterruptedEnrollments(
  core: CoreContext,
  onProgress?: (profileId: string, status: OperationStatus, message: string) => void,
): Promise<{ profileId: string; status: OperationStatus }[]> {
  const results: { profileId: string; status: OperationStatus }[] = [];
  for (const profileId of await core.status.interrupted()) {
    let seal: ResumeSeal | undefined;
    try {
      const vault = await core.vault();
      const text = vault.kind === 'os-vault' ? await vault.get(RESUME_PREFIX + profileId) : null;
      const parsed: unknown = text ? JSON.parse(text) : undefined;
      if (parsed && typeof parsed === 'object' && (parsed as ResumeSeal).profileId === profileId) seal = parsed as ResumeSeal;
    } catch {
      seal = undefined;
    }
    const profile = (await core.settings.read()).profiles.find((p) => p.id === profileId);
    if (!seal || !profile) {
      const status: OperationStatus = {
        state: 'failed',
        at: new Date().toISOString(),
        code: 'CANCELLED',
        message: 'The certificate update was interrupted and cannot be resumed (its sealed data is gone)',
        hint: 'Run the certificate update again with a new authentication string.',
      };
      await core.status.set(profileId, status);
      results.push({ profileId, status });
      continue;
    }
    core.logger.log('info', 'enroll.resume', { profile: profileId, startedAt: seal.startedAt });
    try {
      const status = await enrollCertificate(core, {
        profile,
        ...(seal.authString ? { authString: seal.authString } : {}),
        onProgress: (s, m) => onProgress?.(profileId, s, m),
      });
      results.push({ profileId, status });
    } catch {
      results.push({ profileId, status: await core.status.get(profileId) });
    }
  }
  return results;
}
