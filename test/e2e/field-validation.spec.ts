/**
 * Out-of-range numbers never leave the form: retries 4 and retry interval 16 are shown as errors next to
 * their fields, Apply is blocked, and the saved settings keep the last valid values.
 */
import { expect, test, type Page } from '@playwright/test';
import { recordInvocations } from '../../scripts/lib/preview-process.ts';
import { previewPerFile } from './preview-per-file.ts';

const preview = previewPerFile();

async function savedProfile(page: Page) {
  return page.evaluate(async () => (await window.ctiprefs.invoke('settings:get')).profiles.find((p) => p.id === 'lab'));
}

const cases = [
  { label: 'Number of retries', value: '4', error: 'Retries must be 0 to 3', field: 'retries' },
  { label: 'Retry interval (seconds)', value: '16', error: 'Retry interval must be 0 to 15', field: 'retryInterval' },
] as const;

for (const { label, value, error, field } of cases) {
  test(`${label} ${value} is refused next to the field and never saved`, async ({ page }) => {
    const calls = recordInvocations(page);
    await page.goto(preview().url);
    const input = page.getByLabel(label, { exact: true });
    await expect(input).toHaveValue('0');
    await input.fill(value);
    await expect(input).toHaveAccessibleDescription(new RegExp(error));
    await expect(page.getByText(error, { exact: true })).toBeVisible();
    const apply = page.getByRole('button', { name: 'Apply', exact: true });
    await expect(apply).toBeDisabled();
    await expect(page.getByRole('button', { name: 'OK', exact: true })).toBeDisabled();
    await input.press('Enter');
    expect(calls).not.toContain('settings:save');
    expect((await savedProfile(page))?.[field]).toBe(0);

    // Back in range: the error goes away and the value can be saved.
    await input.fill('3');
    await expect(page.getByText(error, { exact: true })).toBeHidden();
    await apply.click();
    await expect(page.getByText('Settings saved.', { exact: true })).toBeVisible();
    expect((await savedProfile(page))?.[field]).toBe(3);
  });
}

test('the core refuses out-of-range values even when the UI is bypassed', async ({ page }) => {
  await page.goto(preview().url);
  const refused = await page.evaluate(async () => {
    const settings = await window.ctiprefs.invoke('settings:get');
    const lab = settings.profiles.find((p) => p.id === 'lab')!;
    try {
      await window.ctiprefs.invoke('settings:save', { ...settings, profiles: [{ ...lab, retries: 4 }] });
      return null;
    } catch (err) {
      const e = err as { code: string; message: string };
      return { code: e.code, message: e.message };
    }
  });
  expect(refused).toEqual({ code: 'BAD_INPUT', message: 'settings:save: Profile 1: Retries must be 0 to 3' });
});
