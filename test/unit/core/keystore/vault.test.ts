import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CtiError } from '../../../../shared/errors.ts';
import {
  EnvironmentVault,
  findKeystorePassword,
  INTEGRITY_KEY_ACCOUNT,
  integrityKey,
  keystoreAccount,
  keystorePassword,
  KEYSTORE_PASSWORD_ENV,
  missingSessionBus,
  openVault,
  type SecretVault,
} from '../../../../electron/core/keystore/vault.ts';
import { memoryVault } from './fixtures.ts';
import { ctiRejection } from '../../../helpers/rejection.ts';

const ENV_PASSWORD = 'headless-agent-password';

describe('keystorePassword', () => {
  it('creates a random 32-byte base64url secret once and then keeps answering it', async () => {
    const vault = memoryVault();
    const first = await keystorePassword(vault, 'Inst1', {});
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(vault.secrets.get(keystoreAccount('Inst1'))).toBe(first);
    expect(await keystorePassword(vault, 'Inst1', {})).toBe(first);
    expect(await keystorePassword(vault, 'Inst2', {})).not.toBe(first);
  });

  it('uses CTIPREFS_KEYSTORE_PASSWORD when set, and stores nothing', async () => {
    const vault = memoryVault();
    expect(await keystorePassword(vault, 'Inst1', { [KEYSTORE_PASSWORD_ENV]: ENV_PASSWORD })).toBe(ENV_PASSWORD);
    expect(vault.secrets.size).toBe(0);
  });

  it('refuses a short CTIPREFS_KEYSTORE_PASSWORD, naming the variable but not the value', async () => {
    const error = await ctiRejection(keystorePassword(memoryVault(), 'Inst1', { [KEYSTORE_PASSWORD_ENV]: 'short7!' }));
    expect(error.code).toBe('BAD_INPUT');
    expect(error.message).toContain(KEYSTORE_PASSWORD_ENV);
    expect(error.message).toContain('8');
    expect(error.message).not.toContain('short7!');
  });

  it('refuses keystore IDs that are empty or contain spaces or control characters', async () => {
    for (const id of ['', 'a b', 'a\nb', 'x'.repeat(201)]) {
      expect((await ctiRejection(keystorePassword(memoryVault(), id, {}))).code).toBe('BAD_INPUT');
    }
  });

  it('reports a vault that does not keep the new secret', async () => {
    const forgetful = { ...memoryVault(), async set() {} };
    const error = await ctiRejection(keystorePassword(forgetful, 'Inst1', {}));
    expect(error.code).toBe('VAULT');
  });
});

describe('findKeystorePassword', () => {
  it('answers null instead of creating a password', async () => {
    const vault = memoryVault();
    expect(await findKeystorePassword(vault, 'Inst1', {})).toBeNull();
    expect(vault.secrets.size).toBe(0);
  });
});

describe('integrityKey', () => {
  it('creates a 32-byte key once under ctl-integrity', async () => {
    const vault = memoryVault();
    const key = await integrityKey(vault);
    expect(key.length).toBe(32);
    expect(Buffer.from(vault.secrets.get(INTEGRITY_KEY_ACCOUNT)!, 'base64url').equals(key)).toBe(true);
    expect((await integrityKey(vault)).equals(key)).toBe(true);
  });

  it('refuses a damaged stored key', async () => {
    const vault = memoryVault();
    vault.secrets.set(INTEGRITY_KEY_ACCOUNT, 'too-short');
    expect((await ctiRejection(integrityKey(vault))).code).toBe('VAULT');
  });
});

