/** The Certificates tab without an OS vault: the sentence at once, no "Loading…", no list call; Try again probes again. */
import { fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, expect, it, vi } from 'vitest';
import { loadSettings } from '../../renderer/src/state/settings.svelte.ts';
import CertificatesTab from '../../renderer/src/tabs/CertificatesTab.svelte';
import { ERRORS } from '../../shared/errors.ts';
import type { VaultStatus } from '../../shared/model.ts';
import { installFakeApi, labProfile, settingsHandlers, settingsWith } from './fake-api.ts';

afterEach(() => {
  vi.unstubAllGlobals();
});

const NO_VAULT: VaultStatus = {
  available: false,
  error: { code: 'VAULT', message: 'No OS credential vault is available (locked or missing keyring)', hint: ERRORS.VAULT.hint },
};

it('says in one sentence what to do, lists nothing, and loads the list once the vault is back', async () => {
  let vault: VaultStatus = NO_VAULT;
  const fake = installFakeApi({ ...settingsHandlers(settingsWith([labProfile()])), 'vault:status': () => vault, 'certs:list': () => [] });
  await loadSettings();
  render(CertificatesTab);
  const alert = await screen.findByRole('alert');
  const lines = [...alert.querySelectorAll('p')].map((p) => p.textContent);
  expect(lines).toEqual([ERRORS.VAULT.hint, `VAULT: ${NO_VAULT.error.message}`]);
  expect(lines.join(' ')).not.toMatch(/D-?Bus/i);
  expect(ERRORS.VAULT.hint).toMatch(/^Unlock your keyring .* set CTIPREFS_KEYSTORE_PASSWORD/);
  expect(screen.queryByText(/Loading/)).toBeNull();
  expect(fake.channels()).not.toContain('certs:list');

  vault = { available: true, kind: 'os-vault' };
  await fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
  await screen.findByText('No certificates are stored. Fetch one on the Security tab.');
  expect(fake.calls.filter((c) => c.channel === 'vault:status').map((c) => c.request)).toEqual([{ recheck: false }, { recheck: true }]);
  expect(screen.queryByRole('alert')).toBeNull();
});
