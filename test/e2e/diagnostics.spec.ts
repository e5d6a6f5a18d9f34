/**
 * The support desk's view in Chromium against the preview and the lab: after an enrollment, the doctor's
 * checks all pass, the support bundle downloads without the authentication string, the history shows the
 * operation with its log lines, and About names the home folder; then screenshots of the Diagnostics tab.
 */
import { readFile } from 'node:fs/promises';
import { expect, test, type Page } from '@playwright/test';
import { watchPage } from '../../scripts/lib/preview-process.ts';
import { previewPerFile, SCREENSHOTS, tab } from './preview-per-file.ts';

const AUTH_STRING = '123456';

test.describe.configure({ mode: 'serial' });

const preview = previewPerFile();

const checks = (page: Page) => page.getByRole('region', { name: 'Preflight checks' });

test('after an enrollment every check passes, and the bundle downloads without the authentication string', async ({ page }) => {
  const watch = watchPage(page);
  await page.goto(preview().url);
  await expect(page.getByLabel('Profile', { exact: true })).toHaveValue('lab');
  const status = await page.evaluate((authString) => window.ctiprefs.invoke('enroll:start', { profileId: 'lab', authString }), AUTH_STRING);
  expect(status.state).toBe('succeeded');

  await tab(page, 'Diagnostics').click();
  await expect(checks(page).getByRole('button', { name: 'Run checks again' })).toBeEnabled({ timeout: 60_000 });
  await expect(checks(page)).toContainText(/\d+ passed, 0 with a warning, 0 failed\./);
  await expect(checks(page).getByRole('listitem').first()).toContainText('tftp-reachable');

  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Save support bundle', exact: true }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^ctiprefs-support-.*\.json$/);
  const text = await readFile(await file.path(), 'utf8');
  expect(text).not.toContain(AUTH_STRING);
  expect(text).not.toMatch(/PRIVATE KEY/);
  expect(JSON.parse(text)).toMatchObject({ kind: 'ctiprefs support bundle', history: { lab: [expect.objectContaining({ outcome: 'installed' })] } });
  await expect(page.getByRole('status').filter({ hasText: /^Saved ctiprefs-support-/ })).toBeVisible();

  const about = page.getByRole('region', { name: 'About' });
  await expect(about).toContainText(preview().home);
  await expect(about).toContainText('OS credential vault');
  const log = page.getByRole('list', { name: 'Log lines' });
  await expect(log).toContainText('enroll.succeeded');
  expect(watch.problems).toEqual([]);
});

test('the history shows the enrollment with its log lines on demand', async ({ page }) => {
  await page.goto(preview().url);
  await tab(page, 'Certificate status').click();
  const history = page.getByRole('table', { name: 'Last operations of lab' });
  await expect(history.getByRole('row')).toHaveCount(2);
  await expect(history).toContainText('Installed');
  await history.getByRole('button', { name: /^Show log of the operation started/ }).click();
  const lines = page.getByRole('list', { name: /^Log of the operation started/ });
  await expect(lines).toContainText('enroll.start');
  await expect(lines).toContainText('capf.authenticate');
  await expect(lines).not.toContainText(AUTH_STRING);
});

test('screenshots of the Diagnostics tab, light and dark', async ({ page }) => {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto(preview().url);
    await tab(page, 'Diagnostics').click();
    await expect(checks(page).getByRole('button', { name: 'Run checks again' })).toBeEnabled({ timeout: 60_000 });
    await expect(page.getByRole('region', { name: 'About' })).toContainText('Version');
    const suffix = scheme === 'dark' ? '-dark' : '';
    await page.screenshot({ path: `${SCREENSHOTS}diagnostics${suffix}.png`, fullPage: true, animations: 'disabled' });
  }
});
