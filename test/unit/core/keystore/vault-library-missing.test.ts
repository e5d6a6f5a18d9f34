/** A vault library that cannot load is a broken install: never taken for a machine without a vault. */
import { describe, expect, it, vi } from 'vitest';
import { KEYSTORE_PASSWORD_ENV, openVault } from '../../../../electron/core/keystore/vault.ts';

vi.mock('../../../../electron/core/keystore/keyring-binding.ts', () => {
  throw new Error('keyring.linux-x64-gnu.node: cannot open shared object file');
});

describe('openVault without its library', () => {
  it('fails with INTERNAL, naming the library, even with CTIPREFS_KEYSTORE_PASSWORD set', async () => {
    // A session bus address, so that the library is asked (without one it is never loaded).
    vi.stubEnv('DBUS_SESSION_BUS_ADDRESS', 'unix:path=/nonexistent/ctiprefs-bus');
    const opening = openVault({ [KEYSTORE_PASSWORD_ENV]: 'headless-agent-password' });
    await expect(opening).rejects.toMatchObject({ code: 'INTERNAL', message: expect.stringMatching(/^The OS credential vault library could not be loaded: /) });
    vi.unstubAllEnvs();
  });
});
