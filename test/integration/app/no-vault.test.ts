/**
 * The preview on a machine without an OS vault (a dead D-Bus address) and without CTIPREFS_KEYSTORE_PASSWORD:
 * it says in one sentence what to do, at start and to the page, never D-Bus's nested message, and the
 * vault answer is ready for the Certificates tab without another probe.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERRORS } from '../../../shared/errors.ts';
import { NO_VAULT_MESSAGE } from '../../../electron/core/keystore/vault.ts';
import { invokeBridge, startPreview, type Preview } from '../../../scripts/lib/preview-process.ts';

let preview: Preview;
beforeAll(async () => {
  const { CTIPREFS_KEYSTORE_PASSWORD: _, ...env } = process.env;
  preview = await startPreview(['nov1:24681357'], { env: { ...env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/ctiprefs-bus' } });
}, 180_000);
afterAll(async () => {
  await preview?.stop();
});

describe('the preview without an OS vault', () => {
  it('answers vault:status with the one sentence and the short fact, no D-Bus detail', async () => {
    const envelope = await invokeBridge(preview, 'vault:status', { recheck: false });
    expect(envelope).toEqual({ result: { available: false, error: { code: 'VAULT', message: NO_VAULT_MESSAGE, hint: ERRORS.VAULT.hint } } });
    expect(JSON.stringify(envelope)).not.toMatch(/D-?Bus/i);
  });

  it('says what to do in the terminal once the probe answered', async () => {
    await expect.poll(() => preview.output(), { timeout: 30_000 }).toContain(`No OS credential vault: ${ERRORS.VAULT.hint}`);
    expect(preview.output()).not.toMatch(/D-?Bus error/i);
  });

  it('refuses an enrollment with the same plain message', async () => {
    const envelope = await invokeBridge(preview, 'enroll:start', { profileId: 'lab', authString: '24681357' });
    expect(JSON.stringify(envelope)).toContain(NO_VAULT_MESSAGE);
    expect(JSON.stringify(envelope)).not.toMatch(/D-?Bus/i);
  }, 120_000);
});
