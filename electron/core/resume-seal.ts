/**
 * The resume seal: while an enrollment runs, its authentication string is kept in the home folder, sealed
 * under the OS vault's key (keystore/sealed-text.ts), so an operation cut short by a crash resumes on the
 * next start. A file rather than a vault entry of its own: every vault entry a process opens costs a
 * D-Bus connection and an encrypted session (about 8 ms, on the main thread, before the CAPF server can be
 * called), while the vault's key is open anyway. Only a reader of the OS vault can open a seal; a seal
 * copied to another home or profile does not open there (both are part of the authenticated data). Without
 * an OS vault nothing is sealed.
 * Versions before sealed in the vault itself, under `resume:<home id>:<profile id>` (and before home ids,
 * `resume:<profile id>`): those are still read, moved into a file, and erased.
 */
import { constants } from 'node:fs';
import { open, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { toCtiError } from '../../shared/errors.ts';
import { checkProfileId } from '../../shared/profile.ts';
import type { CoreContext } from './context.ts';
import { writeFileAtomic } from './fs/atomic-file.ts';
import { openSealedText, sealText } from './keystore/sealed-text.ts';
import { integrityKey, type SecretVault } from './keystore/vault.ts';
import { folderId } from './paths.ts';

export interface ResumeSeal {
  profileId: string;
  authString?: string;
  startedAt: string;
}

export type SealLookup = { seal: ResumeSeal } | { missing: 'no-vault' | 'gone' };

/** The seal's own key, derived from the vault's key: a seal never shares a key with the CTL's HMAC. */
const SEAL_PURPOSE = 'ctiprefs/resume-seal/v1';
/** A seal is a few hundred bytes; anything much larger is not one, and is not read. */
const MAX_SEAL_BYTES = 16 * 1024;

/** What the seal is bound to: the home (its folder id) and the profile. */
export function resumeAccount(core: CoreContext, profileId: string): string {
  return `resume:${folderId(core.layout.home)}:${profileId}`;
}

/** The seal file of a profile; profile ids are a-z, 0-9 and - (shared/profile.ts), so it stays in the folder. */
export function sealPath(core: CoreContext, profileId: string): string {
  return join(core.layout.resumeDir, `${profileId}${SEAL_EXTENSION}`);
}

const SEAL_EXTENSION = '.seal';
/** In the seal folder once no older version's seal can be left in the vault (see eraseFinishedSeals). */
const VAULT_SWEPT_MARKER = '.vault-swept';

// Versions before home ids sealed under `resume:<profile id>`.
const LEGACY_PREFIX = 'resume:';

/**
 * Seals the operation; false when there is no OS vault (the operation runs, but cannot resume). A vault
 * whose key cannot be read throws its VAULT error, a seal that cannot be written its STORAGE error: the
 * caller seals before the CAPF session and stops there.
 */
export async function sealForResume(core: CoreContext, seal: ResumeSeal): Promise<boolean> {
  const vault = await osVaultOf(core, (message) => core.logger.log('warn', 'enroll.resume.unsealed', { profile: seal.profileId, message }));
  if (!vault) return false;
  const sealed = sealText(await integrityKey(vault), SEAL_PURPOSE, JSON.stringify(seal), resumeAccount(core, seal.profileId));
  await writeFileAtomic(sealPath(core, seal.profileId), sealed);
  return true;
}

/** Erases the seal of a profile (absent seals are fine); failures are logged, never thrown. */
export async function unseal(core: CoreContext, profileId: string): Promise<void> {
  try {
    await rm(sealPath(core, profileId), { force: true });
  } catch (err) {
    core.logger.log('warn', 'enroll.resume.unseal-failed', { profile: profileId, message: toCtiError(err).message });
  }
}

/** Erases what older versions sealed in the vault for a profile of this home; failures are logged, never thrown. */
export async function eraseVaultSeal(core: CoreContext, profileId: string): Promise<boolean> {
  try {
    const vault = await osVaultOf(core);
    await vault?.delete(resumeAccount(core, profileId));
    await vault?.delete(LEGACY_PREFIX + profileId);
    return true;
  } catch (err) {
    core.logger.log('warn', 'enroll.resume.unseal-failed', { profile: profileId, message: toCtiError(err).message });
    return false;
  }
}

/**
 * Start-up: erases every seal file whose operation is over (a crash between the last status write and the
 * erase leaves one; so does a profile removed meanwhile). The vault is searched for older versions' seals
 * of `profileIds` until one pass has found every operation over: each vault entry costs a D-Bus session,
 * so later starts skip it (a marker in the seal folder says so).
 */
export async function eraseFinishedSeals(core: CoreContext, profileIds: Iterable<string>, isOver: (profileId: string) => boolean): Promise<void> {
  const names = await readdir(core.layout.resumeDir).catch((): string[] => []);
  for (const name of names) {
    const profileId = name.endsWith(SEAL_EXTENSION) ? name.slice(0, -SEAL_EXTENSION.length) : '';
    if (checkProfileId(profileId) === null && isOver(profileId)) await unseal(core, profileId);
  }
  const marker = join(core.layout.resumeDir, VAULT_SWEPT_MARKER);
  if (names.includes(VAULT_SWEPT_MARKER) || !(await osVaultOf(core))) return;
  let swept = true;
  for (const profileId of profileIds) swept = (isOver(profileId) ? await eraseVaultSeal(core, profileId) : false) && swept;
  if (swept) await writeFile(marker, '', { mode: 0o600 }).catch(() => undefined);
}

/**
 * The seal of the interrupted operation that began at `startedAt` (its status's `since`): a seal left by
 * an earlier operation (a crash before its erase, a restored backup) holds a string already spent.
 */
export async function readSeal(core: CoreContext, profileId: string, startedAt: string): Promise<SealLookup> {
  const vault = await osVaultOf(core);
  if (!vault) return { missing: 'no-vault' };
  const path = sealPath(core, profileId);
  try {
    const sealed = await readSealFile(path);
    const seal = sealed
      ? parseSeal(openSealedText(await integrityKey(vault), SEAL_PURPOSE, sealed, resumeAccount(core, profileId)), profileId)
      : await vaultSeal(vault, core, profileId);
    if (sealed && !seal) core.logger.log('warn', 'enroll.resume.unreadable', { profile: profileId, message: `${path} is no seal this vault opens` });
    if (!seal) return { missing: 'gone' };
    if (seal.startedAt !== startedAt) {
      core.logger.log('warn', 'enroll.resume.stale-seal', { profile: profileId, sealedAt: seal.startedAt, startedAt });
      return { missing: 'gone' };
    }
    if (!sealed) await moveVaultSeal(core, seal);
    return { seal };
  } catch (err) {
    core.logger.log('warn', 'enroll.resume.unreadable', { profile: profileId, message: toCtiError(err).message });
  }
  return { missing: 'gone' };
}

/** An older version's vault seal into a file, then out of the vault; one that cannot be written stays there. */
async function moveVaultSeal(core: CoreContext, seal: ResumeSeal): Promise<void> {
  try {
    await sealForResume(core, seal);
  } catch (err) {
    core.logger.log('warn', 'enroll.resume.unmoved', { profile: seal.profileId, message: toCtiError(err).message });
    return;
  }
  await eraseVaultSeal(core, seal.profileId);
}

/** A seal an older version kept in the vault: under this home's account, else under the profile id alone. */
async function vaultSeal(vault: SecretVault, core: CoreContext, profileId: string): Promise<ResumeSeal | null> {
  return (
    parseSeal(await vault.get(resumeAccount(core, profileId)), profileId) ?? parseSeal(await vault.get(LEGACY_PREFIX + profileId), profileId)
  );
}

/**
 * The seal file's bytes, null when there is none. Never through a link, never from a device or a pipe
 * (which could block or never end), never more than MAX_SEAL_BYTES + 1: a longer file is no seal.
 */
async function readSealFile(path: string): Promise<Buffer | null> {
  let file;
  try {
    file = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | (process.platform === 'win32' ? 0 : constants.O_NOFOLLOW));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw toCtiError(err, { path });
  }
  try {
    if (!(await file.stat()).isFile()) return Buffer.alloc(0);
    const buffer = Buffer.alloc(MAX_SEAL_BYTES + 1);
    const { bytesRead } = await file.read(buffer, 0, buffer.length, 0);
    return bytesRead > MAX_SEAL_BYTES ? Buffer.alloc(0) : buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

/** The OS vault, or null without one (the reason goes to `onNone` when the vault could not be opened). */
async function osVaultOf(core: CoreContext, onNone?: (message: string) => void): Promise<SecretVault | null> {
  try {
    const vault = await core.vault();
    return vault.kind === 'os-vault' ? vault : null;
  } catch (err) {
    onNone?.(toCtiError(err).message);
    return null;
  }
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
