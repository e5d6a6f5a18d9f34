/**
 * Runs openVault in a child process whose D-Bus session address the test chose (a broken one to see the
 * fallback), and prints the outcome as JSON. The keyring library caches its D-Bus connection, so this
 * cannot be done inside the test process.
 */
import { openVault } from '../../../electron/core/keystore/vault.ts';
import { memoryLogger } from '../../../electron/core/log.ts';
import { toCtiError } from '../../../shared/errors.ts';

const logger = memoryLogger();
try {
  const vault = await openVault(process.env, { service: process.argv[2] ?? 'ctiprefs-test', logger });
  let setError: unknown;
  await vault.set('some-secret', 'value').catch((err: unknown) => (setError = toCtiError(err).toJSON()));
  process.stdout.write(JSON.stringify({ kind: vault.kind, setError, logs: logger.lines }));
} catch (err) {
  process.stdout.write(JSON.stringify({ error: toCtiError(err).toJSON(), logs: logger.lines }));
}
