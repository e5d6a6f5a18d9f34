/** The OS vault against the real gnome-keyring that scripts/test.sh starts in a private D-Bus session. */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { AsyncEntry } from '@napi-rs/keyring';
import { afterEach, describe, expect, it } from 'vitest';
import { ERRORS } from '../../../shared/errors.ts';
import {
  INTEGRITY_KEY_ACCOUNT,
  integrityKey,
  keystoreAccount,
  keystorePassword,
  KEYSTORE_PASSWORD_ENV,
  NO_VAULT_MESSAGE,
  openVault,
  OsVault,
} from '../../../electron/core/keystore/vault.ts';

const run = promisify(execFile);
const CHILD = fileURLToPath(new URL('./open-vault-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const services: string[] = [];
function testService(): string {
  const service = `ctiprefs-test-${randomBytes(6).toString('hex')}`;
  services.push(service);
  return service;
}

afterEach(async () => {
  for (const service of services.splice(0)) {
    for (const account of ['a', keystoreAccount('Inst1'), keystoreAccount('Inst2'), INTEGRITY_KEY_ACCOUNT]) {
      await new AsyncEntry(service, account).deletePassword().catch(() => undefined);
    }
  }
});

async function openInChild(env: NodeJS.ProcessEnv): Promise<{ kind?: string; error?: { code: string; message: string }; setError?: { code: string; message: string }; logs: string[] }> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', CHILD, testService()], { cwd: ROOT, env, timeout: 60_000 });
  return JSON.parse(stdout);
}

describe('OsVault (gnome-keyring over the Secret Service)', () => {
  it('stores, reads and deletes a secret', async () => {
    const vault = new OsVault(testService());
    expect(vault.kind).toBe('os-vault');
    expect(await vault.get('a')).toBeNull();
    await vault.set('a', 'secret value 1');
    expect(await vault.get('a')).toBe('secret value 1');
    await vault.set('a', 'secret value 2');
    expect(await vault.get('a')).toBe('secret value 2');
    await vault.delete('a');
    expect(await vault.get('a')).toBeNull();
    await expect(vault.delete('a')).resolves.toBeUndefined();
  });

  it('keeps services apart', async () => {
    const one = new OsVault(testService());
    const two = new OsVault(testService());
    await one.set('a', 'one');
    expect(await two.get('a')).toBeNull();
  });

  it('is what openVault chooses when the vault works, and leaves nothing behind but the integrity key it probed with', async () => {
    const service = testService();
    const vault = await openVault({}, { service });
    expect(vault.kind).toBe('os-vault');
    const { findCredentialsAsync } = await import('@napi-rs/keyring');
    const stored = await findCredentialsAsync(service);
    expect(stored.map((c) => c.account)).toEqual([INTEGRITY_KEY_ACCOUNT]);
    expect((await integrityKey(new OsVault(service))).toString('base64url')).toBe(stored[0]!.password);
  });

  it('keeps a created keystore password and the integrity key across vault instances', async () => {
    const service = testService();
    const password = await keystorePassword(new OsVault(service), 'Inst1', {});
    expect(await keystorePassword(new OsVault(service), 'Inst1', {})).toBe(password);
    expect(await new OsVault(service).get(keystoreAccount('Inst1'))).toBe(password);
    const key = await integrityKey(new OsVault(service));
    expect((await integrityKey(new OsVault(service))).equals(key)).toBe(true);
  });
});

describe('without an OS vault (a child process with a dead D-Bus address)', () => {
  const noBus: NodeJS.ProcessEnv = { ...process.env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/ctiprefs-bus' };

  it('fails with VAULT in one plain sentence (what to do is the VAULT hint); the D-Bus detail goes to the log', async () => {
    const { [KEYSTORE_PASSWORD_ENV]: _, ...env } = noBus;
    const result = await openInChild(env);
    expect(result.error).toEqual({ code: 'VAULT', message: NO_VAULT_MESSAGE });
    expect(ERRORS.VAULT.hint).toContain(KEYSTORE_PASSWORD_ENV);
    expect(ERRORS.VAULT.hint).toMatch(/^Unlock your keyring/);
    // The OsVault error, for support staff: the failed operation, the secret, the service and D-Bus's reason.
    const logged = result.logs.join('\n');
    expect(logged).toMatch(/vault\.unavailable/);
    expect(logged).toMatch(/OS credential vault could not read the secret \\"ctl-integrity\\" of service \\"ctiprefs-test-.*DBus/);
  }, 60_000);

  it('falls back to the environment password, stores nothing, and never logs the password', async () => {
    const password = 'agent-password-from-ci';
    const result = await openInChild({ ...noBus, [KEYSTORE_PASSWORD_ENV]: password });
    expect(result.kind).toBe('environment');
    expect(result.setError?.code).toBe('VAULT');
    expect(result.logs.join('\n')).toMatch(/vault\.unavailable/);
    expect(JSON.stringify(result)).not.toContain(password);
  }, 60_000);

  it('without any session bus, uses the environment password at once, and the library could not have reached a vault either', async () => {
    const { DBUS_SESSION_BUS_ADDRESS: _address, XDG_RUNTIME_DIR: _runtime, ...withoutBus } = process.env;
    const result = await openInChild({ ...withoutBus, [KEYSTORE_PASSWORD_ENV]: 'agent-password-from-ci' });
    expect(result.kind).toBe('environment');
    expect(result.logs.join('\n')).toMatch(/vault\.unavailable.*No D-Bus session bus/);
    // The shortcut only skips a question the library would answer the same way.
    const failed = `(err) => console.log('failed: ' + err.message)`;
    const probe = `try { new (require('@napi-rs/keyring').AsyncEntry)('${testService()}', 'a', { linux: { store: 'secret-service' } }).getPassword().then(() => console.log('reached'), ${failed}) } catch (err) { (${failed})(err) }`;
    const { stdout } = await run(process.execPath, ['-e', probe], { cwd: ROOT, env: withoutBus, timeout: 60_000 });
    expect(stdout).toMatch(/^failed: .*DBUS_SESSION_BUS_ADDRESS/);
  }, 60_000);

  it('refuses a short environment password with BAD_INPUT', async () => {
    const result = await openInChild({ ...noBus, [KEYSTORE_PASSWORD_ENV]: 'short' });
    expect(result.error?.code).toBe('BAD_INPUT');
    expect(result.error?.message).toContain(KEYSTORE_PASSWORD_ENV);
  }, 60_000);
});
