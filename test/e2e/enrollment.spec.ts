/**
 * The whole path a user takes: enroll a certificate from the lab by clicking, see it succeed, find it on the
 * Certificates tab, trust list and connection test; then screenshots of every tab for docs/ and the README.
 */
import { mkdir } from 'node:fs/promises';
import { expect, test, type Page } from '@playwright/test';
import { FETCH_CERTIFICATE_CONFIRMATION } from '../../shared/fields.ts';
import { recordInvocations, watchPage } from '../../scripts/lib/preview-process.ts';
import { previewPerFile, SCREENSHOTS, tab } from './preview-per-file.ts';

test.describe.configure({ mode: 'serial' });

const preview = previewPerFile();

test('enrolls a certificate from the lab by clicking', async ({ page }) => {
  const watch = watchPage(page);
  const calls = recordInvocations(page);
  await page.goto(preview().url);

  await expect(page.getByLabel('Profile', { exact: true })).toHaveValue('lab');
  await expect(page.getByLabel('User name', { exact: true })).toHaveValue('labuser');
  await expect(page.getByLabel('Instance ID', { exact: true })).toHaveValue('lab1');
  await page.getByLabel('Authentication string', { exact: true }).fill('123456');

  const fetch = page.getByRole('checkbox', { name: 'Fetch Certificate' });
  await fetch.click();
  const dialog = page.getByRole('alertdialog');
  await expect(dialog).toHaveAccessibleDescription(FETCH_CERTIFICATE_CONFIRMATION);
  await dialog.getByRole('button', { name: 'OK', exact: true }).click();
  await expect(dialog).toBeHidden();
  await expect(fetch).toBeChecked();
  expect(calls).not.toContain('enroll:start');

  await page.getByRole('button', { name: 'Apply', exact: true }).click();
  await expect(page.getByText('Settings saved. The certificate was updated.')).toBeVisible({ timeout: 90_000 });
  await expect(fetch).not.toBeChecked();
  expect(calls.filter((c) => c === 'enroll:start')).toHaveLength(1);

  await tab(page, 'Certificate status').click();
  const status = page.getByRole('region', { name: 'Status of lab' });
  await expect(status).toContainText('Succeeded');

  await tab(page, 'Certificates').click();
  const row = page.getByRole('table').getByRole('row').filter({ hasText: 'lab1' });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('RSA');
  await expect(page.getByRole('button', { name: 'Export PEM lab1', exact: true })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Delete certificate lab1', exact: true })).toBeVisible();
  expect(watch.problems).toEqual([]);
});

test('shows the trust list fetched on first use', async ({ page }) => {
  await page.goto(preview().url);
  await tab(page, 'Trust list').click();
  await expect(page.getByRole('tabpanel')).toContainText('trusted on first use');
  await page.getByRole('button', { name: 'Check for update', exact: true }).click();
  await expect(page.getByRole('tabpanel')).toContainText('unchanged');
});

test('connects to the lab CTIManager with the new certificate', async ({ page }) => {
  await page.goto(preview().url);
  await tab(page, 'Test connection').click();
  await page.getByRole('button', { name: 'Test secure connection', exact: true }).click();
  await expect(page.getByText(/^Connected:/)).toBeVisible();
});

const TABS: [name: string, file: string][] = [
  ['Security', 'security'],
  ['Certificate status', 'certificate-status'],
  ['Certificates', 'certificates'],
  ['Trust list', 'trust-list'],
  ['Test connection', 'test-connection'],
];

test('screenshots of every tab, light and dark', async ({ page }) => {
  await mkdir(SCREENSHOTS, { recursive: true });
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto(preview().url);
    for (const [name, file] of TABS) {
      await tab(page, name).click();
      await expect(tab(page, name)).toHaveAttribute('aria-selected', 'true');
      if (name === 'Certificates') await expect(page.getByRole('table')).toBeVisible();
      if (name === 'Trust list') await expect(page.getByRole('tabpanel')).toContainText('trusted on first use');
      if (name === 'Test connection') {
        await page.getByRole('button', { name: 'Test secure connection', exact: true }).click();
        await expect(page.getByText(/^Connected:/)).toBeVisible();
      }
      const suffix = scheme === 'dark' ? '-dark' : '';
      await page.screenshot({ path: `${SCREENSHOTS}${file}${suffix}.png`, fullPage: true, animations: 'disabled' });
    }
  }
});