describe('EnvironmentVault', () => {
  it('answers keystore passwords from the environment password', async () => {
    const vault = new EnvironmentVault(ENV_PASSWORD);
    expect(vault.kind).toBe('environment');
    expect(await vault.get(keystoreAccount('Inst1'))).toBe(ENV_PASSWORD);
    expect(await vault.get('something-else')).toBeNull();
    expect(await keystorePassword(vault, 'Inst9', {})).toBe(ENV_PASSWORD);
  });

  it('derives a stable integrity key that depends on the password and is not the password', async () => {
    const key = await integrityKey(new EnvironmentVault(ENV_PASSWORD));
    expect(key.length).toBe(32);
    expect((await integrityKey(new EnvironmentVault(ENV_PASSWORD))).equals(key)).toBe(true);
    expect((await integrityKey(new EnvironmentVault(`${ENV_PASSWORD}2`))).equals(key)).toBe(false);
    expect(key.toString('utf8')).not.toContain(ENV_PASSWORD);
  });

  it('stores nothing: set is a VAULT error naming the secret', async () => {
    const error = await ctiRejection(new EnvironmentVault(ENV_PASSWORD).set('capf-token', 'value-123'));
    expect(error.code).toBe('VAULT');
    expect(error.message).toMatch(/no OS credential vault: cannot keep the secret "capf-token"/i);
    expect(error.message).not.toContain('value-123');
    await expect(new EnvironmentVault(ENV_PASSWORD).delete(keystoreAccount('x'))).resolves.toBeUndefined();
  });

  it('never shows the password when printed or serialised', () => {
    const vault = new EnvironmentVault(ENV_PASSWORD);
    expect(inspect(vault, { showHidden: true, depth: 5 })).not.toContain(ENV_PASSWORD);
    expect(JSON.stringify(vault)).not.toContain(ENV_PASSWORD);
  });

  it('refuses a short password', () => {
    expect(() => new EnvironmentVault('1234567')).toThrow(CtiError);
  });
});

describe('openVault probe', () => {
  /** A vault whose first `failures` writes fail with `message`, counting every write. */
  function failingVault(message: string, failures: number): SecretVault & { writes: number } {
    const inner = memoryVault();
    const vault = {
      ...inner,
      writes: 0,
      async set(account: string, secret: string) {
        vault.writes += 1;
        if (vault.writes <= failures) throw new CtiError('VAULT', `The OS credential vault could not store the secret: ${message}`);
        await inner.set(account, secret);
      },
    };
    return vault;
  }

  it('waits for a Secret Service that is starting ("no result found")', async () => {
    const osVault = failingVault('Platform failure: Secret Service: no result found', 2);
    expect(await openVault({}, { osVault })).toBe(osVault);
    expect(osVault.writes).toBe(3);
  });

  it('tries once when there is no D-Bus session, then uses the environment password', async () => {
    const osVault = failingVault('Platform failure: No DBus session or Secret Service provider found', 99);
    const vault = await openVault({ [KEYSTORE_PASSWORD_ENV]: ENV_PASSWORD }, { osVault });
    expect(vault.kind).toBe('environment');
    expect(osVault.writes).toBe(1);
  });
});

describe('missingSessionBus', () => {
  it('knows there is no Secret Service on Linux without a session bus address or $XDG_RUNTIME_DIR/bus', async () => {
    expect(missingSessionBus({}, 'linux')).toMatch(/No D-Bus session bus.*DBUS_SESSION_BUS_ADDRESS.*XDG_RUNTIME_DIR\/bus/);
    expect(missingSessionBus({ DBUS_SESSION_BUS_ADDRESS: '' }, 'linux')).not.toBeNull();
    const runtimeDir = await mkdtemp(join(tmpdir(), 'ctiprefs-runtime-'));
    try {
      expect(missingSessionBus({ XDG_RUNTIME_DIR: runtimeDir }, 'linux')).not.toBeNull();
      await writeFile(join(runtimeDir, 'bus'), '');
      expect(missingSessionBus({ XDG_RUNTIME_DIR: runtimeDir }, 'linux')).toBeNull();
    } finally {
      await rm(runtimeDir, { recursive: true, force: true });
    }
  });

  it('leaves the answer to the library when an address is set, and on Windows and macOS', () => {
    expect(missingSessionBus({ DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent' }, 'linux')).toBeNull();
    expect(missingSessionBus({}, 'win32')).toBeNull();
    expect(missingSessionBus({}, 'darwin')).toBeNull();
  });
});
