/**
 * The client certificates of one certificate folder: one PKCS#12 keystore per instance ID,
 * `<dir>/<instanceId>.p12`, each with its own random password in the vault under
 * `keystore:<folder id>:<instanceId>`, so the same instance ID in two folders (or two homes) has two.
 */
import type { KeyObject } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CtiError, toCtiError, type ErrorCode } from '../../../shared/errors.ts';
import { checkExportPassword, checkInstanceId } from '../../../shared/fields.ts';
import { writeFileAtomic } from '../fs/atomic-file.ts';
import { fileSystemError } from '../fs/fs-errors.ts';
import { silentLogger, type Logger } from '../log.ts';
import { folderId } from '../paths.ts';
import { toPem } from '../pki/certificates.ts';
import { describeCertificate, type CertificateDetails } from './certificate-details.ts';
import { beginKeysAhead, buildPkcs12, deriveAhead, prepareKeys, readPkcs12, type PreparedKeys } from './pkcs12.ts';
import {
  createKeystorePassword,
  environmentPassword,
  findKeystorePassword,
  keystoreAccount,
  keystorePasswordKind,
  type SecretVault,
} from './vault.ts';

// Callers that list or enroll certificates describe them too; one import site for them.
export { describeCertificate, type CertificateDetails } from './certificate-details.ts';

const KEYSTORE_EXTENSION = '.p12';

/**
 * With CTIPREFS_KEYSTORE_PASSWORD, the keys of the next keystore (100 000 iterations: a person chose the
 * password) begin now, before the keystore is known: see beginKeysAhead. An invalid password is left to the
 * vault, which names what is wrong with it.
 */
export function beginKeystoreKeysAhead(env: NodeJS.ProcessEnv = process.env): void {
  let password: string | undefined;
  try {
    password = environmentPassword(env);
  } catch {
    return;
  }
  if (password !== undefined) beginKeysAhead(password);
}

export interface IssuedCertificate {
  privateKey: KeyObject;
  /** DER */
  certificate: Buffer;
  /** Issuing certificates, DER, nearest first. */
  chain?: Buffer[];
}

export interface StoredKeystore {
  privateKey: KeyObject;
  certificate: Buffer;
  chain: Buffer[];
}

/** One keystore of the folder: its details, or why it could not be opened. */
export type StoredCertificate =
  | (CertificateDetails & { folderId: string; instanceId: string; error?: undefined })
  | { folderId: string; instanceId: string; error: { code: ErrorCode; message: string } };

export interface CertificateStoreOptions {
  dir: string;
  vault: SecretVault;
  logger?: Logger;
  /** Where CTIPREFS_KEYSTORE_PASSWORD is looked up; process.env by default. */
  env?: NodeJS.ProcessEnv;
}

export class CertificateStore {
  readonly dir: string;
  /** The folder's stable id: part of every vault account of this store and of each certificate's identity. */
  readonly folderId: string;
  readonly #vault: SecretVault;
  readonly #logger: Logger;
  readonly #env: NodeJS.ProcessEnv;
  readonly #prepared = new Map<string, PreparedKeys>();
  readonly #createdForFirstKeystore = new Set<string>();

  constructor(options: CertificateStoreOptions) {
    this.dir = options.dir;
    this.folderId = folderId(options.dir);
    this.#vault = options.vault;
    this.#logger = options.logger ?? silentLogger;
    this.#env = options.env ?? process.env;
  }

  /** The keystore path of an instance ID, which is checked first so that it can never leave the folder. */
  pathOf(instanceId: string): string {
    const problem = checkInstanceId(instanceId);
    if (problem) throw new CtiError('BAD_INPUT', problem);
    return join(this.dir, `${instanceId}${KEYSTORE_EXTENSION}`);
  }

  /** The vault account of an instance ID's keystore password in this folder. */
  vaultAccount(instanceId: string): string {
    return keystoreAccount(this.#keystoreId(instanceId));
  }

  #keystoreId(instanceId: string): string {
    return `${this.folderId}:${instanceId}`;
  }

