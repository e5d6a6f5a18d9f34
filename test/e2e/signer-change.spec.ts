/**
 * Support-desk paths in Chromium against the preview and the lab: renewing a stored certificate (a refused
 * string keeps the old one), and a trust list whose signer changed (a second lab with its own PKI stands in
 * for a regenerated cluster), shown side by side and adopted by typing the new signer's fingerprint.
 * Screenshots of the renewal dialog and of the comparison go to docs/screenshots/ for the README.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { FETCH_CERTIFICATE_CONFIRMATION } from '../../shared/fields.ts';
import { fingerprintSha256 } from '../../electron/core/ctl/certificate-fields.ts';
import { startLab, type Lab } from '../../electron/lab/lab.ts';
import { watchPage } from '../../scripts/lib/preview-process.ts';
import { previewPerFile, SCREENSHOTS, tab } from './preview-per-file.ts';

test.describe.configure({ mode: 'serial' });

const preview = previewPerFile();
let regenerated: Lab;
let regeneratedDir: string;
test.beforeAll(async () => {
  regeneratedDir = await mkdtemp(join(tmpdir(), 'ctiprefs-e2e-regenerated-'));
  // CTL timestamps count seconds: the regenerated cluster's list must be newer, or adopting it is a rollback.
  await new Promise((resolve) => setTimeout(resolve, 1100));
  regenerated = await startLab({ dir: regeneratedDir });
  await mkdir(SCREENSHOTS, { recursive: true });
});
test.afterAll(async () => {
  await regenerated?.close();
  if (regeneratedDir) await rm(regeneratedDir, { recursive: true, force: true });
});

const shot = (page: Page, file: string) => page.screenshot({ path: `${SCREENSHOTS}${file}.png`, fullPage: true, animations: 'disabled' });

test('Renew… explains what to arm first; a refused string keeps the old certificate', async ({ page }) => {
  const watch = watchPage(page);
  await page.goto(preview().url);
  await page.getByLabel('Authentication string', { exact: true }).fill('123456');
  await page.getByRole('checkbox', { name: 'Fetch Certificate' }).click();
  const fetchDialog = page.getByRole('alertdialog');
  await expect(fetchDialog).toHaveAccessibleDescription(FETCH_CERTIFICATE_CONFIRMATION);
  await fetchDialog.getByRole('button', { name: 'OK', exact: true }).click();
  await page.getByRole('button', { name: 'Apply', exact: true }).click();
  await expect(page.getByText('Settings saved. The certificate was updated.')).toBeVisible({ timeout: 90_000 });

  await tab(page, 'Certificates').click();
  const row = page.getByRole('table').getByRole('row').filter({ hasText: 'lab1' });
  await expect(row).toHaveCount(1);
  const before = await row.innerText();
  await page.getByRole('button', { name: 'Renew certificate lab1', exact: true }).click();
  const dialog = page.getByRole('alertdialog', { name: 'Renew certificate lab1' });
  await expect(dialog).toContainText('Install/Upgrade');
  await expect(dialog.getByLabel('New authentication string', { exact: true })).toBeFocused();
  // The lab's string was spent by the first enrollment: CAPF refuses it, as Unified CM does.
  await dialog.getByLabel('New authentication string', { exact: true }).fill('123456');
  await shot(page, 'renew-dialog');
  await dialog.getByRole('button', { name: 'Renew', exact: true }).click();
  await expect(dialog.getByRole('alert')).toContainText('CAPF_AUTH_FAILED', { timeout: 90_000 });
  await expect(dialog).toContainText('The old certificate is still stored and in use.');
  await dialog.getByRole('button', { name: 'Cancel', exact: true }).click();
  await expect(dialog).toBeHidden();
  expect(await row.innerText()).toBe(before);
  expect(watch.problems).toEqual([]);
});

test('a trust list whose signer changed is shown beside the trusted one and adopted by its fingerprint', async ({ page }) => {
  const watch = watchPage(page);
  await page.goto(preview().url);
  await tab(page, 'Trust list').click();
  await expect(page.getByRole('tabpanel')).toContainText('Signer SHA-256');

  // The cluster was rebuilt: its TFTP server now serves a list with a new signer.
  await page.evaluate(async (tftp) => {
    const settings = await window.ctiprefs.invoke('settings:get');
    await window.ctiprefs.invoke('settings:save', { ...settings, profiles: settings.profiles.map((p) => ({ ...p, tftpServers: [tftp] })) });
  }, `${regenerated.tftp.host}:${regenerated.tftp.port}`);
  await page.reload();
  await tab(page, 'Trust list').click();
  await page.getByRole('button', { name: 'Check for update', exact: true }).click();
  await expect(page.getByRole('alert').first()).toContainText('CTL_COMPROMISED');
  const region = page.getByRole('region', { name: 'Refused update' });
  await expect(region).toContainText('Records: 0 added, 0 removed, 3 changed.');
  const newSigner = fingerprintSha256(regenerated.pki.sast.certificate);
  await expect(region.getByRole('row', { name: /Signer SHA-256/ })).toContainText(newSigner.slice(0, 8));
  for (const [scheme, suffix] of [['light', ''], ['dark', '-dark']] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await region.screenshot({ path: `${SCREENSHOTS}signer-change${suffix}.png`, animations: 'disabled' });
  }
  await page.emulateMedia({ colorScheme: 'light' });

  await region.getByRole('button', { name: 'Adopt…', exact: true }).click();
  const dialog = page.getByRole('alertdialog', { name: 'Adopt the refused trust list' });
  const field = dialog.getByLabel('Signer SHA-256 fingerprint', { exact: true });
  await expect(field).toBeFocused();
  const adopt = dialog.getByRole('button', { name: 'Adopt', exact: true });
  await field.fill(`${'AB:'.repeat(31)}AB`);
  await expect(adopt).toBeDisabled();
  // As an administrator pastes it from another tool: lower case, no colons.
  await field.fill(newSigner.replaceAll(':', '').toLowerCase());
  await expect(dialog).toContainText("Matches the refused list's signer.");
  await adopt.click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText(/^Adopted: the trust list signed by SHA-256/)).toBeVisible();
  await expect(region).toBeHidden();
  await page.getByRole('button', { name: 'Check for update', exact: true }).click();
  await expect(page.getByText('The CTL on the TFTP server is unchanged.')).toBeVisible();
  expect(watch.problems).toEqual([]);
});
