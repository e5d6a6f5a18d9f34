/**
 * Where the keystore passwords and the CTL integrity key live: the OS credential vault (Keychain,
 * Credential Manager, Secret Service), or, on headless machines without one, a password the operator puts
 * in CTIPREFS_KEYSTORE_PASSWORD. Never a command-line flag: those end up in shell history and `ps`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { pbkdf2 as pbkdf2Cb, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { AsyncEntry, EntryOptions } from '@napi-rs/keyring';
import { CtiError } from '../../../shared/errors.ts';
import { silentLogger, type Logger } from '../log.ts';
import { PKCS12_ITERATIONS, type PasswordKind } from './pkcs12.ts';

const pbkdf2 = promisify(pbkdf2Cb);

export const KEYSTORE_PASSWORD_ENV = 'CTIPREFS_KEYSTORE_PASSWORD';
export const MIN_ENV_PASSWORD_LENGTH = 8;
export const DEFAULT_VAULT_SERVICE = 'ctiprefs';
/** What openVault says without a vault and without CTIPREFS_KEYSTORE_PASSWORD; ERRORS.VAULT says what to do. */
export const NO_VAULT_MESSAGE = 'No OS credential vault is available (locked or missing keyring)';
export const INTEGRITY_KEY_ACCOUNT = 'ctl-integrity';
const INTEGRITY_KEY_BYTES = 32;
const GENERATED_PASSWORD_BYTES = 32;
const KEYSTORE_ID = /^[\x21-\x7e]{1,200}$/;

export function keystoreAccount(keystoreId: string): string {
  return `keystore:${keystoreId}`;
}

export interface SecretVault {
  readonly kind: 'os-vault' | 'environment';
  /** The secret, or null when the vault holds none under this account. */
  get(account: string): Promise<string | null>;
  set(account: string, secret: string): Promise<void>;
  /** Removes the secret; absent secrets are not an error. */
  delete(account: string): Promise<void>;
}

/**
 * On Linux the entry is pinned to the Secret Service (gnome-keyring, KWallet): the library would otherwise
 * fall back to the kernel keyring, which forgets everything at logout, and the keystores written with
 * those passwords could never be opened again. Other platforms ignore the option.
 */
const ENTRY_OPTIONS: EntryOptions = { linux: { store: 'secret-service' } };

/**
 * Entries kept per service and account, for the whole process: creating one opens its own connection to the
 * vault (on Linux a D-Bus connection and Secret Service session, about 7 ms on an idle machine,
 * synchronously), while a call on an open entry takes under 1 ms. Few are kept, however many vaults a
 * process opens, so the connections it holds stay few; a failed call drops its entry, so the next call
 * starts afresh (a restarted keyring, say).
 */
const KEPT_ENTRIES = 16;
const keptEntries = new Map<string, AsyncEntry>();
/**
 * The library, loaded on first use: loading its native binding takes about 7 ms, which a process without
 * a vault (no session bus, CTIPREFS_KEYSTORE_PASSWORD) never needs to spend.
 */
let keyring: Promise<typeof import('./keyring-binding.ts')> | undefined;

function loadKeyring(): Promise<typeof import('./keyring-binding.ts')> {
  keyring ??= import('./keyring-binding.ts').catch((err: unknown) => {
    keyring = undefined;
    throw new CtiError('INTERNAL', `The OS credential vault library could not be loaded: ${reasonOf(err)}`, { cause: err });
  });
  return keyring;
}

export class OsVault implements SecretVault {
  readonly kind = 'os-vault';
  constructor(readonly service = DEFAULT_VAULT_SERVICE) {}

  get(account: string): Promise<string | null> {
    return this.call(account, 'read', (entry) => entry.getPassword());
  }

  async set(account: string, secret: string): Promise<void> {
    await this.call(account, 'store', (entry) => entry.setPassword(secret));
  }

  async delete(account: string): Promise<void> {
    await this.call(account, 'delete', (entry) => entry.deletePassword());
  }