  /**
   * Readies the next save() of an instance ID: its password and the salts of its keys, which
   * deriveWhileWaiting() then derives (the full count for CTIPREFS_KEYSTORE_PASSWORD, which a person
   * chose). The first keystore of an instance ID gets its password now, so that a vault that cannot store
   * it fails here, before any CAPF server hears of the run; discardUnused() takes it back if the run ends
   * without a keystore. A keystore that exists keeps its password (found, or migrated from an older
   * version's account); one whose password is lost gets a new one only when save() replaces it.
   */
  async prepare(instanceId: string): Promise<void> {
    const previous = await this.#readFile(this.pathOf(instanceId));
    let password = await this.#existingPassword(instanceId, previous);
    if (password === null && !previous) {
      password = await createKeystorePassword(this.#vault, this.#keystoreId(instanceId));
      this.#createdForFirstKeystore.add(instanceId);
    }
    if (password !== null) this.#prepared.set(instanceId, prepareKeys(password, keystorePasswordKind(this.#env)));
  }

  /**
   * The caller is about to wait (for a key pair, then the certificate): the prepared keys are derived
   * meanwhile rather than in the way of the steps before, which need the CPU (the MAC key's chain takes
   * this thread's time).
   */
  deriveWhileWaiting(instanceId: string): void {
    const prepared = this.#prepared.get(instanceId);
    if (prepared) deriveAhead(prepared);
  }

  /** After a run: the password prepare() created for a first keystore that never came is erased. */
  async discardUnused(instanceId: string): Promise<void> {
    this.#prepared.delete(instanceId);
    if (!this.#createdForFirstKeystore.delete(instanceId) || (await this.has(instanceId))) return;
    await this.#deletePassword(instanceId);
  }

  /**
   * Writes the keystore of an instance ID, replacing any previous one only once the new one is complete:
   * the new bytes are opened again with the vault's password before the atomic rename.
   */
  async save(instanceId: string, issued: IssuedCertificate): Promise<void> {
    const path = this.pathOf(instanceId);
    const passwordKind = keystorePasswordKind(this.#env);
    const prepared = this.#prepared.get(instanceId);
    // Salts are for one file only; buildPkcs12 uses them only for the same password and count.
    this.#prepared.delete(instanceId);
    const build = (password: string) => buildPkcs12({ ...issued, password, friendlyName: instanceId, passwordKind, ...(prepared ? { prepared } : {}) });
    // The vault is asked again (the password may have changed since prepare()) while the keystore is built
    // with the prepared one; a different answer builds it again.
    const asked = this.#passwordForSave(instanceId);
    const early = prepared ? build(prepared.password) : undefined;
    early?.catch(() => undefined);
    const password = await asked;
    const bytes = early && password === prepared?.password ? await early : await build(password);
    const check = await readPkcs12(bytes, password);
    const keyOf = (key: KeyObject) => key.export({ type: 'pkcs8', format: 'der' });
    if (!check.certificate.equals(issued.certificate) || !keyOf(check.privateKey).equals(keyOf(issued.privateKey))) {
      throw new CtiError('KEYSTORE', `The new keystore for "${instanceId}" did not read back; the previous keystore was kept`);
    }
    try {
      await writeFileAtomic(path, bytes, 0o600);
    } catch (err) {
      throw new CtiError('KEYSTORE', `Could not write the keystore ${path} (${fsReason(err)}); the previous keystore was kept`, {
        cause: err,
      });
    }
    this.#logger.log('info', 'keystore.saved', { instanceId, path });
  }

  /** The key and certificates of an instance ID, or null when it has no keystore. */
  async load(instanceId: string): Promise<StoredKeystore | null> {
    const path = this.pathOf(instanceId);
    const bytes = await this.#readFile(path);
    if (!bytes) return null;
    const password = await this.#findPassword(instanceId, bytes);
    if (password === null) {
      throw new CtiError(
        'KEYSTORE',
        `Keystore ${path}: its password is not in the OS credential vault (${this.vaultAccount(instanceId)}); delete it and enroll again`,
      );
    }
    try {
      const { privateKey, certificate, chain } = await readPkcs12(bytes, password);
      return { privateKey, certificate, chain };
    } catch (err) {
      const error = toCtiError(err);
      throw new CtiError(error.code, `Keystore ${path}: ${error.message}`, { cause: err });
    }
  }

  /** The password the next keystore of an instance ID is written with: found, migrated or created. */
  async #passwordForSave(instanceId: string): Promise<string> {
    const previous = await this.#readFile(this.pathOf(instanceId));
    return (await this.#existingPassword(instanceId, previous)) ?? createKeystorePassword(this.#vault, this.#keystoreId(instanceId));
  }

  /** The password an instance ID has now: its keystore's (`previous`, migrated from an older version's account if need be), or this folder's entry. */
  #existingPassword(instanceId: string, previous: Buffer | null): Promise<string | null> {
    return previous ? this.#findPassword(instanceId, previous) : findKeystorePassword(this.#vault, this.#keystoreId(instanceId), this.#env);
  }

  /** The password of a keystore: this folder's vault entry, or one migrated from an older version's. */
  async #findPassword(instanceId: string, bytes: Buffer): Promise<string | null> {
    const found = await findKeystorePassword(this.#vault, this.#keystoreId(instanceId), this.#env);
    if (found !== null || environmentPassword(this.#env) !== undefined) return found;
    return this.#migrateLegacyPassword(instanceId, bytes);
  }

  /**
   * Versions before folder ids kept the password under `keystore:<instanceId>`. It is copied to this
   * folder's account only when it really opens this keystore. The old entry stays: the same instance ID in
   * another folder or home was given the same password then, and still needs it until it is opened too.
   */
  async #migrateLegacyPassword(instanceId: string, bytes: Buffer): Promise<string | null> {
    const legacy = await this.#vault.get(keystoreAccount(instanceId));
    if (!legacy) return null;
    try {
      await readPkcs12(bytes, legacy);
    } catch {
      return null;
    }
    await this.#vault.set(this.vaultAccount(instanceId), legacy);
    this.#logger.log('info', 'keystore.password-migrated', { instanceId, account: this.vaultAccount(instanceId) });
    return legacy;
  }

  /** The certificate (DER) of an instance ID, or null when it has no keystore. */
  async loadCertificate(instanceId: string): Promise<Buffer | null> {
    return (await this.load(instanceId))?.certificate ?? null;
  }

  /** Every keystore of the folder, sorted by instance ID; one that cannot be opened carries an error instead. */
  async list(now: Date = new Date(), expiryWarningDays?: number): Promise<StoredCertificate[]> {
    const instanceIds = (await this.#fileNames())
      .filter((name) => name.endsWith(KEYSTORE_EXTENSION))
      .map((name) => name.slice(0, -KEYSTORE_EXTENSION.length))
      .filter((id) => checkInstanceId(id) === null)
      .sort();
    const listed: StoredCertificate[] = [];
    for (const instanceId of instanceIds) {
      try {
        const stored = await this.load(instanceId);
        // Deleted between readdir and now: not part of the listing any more.
        if (stored) listed.push({ folderId: this.folderId, instanceId, ...describeCertificate(stored.certificate, now, expiryWarningDays) });
      } catch (err) {
        const error = toCtiError(err);
        this.#logger.log('warn', 'keystore.unreadable', { instanceId, code: error.code, message: error.message });
        listed.push({ folderId: this.folderId, instanceId, error: { code: error.code, message: error.message } });
      }
    }
    return listed;
  }

  /** The certificate and its chain as PEM text: never the key. */
  async exportPem(instanceId: string): Promise<string> {
    const stored = await this.#require(instanceId);
    return [stored.certificate, ...stored.chain].map((der) => toPem(der)).join('');
  }

  /**
   * Writes a copy of the keystore encrypted with a password the user chose: the store's own password
   * lives in the vault, so a plain copy would open for nobody.
   */
  async exportP12(instanceId: string, outPath: string, password: string): Promise<void> {
    const passwordError = checkExportPassword(password);
    if (passwordError) throw new CtiError('BAD_INPUT', passwordError);
    const identity = await this.load(instanceId);
    if (!identity) throw notStored(instanceId);
    const bytes = await buildPkcs12({ ...identity, password, friendlyName: instanceId, passwordKind: 'chosen' });
    try {
      await writeFileAtomic(outPath, bytes, 0o600);
    } catch (err) {
      throw fileSystemError(err, `Could not write ${outPath}`);
    }
    this.#logger.log('info', 'keystore.exported', { instanceId, path: outPath });
  }

  /** True when the folder has a keystore file for the instance ID (opened or not). */
  async has(instanceId: string): Promise<boolean> {
    return (await this.#readFile(this.pathOf(instanceId))) !== null;
  }

  /** Removes the keystore and its vault password without opening it (works with a lost password); false when there was none. */
  async delete(instanceId: string): Promise<boolean> {
    const path = this.pathOf(instanceId);
    try {
      await rm(path);
    } catch (err) {
      if (isNotFound(err)) return false;
      throw new CtiError('KEYSTORE', `Could not delete the keystore ${path} (${fsReason(err)})`, { cause: err });
    }
    await this.#deletePassword(instanceId);
    this.#logger.log('info', 'keystore.deleted', { instanceId, path });
    return true;
  }

  /** With no keystore, a leftover password opens nothing: one that cannot be deleted is worth a warning only. */
  async #deletePassword(instanceId: string): Promise<void> {
    try {
      await this.#vault.delete(this.vaultAccount(instanceId));
    } catch (err) {
      this.#logger.log('warn', 'keystore.password-not-deleted', { instanceId, code: toCtiError(err).code });
    }
  }

  async #require(instanceId: string): Promise<StoredKeystore> {
    const stored = await this.load(instanceId);
    if (!stored) throw notStored(instanceId);
    return stored;
  }

  async #readFile(path: string): Promise<Buffer | null> {
    try {
      return await readFile(path);
    } catch (err) {
      if (isNotFound(err)) return null;
      throw new CtiError('KEYSTORE', `Could not read the keystore ${path} (${fsReason(err)})`, { cause: err });
    }
  }

  async #fileNames(): Promise<string[]> {
    try {
      return await readdir(this.dir);
    } catch (err) {
      if (isNotFound(err)) return [];
      throw new CtiError('KEYSTORE', `Could not list the certificate folder ${this.dir} (${fsReason(err)})`, { cause: err });
    }
  }
}

function notStored(instanceId: string): CtiError {
  return new CtiError('KEYSTORE', `No certificate is stored for instance ID "${instanceId}"`);
}

function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

function fsReason(err: unknown): string {
  if (err instanceof CtiError) return err.message;
  return (err as NodeJS.ErrnoException | undefined)?.code ?? (err instanceof Error ? err.message : String(err));
}
