/**
 * The one workflow: trusted CTL → CAPF enrollment → keystore, with retries, progress and a persisted
 * status. While it runs, the authentication string is sealed in the OS vault so that an operation cut
 * short by a crash or power loss resumes on the next start; it is erased as soon as the operation ends.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { CtiError, ERRORS, toCtiError } from '../../shared/errors.ts';
import { checkAuthString, deviceName, parseEndpoint, DEFAULT_CAPF_PORT } from '../../shared/fields.ts';
import type { EnrollStep, OperationStatus } from '../../shared/model.ts';
import { validateProfile, type Profile } from '../../shared/profile.ts';
import { STEP_TEXTS } from '../../shared/texts.ts';
import { classifyRetryable, runCapfSession } from './capf/client.ts';
import type { CoreContext } from './context.ts';
import { updateTrustedCtl, type CtlUpdate } from './ctl-update.ts';
import { CAPF_ROLES } from './ctl/tags.ts';
import { requirePinnedSigner, trustAnchorsByRole, type FirstUseRule, type TrustedCtl } from './ctl/trust-store.ts';
import { describeCertificate, type CertificateStore } from './keystore/certificate-store.ts';
import { keyPairAheadForEnrollment } from './pki/key-pair-ahead.ts';
import { eraseVaultSeal, sealForResume, unseal } from './resume-seal.ts';
import { recordOperation } from './history.ts';
import { isInterrupted } from './status.ts';
import { withFields } from './log.ts';
import { presetFirstUse } from './preset.ts';

export interface EnrollOptions {
  profile: Profile;
  /** The one-time authentication string; undefined for CAPF profiles without one. */
  authString?: string;
  signal?: AbortSignal;
  onProgress?: (status: OperationStatus, message: string) => void;
  /** Which trust list the enrollment verifies the CAPF server with. */
  onCtl?: (ctl: EnrollmentCtl) => void;
  /** When no CTL is trusted yet: the first use must have this signer (managed rollouts). */
  firstUse?: FirstUseRule;
  /** The profile being saved meanwhile (the CLI's own): the run is recorded only once it is. */
  profileSaved?: Promise<void>;
  /** The certificate the enrollment stored or the server fetched (DER). */
  onCertificate?: (certificate: Buffer) => void;
}

/** The outcome of this enrollment's download, or 'stored' when no download worked and the trusted CTL was used. */
export interface EnrollmentCtl {
  outcome: CtlUpdate['outcome'] | 'stored';
  server: string;
  fileName: string;
}

function checkRequest(options: EnrollOptions): void {
  const errors = Object.values(validateProfile(options.profile));
  if (errors[0]) throw new CtiError('BAD_INPUT', errors[0]);
  if (!options.profile.secureConnection) {
    throw new CtiError('BAD_INPUT', `Profile "${options.profile.id}" has secure connection off, so it needs no certificate; turn secure connection on to fetch one`);
  }
  if (options.authString !== undefined && checkAuthString(options.authString)) {
    throw new CtiError('BAD_INPUT', checkAuthString(options.authString)!);
  }
}

