/**
 * What resuming one interrupted enrollment means: a certificate already stored before the crash is the
 * success it was; otherwise the sealed authentication string runs the enrollment again; without a seal
 * the status says what is true and what to do.
 */
import { toCtiError } from '../../shared/errors.ts';
import type { OperationStatus } from '../../shared/model.ts';
import type { Profile } from '../../shared/profile.ts';
import type { CoreContext } from './context.ts';
import { enrollCertificate } from './enroll.ts';
import { describeCertificate } from './keystore/certificate-store.ts';
import { discardSeals, readSeal } from './resume-seal.ts';

export interface ResumeOptions {
  signal?: AbortSignal;
  onProgress?: (status: OperationStatus, message: string) => void;
}

const NOT_SPENT =
  'The CAPF server was never told that a certificate was stored, so the authentication string should still be valid.';

export async function resumeEnrollment(core: CoreContext, profile: Profile, options: ResumeOptions = {}): Promise<OperationStatus> {
  const interrupted = await core.status.get(profile.id);
  const stored = await storedBeforeInterruption(core, profile, interrupted);
  if (stored) {
    await core.status.set(profile.id, stored);
    await discardSeals(core, profile.id);
    core.logger.log('info', 'enroll.resume.already-stored', { profile: profile.id, fingerprintSha256: stored.state === 'succeeded' ? stored.fingerprintSha256 : undefined });
    options.onProgress?.(stored, 'The certificate had been issued and stored before the interruption');
    return stored;
  }

  const lookup = await readSeal(core, profile.id, 'since' in interrupted ? interrupted.since : '');
  if ('missing' in lookup) {
    const why =
      lookup.missing === 'no-vault'
        ? 'there is no OS credential vault, so its authentication string was not kept'
        : 'its sealed authentication string is gone, or no longer opens with the key of the OS credential vault';
    const failed: OperationStatus = {
      state: 'failed',
      at: new Date().toISOString(),
      code: 'CANCELLED',
      message: `The certificate update was interrupted and cannot resume by itself: ${why}. ${NOT_SPENT}`,
      hint: 'Run the certificate update again with the same authentication string.',
    };
    await core.status.set(profile.id, failed);
    // A stale or unreadable seal is worth nothing now: gone too, file and older builds' vault entry alike.
    await discardSeals(core, profile.id);
    options.onProgress?.(failed, failed.message);
    return failed;
  }

  core.logger.log('info', 'enroll.resume', { profile: profile.id, startedAt: lookup.seal.startedAt });
  return enrollCertificate(core, {
    profile,
    ...(lookup.seal.authString ? { authString: lookup.seal.authString } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
}

/** The success status when the keystore holds the very certificate the interrupted run had stored. */
async function storedBeforeInterruption(core: CoreContext, profile: Profile, status: OperationStatus): Promise<OperationStatus | null> {
  if (status.state !== 'in-progress' || !status.storedFingerprintSha256) return null;
  let certificate: Buffer | null;
  try {
    certificate = await (await core.certificateStore(core.dirOf(profile))).loadCertificate(profile.instanceId);
  } catch (err) {
    const error = toCtiError(err);
    core.logger.log('warn', 'enroll.resume.stored-unreadable', { profile: profile.id, code: error.code, message: error.message });
    return null;
  }
  if (!certificate || describeCertificate(certificate).fingerprintSha256 !== status.storedFingerprintSha256) return null;
  return { state: 'succeeded', at: new Date().toISOString(), outcome: 'installed', fingerprintSha256: status.storedFingerprintSha256 };
}
