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
import { mkdir, open, readdir, rm, stat, writeFile } from 'node:fs/promises';
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
/** In the seal folder once no older build's seal can be left in the vault (see vaultSealsSwept). */
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

/**
 * Erases what an older build sealed in the vault for a profile of this home. True once nothing of it is
 * left there; false without an OS vault to ask, or when the delete failed (logged, never thrown). The
 * pre-home-id account `resume:<profile id>` is left alone: another home may own it (moveVaultSeal erases
 * it once it proved to be this home's).
 */
export async function eraseVaultSeal(core: CoreContext, profileId: string): Promise<boolean> {
  try {
    const vault = await osVaultOf(core);
    await vault?.delete(resumeAccount(core, profileId));
    return vault !== null;
  } catch (err) {
    core.logger.log('warn', 'enroll.resume.unseal-failed', { profile: profileId, message: toCtiError(err).message });
    return false;
  }
}

/** Every seal of a profile: its file, and what an older build kept in the vault (eraseVaultSeal's answer). */
export async function discardSeals(core: CoreContext, profileId: string): Promise<boolean> {
  await unseal(core, profileId);
  return eraseVaultSeal(core, profileId);
}

/** The profiles that have a seal file (orphans of removed profiles included). */
export async function sealedProfileIds(core: CoreContext): Promise<string[]> {
  const names = await readdir(core.layout.resumeDir).catch((): string[] => []);
  return names.filter((name) => name.endsWith(SEAL_EXTENSION)).map((name) => name.slice(0, -SEAL_EXTENSION.length)).filter((id) => checkProfileId(id) === null);
}

/**
 * Whether a start-up sweep already found every operation of this home over and erased their older
 * builds' vault seals: each vault entry costs a D-Bus session, so later starts skip the vault.
 */
export async function vaultSealsSwept(core: CoreContext): Promise<boolean> {
  return (await stat(vaultSweptMarker(core)).catch(() => null)) !== null;
}

export async function markVaultSealsSwept(core: CoreContext): Promise<void> {
  try {
    await mkdir(core.layout.resumeDir, { recursive: true, mode: 0o700 });
    await writeFile(vaultSweptMarker(core), '', { mode: 0o600 });
  } catch (err) {
    core.logger.log('warn', 'enroll.resume.sweep-unmarked', { message: toCtiError(err).message });
  }
}

const vaultSweptMarker = (core: CoreContext): string => join(core.layout.resumeDir, VAULT_SWEPT_MARKER);

/**
 * The seal of the interrupted operation that began at `startedAt` (its status's `since`): a seal left by
 * an earlier operation (a crash between status and seal, a seal file restored on its own) holds a string
 * already spent.
 */
export async function readSeal(core: CoreContext, profileId: string, startedAt: string): Promise<SealLookup> {
  const vault = await osVaultOf(core);
  if (!vault) return { missing: 'no-vault' };
  const path = sealPath(core, profileId);
  try {
    const sealed = await readSealFile(path);
    const found = sealed
      ? { seal: parseSeal(openSealedText(await integrityKey(vault), SEAL_PURPOSE, sealed, resumeAccount(core, profileId)), profileId) }
      : await vaultSeal(vault, core, profileId);
    if (sealed && !found.seal) core.logger.log('warn', 'enroll.resume.unreadable', { profile: profileId, message: `${path} is no seal this vault opens` });
    if (!found.seal) return { missing: 'gone' };
    if (found.seal.startedAt !== startedAt) {
      core.logger.log('warn', 'enroll.resume.stale-seal', { profile: profileId, sealedAt: found.seal.startedAt, startedAt });
      return { missing: 'gone' };
    }
    if (found.account !== undefined) await moveVaultSeal(core, vault, found.seal, found.account);
    return { seal: found.seal };
  } catch (err) {
    core.logger.log('warn', 'enroll.resume.unreadable', { profile: profileId, message: toCtiError(err).message });
  }
  return { missing: 'gone' };
}

/** An older build's vault seal into a file, then out of the vault; one that cannot be written stays there. */
async function moveVaultSeal(core: CoreContext, vault: SecretVault, seal: ResumeSeal, account: string): Promise<void> {
  try {
    await sealForResume(core, seal);
    await vault.delete(account);
  } catch (err) {
    core.logger.log('warn', 'enroll.resume.unmoved', { profile: seal.profileId, message: toCtiError(err).message });
  }
}

/** A seal an older build kept in the vault: under this home's account, else under the profile id alone. */
async function vaultSeal(vault: SecretVault, core: CoreContext, profileId: string): Promise<{ seal: ResumeSeal | null; account?: string }> {
  for (const account of [resumeAccount(core, profileId), LEGACY_PREFIX + profileId]) {
    const seal = parseSeal(await vault.get(account), profileId);
    if (seal) return { seal, account };
  }
  return { seal: null };
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
