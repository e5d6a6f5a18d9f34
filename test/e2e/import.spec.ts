/**
 * Migration in the window: a jtapi.ini picked in Chromium's file input is previewed by the real core (over the
 * preview bridge), then imported; the auth code in the file is shown only as "present" and never saved.
 */
import { expect, test } from '@playwright/test';
import { recordInvocations, watchPage } from '../../scripts/lib/preview-process.ts';
import { previewPerFile } from './preview-per-file.ts';

const AUTH_CODE = '97531246';
const JTAPI_INI = `TraceLevel=1\r\nSecurityProperty=migrated,Migrated1,${AUTH_CODE},127.0.0.1,3804,127.0.0.1,69,C:\\Program Files\\JTAPITools,true,,false;\r\n`;

const preview = previewPerFile();

test('Import… previews a jtapi.ini and creates its profile', async ({ page }) => {
  const { problems } = watchPage(page);
  const calls = recordInvocations(page);
  await page.goto(preview().url);
  await page.getByRole('button', { name: 'Import…', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Import profiles' });
  await expect(dialog).toBeVisible();
  await dialog.getByLabel('File').setInputFiles({ name: 'jtapi.ini', mimeType: 'text/plain', buffer: Buffer.from(JTAPI_INI) });
  const row = dialog.getByRole('row').filter({ hasText: 'Migrated1' });
  await expect(row).toContainText('record 1');
  await expect(row).toContainText('present, not stored');
  await expect(dialog.getByRole('status')).toContainText('is not used');
  expect(await page.content()).not.toContain(AUTH_CODE);

  await dialog.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText('Imported 1 profile(s).', { exact: true })).toBeVisible();
  await expect(page.getByLabel('Profile', { exact: true }).locator('option', { hasText: 'migrated' })).toHaveCount(1);
  const saved = await page.evaluate(async () => (await window.ctiprefs.invoke('settings:get')).profiles.map((p) => [p.userName, p.instanceId]));
  expect(saved).toContainEqual(['migrated', 'Migrated1']);
  expect(calls).toEqual(expect.arrayContaining(['import:preview', 'import:apply']));
  expect(problems).toEqual([]);
});
