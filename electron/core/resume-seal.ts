/**
 * The resume seal: while an enrollment runs, its authentication string is kept in the home folder, sealed
 * (AES-256-GCM) under a key derived from the OS vault's key, so an operation cut short by a crash resumes on
 * the next start. A file rather than a vault entry of its own: every vault entry a process opens costs a
 * D-Bus connection and an encrypted session (about 8 ms, on the main thread, before the CAPF server can be
 * called), while the vault's key is open anyway. Only a reader of the OS vault can open a seal; a seal
 * copied to another home or profile does not open there (both are part of the authenticated data). Without
 * an OS vault nothing is sealed.
 * Versions before sealed in the vault itself, under `resume:<home id>:<profile id>` (and before home ids,
 * `resume:<profile id>`): those are still read, moved into a file, and erased.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { toCtiError } from '../../shared/errors.ts';
import type { CoreContext } from './context.ts';
import { writeFileAtomic } from './fs/atomic-file.ts';
import { integrityKey, type SecretVault } from './keystore/vault.ts';
import { folderId } from './paths.ts';

export interface ResumeSeal {
  profileId: string;
  authString?: string;
  startedAt: string;
}

export type SealLookup = { seal: ResumeSeal } | { missing: 'no-vault' | 'gone' };

const SEAL_FORMAT = 'ctiprefs-resume-seal/v1';
const SEAL_KEY_INFO = 'ctiprefs/resume-seal/v1';
const CIPHER = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** A seal is a few hundred bytes; anything much larger is not one, and is not read. */
const MAX_SEAL_BYTES = 16 * 1024;

/** What the seal is bound to: the home (its folder id) and the profile. */
export function resumeAccount(core: CoreContext, profileId: string): string {
  return `resume:${folderId(core.layout.home)}:${profileId}`;
}

/** The seal file of a profile; profile ids are a-z, 0-9 and - (shared/profile.ts), so it stays in the folder. */
export function sealPath(core: CoreContext, profileId: string): string {
  return join(core.layout.resumeDir, `${profileId}.seal`);
}

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
  const key = sealKey(await integrityKey(vault));
  await writeFileAtomic(sealPath(core, seal.profileId), encrypt(key, JSON.stringify(seal), resumeAccount(core, seal.profileId)));
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

/** Erases the seal an older version kept in the vault for a profile of this home; failures are logged, never thrown. */
export async function eraseVaultSeal(core: CoreContext, profileId: string): Promise<void> {
  try {
    await (await osVaultOf(core))?.delete(resumeAccount(core, profileId));
  } catch (err) {
    core.logger.log('warn', 'enroll.resume.unseal-failed', { profile: profileId, message: toCtiError(err).message });
  }
}

export async function readSeal(core: CoreContext, profileId: string): Promise<SealLookup> {
  const vault = await osVaultOf(core);
  if (!vault) return { missing: 'no-vault' };
  try {
    const sealed = await readSealFile(sealPath(core, profileId));
    if (sealed) {
      const seal = parseSeal(decrypt(sealKey(await integrityKey(vault)), sealed, resumeAccount(core, profileId)), profileId);
      if (seal) return { seal };
      core.logger.log('warn', 'enroll.resume.unreadable', { profile: profileId, message: `${sealPath(core, profileId)} does not open with this vault's key` });
      return { missing: 'gone' };
    }
    const fromVault = await vaultSeal(vault, core, profileId);
    if (fromVault) {
      await sealForResume(core, fromVault);
      await vault.delete(resumeAccount(core, profileId));
      await vault.delete(LEGACY_PREFIX + profileId);
      return { seal: fromVault };
    }
  } catch (err) {
    core.logger.log('warn', 'enroll.resume.unreadable', { profile: profileId, message: toCtiError(err).message });
  }
  return { missing: 'gone' };
}

/** A seal an older version kept in the vault: under this home's account, else under the profile id alone. */
async function vaultSeal(vault: SecretVault, core: CoreContext, profileId: string): Promise<ResumeSeal | null> {
  return (
    parseSeal(await vault.get(resumeAccount(core, profileId)), profileId) ?? parseSeal(await vault.get(LEGACY_PREFIX + profileId), profileId)
  );
}

/** The seal file's bytes; null when there is none; a file too large to be a seal reads as no seal at all. */
async function readSealFile(path: string): Promise<Buffer | null> {
  let file;
  try {
    file = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw toCtiError(err, { path });
  }
  try {
    const { size } = await file.stat();
    return size > MAX_SEAL_BYTES ? Buffer.alloc(0) : await file.readFile();
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

/** The seal key: its own, derived from the vault's key, so a seal never shares a key with the CTL's HMAC. */
function sealKey(vaultKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', vaultKey, Buffer.alloc(0), SEAL_KEY_INFO, KEY_BYTES));
}

function encrypt(key: Buffer, text: string, boundTo: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(CIPHER, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(boundTo, 'utf8'));
  const data = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
  const b64 = (bytes: Buffer) => bytes.toString('base64url');
  return `${JSON.stringify({ format: SEAL_FORMAT, iv: b64(iv), tag: b64(cipher.getAuthTag()), data: b64(data) })}\n`;
}

/** The sealed text, or null when the file is not a seal or does not open with this key for this binding. */
function decrypt(key: Buffer, file: Buffer, boundTo: string): string | null {
  try {
    const sealed = JSON.parse(file.toString('utf8')) as Record<string, unknown>;
    if (sealed.format !== SEAL_FORMAT || typeof sealed.iv !== 'string' || typeof sealed.tag !== 'string' || typeof sealed.data !== 'string') return null;
    const [iv, tag] = [Buffer.from(sealed.iv, 'base64url'), Buffer.from(sealed.tag, 'base64url')];
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) return null;
    const decipher = createDecipheriv(CIPHER, key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(boundTo, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
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