/** Runs one enrollment to its end; returns the final status (also persisted), throws the failure. */
export async function enrollCertificate(outer: CoreContext, options: EnrollOptions): Promise<OperationStatus> {
  checkRequest(options);
  const { profile } = options;
  // Every line this operation logs (CAPF and CTL steps included) names it, so the history can show them.
  const operationId = randomBytes(6).toString('hex');
  const core: CoreContext = { ...outer, logger: withFields(outer.logger, { profile: profile.id, operation: operationId }) };
  const since = new Date().toISOString();
  const maxAttempts = 1 + profile.retries;
  const report = async (status: OperationStatus, message: string) => {
    await core.status.set(profile.id, status);
    options.onProgress?.(status, message);
  };
  const step = (name: EnrollStep, attempt: number, extra: { nextAttemptAt?: string; storedFingerprintSha256?: string } = {}) =>
    report({ state: 'in-progress', since, step: name, attempt, maxAttempts, ...extra }, STEP_TEXTS[name]);
  // The CAPF client reports steps without waiting; a step whose status cannot be written stops the session.
  const stepFailure = new AbortController();
  let stepError: CtiError | undefined;
  let pendingStep: Promise<void> = Promise.resolve();
  const stepInBackground = (name: EnrollStep, attempt: number) => {
    pendingStep = step(name, attempt).catch((err: unknown) => {
      stepError ??= toCtiError(err);
      core.logger.log('warn', 'enroll.status-write-failed', { profile: profile.id, message: stepError.message });
      stepFailure.abort();
    });
  };
  const signal = options.signal ? AbortSignal.any([options.signal, stepFailure.signal]) : stepFailure.signal;

  // Usually ready by the time the CAPF server asks for a key (first attempt only).
  const keyPairs = keyPairAheadForEnrollment();
  // A run after an interrupted one (an older version's crash, say) also erases what that one sealed in the vault.
  const followsInterrupted = core.status.get(profile.id).then(isInterrupted, () => false);
  let attempts = 1;
  let preparedFor: CertificateStore | undefined;
  const capfServer = `${profile.capfHost}:${profile.capfPort}`;
  const capf = parseEndpoint(capfServer, DEFAULT_CAPF_PORT, 'CAPF server');
  if ('error' in capf) throw new CtiError('BAD_INPUT', capf.error);
  options.onProgress?.({ state: 'pending', since }, 'Certificate update requested');
  core.logger.log('info', 'enroll.start', { profile: profile.id, instanceId: profile.instanceId, maxAttempts });
  try {
    // Three things go on at once, and all three are done before any CAPF server hears of the run: the
    // operation is recorded (the profile saved, its status, then the seal that lets a crash resume it), the
    // trust list is downloaded and checked, and the keystore's password gets ready (its key derivations wait
    // for the CAPF session, see deriveWhileWaiting).
    // The first to fail stops the download: nothing more is fetched or trusted for a run that has failed.
    const preCapf = new AbortController();
    const notContacted = failedBeforeCapf(options.authString !== undefined);
    const recorded = (async () => {
      await Promise.resolve(options.profileSaved).catch(notContacted);
      await step('ctl-download', 1).catch(notContacted);
      await sealForResume(core, { profileId: profile.id, ...(options.authString ? { authString: options.authString } : {}), startedAt: since }).catch(
        notContacted,
      );
    })();
    const trustedCtl = trustedCtlForEnrollment(core, profile, { ...options, signal: AbortSignal.any([signal, preCapf.signal]) });
    const preparedStore = (async () => {
      const store = await core.certificateStore(core.dirOf(profile));
      preparedFor = store;
      await store.prepare(profile.instanceId).catch(notContacted);
      return store;
    })();
    const [, trusted, store] = await allOrFirstFailure([recorded, trustedCtl, preparedStore] as const, preCapf);
    const anchors = trustAnchorsByRole(trusted.ctl, [...CAPF_ROLES]);
    if (anchors.length === 0) throw new CtiError('CTL_INVALID', 'The trusted CTL lists no CAPF certificate, so the CAPF server cannot be verified');

    for (let attempt = 1; ; attempt++) {
      attempts = attempt;
      try {
        const result = await runCapfSession({
          host: capf.host,
          port: capf.port,
          trustedCapfCertificates: anchors,
          deviceName: deviceName(profile.deviceNameTemplate, profile.userName, profile.instanceId),
          ...(options.authString ? { authString: options.authString } : {}),
          signal,
          logger: core.logger,
          onStep: (name) => {
            if (name === 'key-generate') store.deriveWhileWaiting(profile.instanceId);
            stepInBackground(name, attempt);
          },
          keyPairs,
          // Persisted before the CAPF server hears of it: after that answer its string is spent, and a
          // crash must resume as this success rather than retry with the spent string. Keystore and status
          // are written side by side: a crash between the two resumes as a new run, never as a false success
          // (resume.ts compares the status's fingerprint with the keystore's certificate).
          storeCertificate: async (issued) => {
            const storedFingerprintSha256 = describeCertificate(issued.certificate).fingerprintSha256;
            await allOrFirstFailure([store.save(profile.instanceId, issued), step('certificate-store', attempt, { storedFingerprintSha256 })] as const);
          },
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
        if (result.certificate) options.onCertificate?.(result.certificate);
        await allOrFirstFailure([
          report(done, successMessage(result.outcome)),
          recordOperation(core, profile.id, { operationId, startedAt: since, endedAt: done.at, outcome: result.outcome, attempts, capfServer }),
        ] as const);
        return done;
      } catch (err) {
        // A status write still under way may be the real cause (a full disk): wait for it before judging.
        await pendingStep;
        const error = stepError ?? toCtiError(err);
        if (attempt >= maxAttempts || !classifyRetryable(error)) throw error;
        const nextAttemptAt = new Date(Date.now() + profile.retryInterval * 1000).toISOString();
        core.logger.log('warn', 'enroll.retry', { profile: profile.id, attempt, code: error.code, message: error.message });
        await report(
          { state: 'in-progress', since, step: 'retry-wait', attempt, maxAttempts, nextAttemptAt },
          `Attempt ${attempt} of ${maxAttempts} failed (${error.message}); retrying in ${profile.retryInterval} s`,
        );
        await waitForRetry(profile.retryInterval, signal);
        if (stepError) throw stepError;
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
    try {
      await report(failed, error.message);
    } catch (writeError) {
      // The failure is still the answer; the status file that could not take it is named in the log.
      core.logger.log('error', 'enroll.status-unwritable', { profile: profile.id, message: toCtiError(writeError).message });
      options.onProgress?.(failed, error.message);
    }
    await recordOperation(core, profile.id, { operationId, startedAt: since, endedAt: failed.at, outcome: 'failed', code: error.code, attempts, capfServer });
    throw error;
  } finally {
    await Promise.all([
      unseal(core, profile.id),
      preparedFor?.discardUnused(profile.instanceId),
      followsInterrupted.then((interrupted) => interrupted && eraseVaultSeal(core, profile.id)),
    ]);
  }
}

/**
 * The run's record failing before the CAPF session (its profile, first status or seal cannot be written,
 * a full disk say), or its keystore password (a vault that cannot store): the message says the server was
 * not contacted, and so, when the run has an authentication string, that the string is not spent.
 */
function failedBeforeCapf(hasAuthString: boolean): (err: unknown) => never {
  const consequence = `the CAPF server was not contacted${hasAuthString ? ', so the authentication string is still unspent' : ''}`;
  return (err) => {
    const error = toCtiError(err);
    if (error.code === 'CANCELLED') throw error;
    throw new CtiError(error.code, `${error.message}; ${consequence}`, { cause: err });
  };
}

function successMessage(outcome: 'installed' | 'fetched' | 'deleted'): string {
  return {
    installed: 'The certificate was issued and stored in the keystore',
    fetched: 'The CAPF server fetched the stored certificate',
    deleted: 'The CAPF server deleted the certificate; it was removed from the keystore',
  }[outcome];
}

/**
 * Several pieces of work side by side: the first to fail aborts `stop` if given (work that listens stops
 * early) and is the error thrown, once every piece has settled, so none is left running behind the caller's back.
 */
async function allOrFirstFailure<T extends readonly unknown[]>(work: { [K in keyof T]: Promise<T[K]> }, stop?: AbortController): Promise<T> {
  let first: { error: unknown } | undefined;
  const watched = work.map((piece: Promise<unknown>) =>
    piece.catch((error: unknown) => {
      first ??= { error };
      stop?.abort();
      throw error;
    }),
  );
  const settled = await Promise.allSettled(watched);
  if (first) throw first.error;
  return settled.map((outcome) => (outcome as PromiseFulfilledResult<unknown>).value) as unknown as T;
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
  // An explicit rule (--expect-signer-fingerprint) wins; else the machine-wide preset's, on every path (start,
  // resume). Read outside the fallback below: a preset that cannot be used stops the run, it is never skipped.
  const firstUse = options.firstUse ?? presetFirstUse(await core.preset(), profile.id);
  try {
    const update = await updateTrustedCtl({
      servers: profile.tftpServers,
      capfHost: profile.capfHost,
      store,
      logger: core.logger,
      ...(signal ? { signal } : {}),
      firstUse,
    });
    requirePinnedSigner(update.trusted, firstUse, core.dirOf(profile));
    options.onCtl?.({ outcome: update.outcome, server: update.server, fileName: update.fileName });
    return update.trusted;
  } catch (err) {
    const error = toCtiError(err);
    if (error.code === 'CANCELLED' || error.code === 'CTL_TAMPERED' || error.code === 'BAD_INPUT') throw error;
    const current = await store.current();
    if (!current) throw error;
    requirePinnedSigner(current, firstUse, core.dirOf(profile));
    core.logger.log('warn', 'enroll.ctl.using-stored', { profile: profile.id, code: error.code, message: error.message });
    options.onCtl?.({ outcome: 'stored', server: current.source, fileName: current.fileName });
    return current;
  }
}
