/**
 * The Fetch Certificate confirmation: its exact text, Cancel (nothing runs), and the keyboard-only path.
 */
import { expect, test, type Page } from '@playwright/test';
import { FETCH_CERTIFICATE_CONFIRMATION } from '../../shared/fields.ts';
import { recordInvocations, watchPage } from '../../scripts/lib/preview-process.ts';
import { previewPerFile } from './preview-per-file.ts';

const preview = previewPerFile();

const fetchBox = (page: Page) => page.getByRole('checkbox', { name: 'Fetch Certificate' });

async function open(page: Page) {
  await page.goto(preview().url);
  await expect(page.getByLabel('Instance ID', { exact: true })).toHaveValue('lab1');
}

test('the dialog says exactly what the product documents say, with OK and Cancel', async ({ page }) => {
  const watch = watchPage(page);
  await open(page);
  await fetchBox(page).click();
  const dialog = page.getByRole('alertdialog');
  await expect(dialog).toBeVisible();
  await expect(dialog).toHaveAccessibleName('Fetch Certificate');
  await expect(dialog).toHaveAccessibleDescription(FETCH_CERTIFICATE_CONFIRMATION);
  await expect(dialog.getByText(FETCH_CERTIFICATE_CONFIRMATION, { exact: true })).toBeVisible();
  await expect(dialog.getByRole('button')).toHaveCount(2);
  await expect(dialog.getByRole('button', { name: 'OK', exact: true })).toBeVisible();
  await expect(dialog.getByRole('button', { name: 'Cancel', exact: true })).toBeVisible();
  expect(watch.problems).toEqual([]);
});

test('Cancel leaves the box unticked and nothing runs, even after Apply', async ({ page }) => {
  const calls = recordInvocations(page);
  await open(page);
  await page.getByLabel('Authentication string', { exact: true }).fill('123456');
  await fetchBox(page).click();
  const dialog = page.getByRole('alertdialog');
  await dialog.getByRole('button', { name: 'Cancel', exact: true }).click();
  await expect(dialog).toBeHidden();
  await expect(fetchBox(page)).not.toBeChecked();

  await page.getByRole('button', { name: 'Apply', exact: true }).click();
  await expect(page.getByText('Settings saved.', { exact: true })).toBeVisible();
  expect(calls).toContain('settings:save');
  expect(calls).not.toContain('enroll:start');
  await page.getByRole('tab', { name: 'Certificate status', exact: true }).click();
  await expect(page.getByRole('region', { name: 'Status of lab' })).toContainText('No certificate operation');
  await page.getByRole('tab', { name: 'Certificates', exact: true }).click();
  await expect(page.getByText('No certificates are stored.')).toBeVisible();
});

/** Tabs forward until the element matching `selector` has focus; fails after `limit` presses. */
async function tabTo(page: Page, isTarget: () => boolean, limit = 80) {
  for (let i = 0; i < limit; i++) {
    if (await page.evaluate(isTarget)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error('focus never reached the target with Tab');
}

test('keyboard only: Space opens, focus starts on Cancel, Escape and Enter behave, focus returns', async ({ page }) => {
  const calls = recordInvocations(page);
  await open(page);
  const dialog = page.getByRole('alertdialog');
  const cancel = dialog.getByRole('button', { name: 'Cancel', exact: true });
  const ok = dialog.getByRole('button', { name: 'OK', exact: true });

  await tabTo(page, () => document.activeElement?.id === 'fetch-certificate');
  await page.keyboard.press('Space');
  await expect(dialog).toBeVisible();
  await expect(cancel).toBeFocused();

  // Escape cancels: unticked, focus back on the checkbox.
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(fetchBox(page)).not.toBeChecked();
  await expect(fetchBox(page)).toBeFocused();

  // Enter on the focused Cancel button cancels too: Enter never confirms by default.
  await page.keyboard.press('Space');
  await expect(cancel).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(dialog).toBeHidden();
  await expect(fetchBox(page)).not.toBeChecked();

  // Focus stays trapped in the dialog while tabbing; Enter on OK confirms.
  await page.keyboard.press('Space');
  await expect(cancel).toBeFocused();
  for (let i = 0; i < 6; i++) {
    await page.keyboard.press('Tab');
    expect(await dialog.evaluate((el) => el.contains(document.activeElement))).toBe(true);
  }
  await page.keyboard.press('Shift+Tab');
  expect(await dialog.evaluate((el) => el.contains(document.activeElement))).toBe(true);
  for (let i = 0; i < 4 && !(await ok.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
  await expect(ok).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(dialog).toBeHidden();
  await expect(fetchBox(page)).toBeChecked();
  await expect(fetchBox(page)).toBeFocused();
  expect(calls).not.toContain('enroll:start');
});
