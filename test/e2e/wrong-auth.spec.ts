/** A wrong authentication string: the CAPF server's refusal reaches the user with what to do, and no certificate is stored. */
import { expect, test } from '@playwright/test';
import { ERRORS } from '../../shared/errors.ts';
import { watchPage } from '../../scripts/lib/preview-process.ts';
import { previewPerFile } from './preview-per-file.ts';

const preview = previewPerFile();

test('a wrong authentication string shows the refusal', async ({ page }) => {
  const watch = watchPage(page);
  await page.goto(preview().url);
  await expect(page.getByLabel('Instance ID', { exact: true })).toHaveValue('lab1');
  await page.getByLabel('Authentication string', { exact: true }).fill('999999');
  await page.getByRole('checkbox', { name: 'Fetch Certificate' }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'OK', exact: true }).click();
  await page.getByRole('button', { name: 'Apply', exact: true }).click();

  const alert = page.getByRole('alert').filter({ hasText: 'CAPF_AUTH_FAILED' });
  await expect(alert).toBeVisible({ timeout: 90_000 });
  await expect(alert).toContainText(ERRORS.CAPF_AUTH_FAILED.hint);
  await expect(alert).not.toContainText('999999');

  await page.getByRole('tab', { name: 'Certificate status', exact: true }).click();
  const status = page.getByRole('region', { name: 'Status of lab' });
  await expect(status).toContainText('Failed');
  await expect(status).toContainText('CAPF_AUTH_FAILED');

  await page.getByRole('tab', { name: 'Certificates', exact: true }).click();
  await expect(page.getByText('No certificates are stored.')).toBeVisible();
  expect(watch.problems).toEqual([]);
});
