/**
 * Forgetting a folder's trusted CTL: the way out of CTL_TAMPERED (and of a cluster rebuilt from scratch).
 * The next download is a first use again, and is reported as one.
 */
import { CtiError } from '../../shared/errors.ts';
import type { CoreContext } from './context.ts';

export interface ForgetResult {
  /** False when the folder had no trusted CTL. */
  forgotten: boolean;
  /** The signer of the CTL that was forgotten, when its integrity check still passed. */
  signerFingerprintSha256?: string;
  /** True when the forgotten CTL had failed its integrity check. */
  tampered: boolean;
}

export async function forgetTrustedCtl(core: CoreContext, dir: string): Promise<ForgetResult> {
  const store = await core.trustStore(dir);
  let signerFingerprintSha256: string | undefined;
  let tampered = false;
  try {
    signerFingerprintSha256 = (await store.current())?.signerFingerprintSha256;
  } catch (err) {
    if (!(err instanceof CtiError) || err.code !== 'CTL_TAMPERED') throw err;
    tampered = true;
  }
  if (signerFingerprintSha256 === undefined && !tampered) return { forgotten: false, tampered };
  await store.forget();
  return { forgotten: true, tampered, ...(signerFingerprintSha256 ? { signerFingerprintSha256 } : {}) };
}