  #key(account: string): string {
    return `${this.service}\0${account}`;
  }

  #entry(account: string, { AsyncEntry }: typeof import('./keyring-binding.ts')): AsyncEntry {
    const key = this.#key(account);
    let entry = keptEntries.get(key);
    if (!entry) {
      entry = new AsyncEntry(this.service, account, ENTRY_OPTIONS);
      if (keptEntries.size >= KEPT_ENTRIES) keptEntries.delete(keptEntries.keys().next().value!);
      keptEntries.set(key, entry);
    }
    return entry;
  }

  private async call<T>(account: string, action: string, operation: (entry: AsyncEntry) => Promise<T>): Promise<T> {
    // Outside the try: a library that cannot load is a broken install, not a vault that is unavailable.
    const library = await loadKeyring();
    try {
      // Async entries: a vault call can wait on D-Bus or an unlock prompt and must not block the event loop.
      return await operation(this.#entry(account, library));
    } catch (err) {
      keptEntries.delete(this.#key(account));
      throw new CtiError(
        'VAULT',
        `The OS credential vault could not ${action} the secret "${account}" of service "${this.service}": ${reasonOf(err)}`,
        { cause: err },
      );
    }
  }
}

/**
 * Stands in for the vault when there is none: it answers from CTIPREFS_KEYSTORE_PASSWORD alone and stores
 * nothing, so a secret that must be random and remembered cannot silently be lost at exit.
 */
export class EnvironmentVault implements SecretVault {
  readonly kind = 'environment';
  // A #private field: never shown by console.log, util.inspect or JSON.stringify.
  readonly #password: string;

  constructor(password: string) {
    this.#password = checkEnvironmentPassword(password);
  }

  async get(account: string): Promise<string | null> {
    if (account.startsWith(keystoreAccount(''))) return this.#password;
    if (account === INTEGRITY_KEY_ACCOUNT) return (await deriveIntegrityKey(this.#password)).toString('base64url');
    return null;
  }

  async set(account: string, _secret: string): Promise<void> {
    throw new CtiError(
      'VAULT',
      `No OS credential vault: cannot keep the secret "${account}" (only ${KEYSTORE_PASSWORD_ENV} is available)`,
    );
  }

  async delete(_account: string): Promise<void> {
    // Nothing is stored, so nothing to delete.
  }
}

/**
 * The vault to use: the OS vault when it gives the CTL integrity key (read, or created and read back the first
 * time), otherwise the environment password, otherwise a VAULT error that says what to do. That key is the
 * probe: every command that opens the vault needs it or a keystore password next, so the choice is made once,
 * before any keystore depends on it, with no throwaway secret. A vault that reads but cannot write fails an
 * enrollment at its first write (a first keystore's password), before any CAPF server hears of the run.
 */
export async function openVault(
  env: NodeJS.ProcessEnv = process.env,
  options: { service?: string; logger?: Logger; osVault?: SecretVault } = {},
): Promise<SecretVault> {
  const logger = options.logger ?? silentLogger;
  const vault = options.osVault ?? new OsVault(options.service);
  // The library reads the process's own environment, whatever `env` the caller passes for the password.
  const problem = (!options.osVault && missingSessionBus(process.env)) || (await probe(vault));
  if (problem === null) return vault;
  const password = environmentPassword(env);
  if (password === undefined) {
    // The library's reason (a nested D-Bus message) helps support staff, not the person: it goes to the log.
    logger.log('warn', 'vault.unavailable', { problem, using: null });
    throw new CtiError('VAULT', NO_VAULT_MESSAGE, { cause: problem });
  }
  logger.log('warn', 'vault.unavailable', { problem, using: KEYSTORE_PASSWORD_ENV });
  return new EnvironmentVault(password);
}

/** Null when the vault gives the integrity key, otherwise what it said (after waiting for one that is starting). */
async function probe(vault: SecretVault): Promise<string | null> {
  for (let attempt = 1; ; attempt++) {
    try {
      // A damaged key is the trust store's problem, named there; the vault itself answered.
      await integrityKey(vault).catch((err: unknown) => {
        if (!(err instanceof DamagedIntegrityKey)) throw err;
      });
      return null;
    } catch (err) {
      // Only the vault's own answers choose the fallback; anything else (the library missing) is no vault choice.
      if (!(err instanceof CtiError) || err.code !== 'VAULT') throw err;
      const problem = err.message;
      // Only a service that is starting is worth waiting for; no D-Bus session or no service stays so.
      if (attempt >= PROBE_ATTEMPTS || !SERVICE_STARTING.test(problem)) return problem;
      await sleep(PROBE_RETRY_MS * attempt);
    }
  }
}

/**
 * Why no Secret Service can be reached, when that is known without asking the library; otherwise null. On
 * Linux the vault is found over the D-Bus session bus, which the library's D-Bus code looks for in
 * DBUS_SESSION_BUS_ADDRESS, then at $XDG_RUNTIME_DIR/bus (X11 autolaunch is compiled out); with neither,
 * its attempt can only fail, after about 7 ms of blocking the main thread.
 */
export function missingSessionBus(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string | null {
  if (platform !== 'linux' || env.DBUS_SESSION_BUS_ADDRESS) return null;
  if (env.XDG_RUNTIME_DIR && existsSync(join(env.XDG_RUNTIME_DIR, SESSION_BUS_SOCKET))) return null;
  return `No D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set or empty, and there is no $XDG_RUNTIME_DIR/${SESSION_BUS_SOCKET})`;
}
const SESSION_BUS_SOCKET = 'bus';

/**
 * A Secret Service that has just started (or is creating its default collection for another client)
 * answers "no result found" for a moment, then works.
 */
const SERVICE_STARTING = /no result found/i;
const PROBE_ATTEMPTS = 4;
const PROBE_RETRY_MS = 150;

/**
 * The password of one keystore: CTIPREFS_KEYSTORE_PASSWORD when set (headless agents), otherwise the vault
 * entry `keystore:<keystoreId>`, created with 32 random bytes the first time.
 */
export async function keystorePassword(vault: SecretVault, keystoreId: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return (await findKeystorePassword(vault, keystoreId, env)) ?? createKeystorePassword(vault, keystoreId);
}

/** A new random password for a keystore that has none (findKeystorePassword said so). */
export async function createKeystorePassword(vault: SecretVault, keystoreId: string): Promise<string> {
  const account = keystoreAccount(keystoreId);
  await vault.set(account, randomBytes(GENERATED_PASSWORD_BYTES).toString('base64url'));
  // Read back: if two processes raced to create it, both continue with the one the vault kept.
  const kept = await vault.get(account);
  if (!kept) throw new CtiError('VAULT', `The OS credential vault did not keep the secret "${account}"`);
  return kept;
}

/** Like keystorePassword, but never creates one: for opening a keystore that already exists. */
export async function findKeystorePassword(
  vault: SecretVault,
  keystoreId: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string | null> {
  if (!KEYSTORE_ID.test(keystoreId)) {
    throw new CtiError('BAD_INPUT', 'Keystore ID must be 1 to 200 printable ASCII characters without spaces');
  }
  const fromEnv = environmentPassword(env);
  if (fromEnv !== undefined) return fromEnv;
  const stored = await vault.get(keystoreAccount(keystoreId));
  if (stored === '') throw new CtiError('VAULT', `The vault secret "${keystoreAccount(keystoreId)}" is empty`);
  return stored;
}

/** Each vault's integrity key, once read, for the rest of the process: it never changes while the vault holds it. */
const integrityKeys = new WeakMap<SecretVault, Promise<Buffer>>();

/** The vault answered, but what it holds under ctl-integrity is not a key: the vault works, the key does not. */
class DamagedIntegrityKey extends CtiError {}

/** The key of the CTL trust store's HMAC: 32 random bytes kept in the vault (derived from the env password without one). */
export function integrityKey(vault: SecretVault): Promise<Buffer> {
  const known = integrityKeys.get(vault);
  if (known) return known;
  const key = readIntegrityKey(vault);
  integrityKeys.set(vault, key.then(({ key: read }) => read));
  // Remembered only when it was there already: one this process just created may lose a race with another
  // process creating it at the same moment, and the next call must then read the one the vault kept. A
  // failure is not remembered either: the next call asks the vault again (unlocked meanwhile, say).
  key.then(
    ({ created }) => created && integrityKeys.delete(vault),
    () => integrityKeys.delete(vault),
  );
  return integrityKeys.get(vault)!;
}

async function readIntegrityKey(vault: SecretVault): Promise<{ key: Buffer; created: boolean }> {
  let stored = await vault.get(INTEGRITY_KEY_ACCOUNT);
  const created = stored === null;
  if (created) {
    await vault.set(INTEGRITY_KEY_ACCOUNT, randomBytes(INTEGRITY_KEY_BYTES).toString('base64url'));
    stored = await vault.get(INTEGRITY_KEY_ACCOUNT);
  }
  const key = stored === null ? undefined : Buffer.from(stored, 'base64url');
  if (!key || key.length !== INTEGRITY_KEY_BYTES) {
    throw new DamagedIntegrityKey('VAULT', `The vault secret "${INTEGRITY_KEY_ACCOUNT}" is damaged (expected ${INTEGRITY_KEY_BYTES} bytes, base64url)`);
  }
  return { key, created };
}

/** Where keystorePassword's answers come from: the operator's CTIPREFS_KEYSTORE_PASSWORD, or random vault secrets. */
export function keystorePasswordKind(env: NodeJS.ProcessEnv = process.env): PasswordKind {
  return environmentPassword(env) === undefined ? 'random' : 'chosen';
}

/** CTIPREFS_KEYSTORE_PASSWORD, checked; undefined when the variable is not set. */
export function environmentPassword(env: NodeJS.ProcessEnv): string | undefined {
  const value = env[KEYSTORE_PASSWORD_ENV];
  return value === undefined ? undefined : checkEnvironmentPassword(value);
}

function checkEnvironmentPassword(value: string): string {
  if (value.length < MIN_ENV_PASSWORD_LENGTH) {
    throw new CtiError('BAD_INPUT', `${KEYSTORE_PASSWORD_ENV} must be at least ${MIN_ENV_PASSWORD_LENGTH} characters`);
  }
  return value;
}

/**
 * The integrity key from the environment password. PBKDF2 with the keystore's iteration count rather than
 * a plain HKDF: the HMAC of the stored CTL must not become a cheaper way to guess the password than the
 * keystore itself. The fixed salt separates this key from every other use of the password.
 */
export async function deriveIntegrityKey(password: string): Promise<Buffer> {
  return pbkdf2(password, 'ctiprefs/ctl-integrity/v1', PKCS12_ITERATIONS, INTEGRITY_KEY_BYTES, 'sha256');
}

function reasonOf(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).slice(0, 300);
}
