/**
 * The resume seal: while an enrollment runs, its authentication string is kept in the OS vault under
 * `resume:<home id>:<profile id>`, so an operation cut short by a crash resumes on the next start. The
 * home id keeps two homes with the same profile id apart. Without an OS vault nothing is sealed.
 */
import { toCtiError } from '../../shared/errors.ts';
import type { CoreContext } from './context.ts';
import { folderId } from './paths.ts';

export interface ResumeSeal {
  profileId: string;
  authString?: string;
  startedAt: string;
}

export type SealLookup = { seal: ResumeSeal } | { missing: 'no-vault' | 'gone' };

// Versions before home ids sealed under `resume:<profile id>`; read once, then erased.
const LEGACY_PREFIX = 'resume:';

export function resumeAccount(core: CoreContext, profileId: string): string {
  return `resume:${folderId(core.layout.home)}:${profileId}`;
}

/**
 * Seals the operation; false when there is no OS vault (the operation runs, but cannot resume). An OS vault
 * that cannot store the seal throws its VAULT error: the caller seals before the CAPF session and stops there.
 */
export async function sealForResume(core: CoreContext, seal: ResumeSeal): Promise<boolean> {
  let vault;
  try {
    vault = await core.vault();
  } catch (err) {
    core.logger.log('warn', 'enroll.resume.unsealed', { profile: seal.profileId, message: toCtiError(err).message });
    return false;
  }
  if (vault.kind !== 'os-vault') return false;
  await vault.set(resumeAccount(core, seal.profileId), JSON.stringify(seal));
  return true;
}

/** Erases the seal of a profile (absent seals are fine); failures are logged, never thrown. */
export async function unseal(core: CoreContext, profileId: string): Promise<void> {
  try {
    const vault = await core.vault();
    if (vault.kind === 'os-vault') await vault.delete(resumeAccount(core, profileId));
  } catch (err) {
    core.logger.log('warn', 'enroll.resume.unseal-failed', { profile: profileId, message: toCtiError(err).message });
  }
}

export async function readSeal(core: CoreContext, profileId: string): Promise<SealLookup> {
  let vault;
  try {
    vault = await core.vault();
  } catch {
    return { missing: 'no-vault' };
  }
  if (vault.kind !== 'os-vault') return { missing: 'no-vault' };
  try {
    const seal = parseSeal(await vault.get(resumeAccount(core, profileId)), profileId);
    if (seal) return { seal };
    const legacy = parseSeal(await vault.get(LEGACY_PREFIX + profileId), profileId);
    if (legacy) {
      await vault.set(resumeAccount(core, profileId), JSON.stringify(legacy));
      await vault.delete(LEGACY_PREFIX + profileId);
      return { seal: legacy };
    }
  } catch (err) {
    core.logger.log('warn', 'enroll.resume.unreadable', { profile: profileId, message: toCtiError(err).message });
  }
  return { missing: 'gone' };
}

function parseSeal(text: string | null, profileId: string): ResumeSeal | null {
  if (!text) return null;
  try {
    const value = JSON.parse(text) as Partial<ResumeSeal>;
    if (value.profileId !== profileId || typeof value.startedAt !== 'string') return null;
    if (value.authString !== undefined && typeof value.authString !== 'string') return null;
    return value as ResumeSeal;
  } catch {
    return null;
  }
}
