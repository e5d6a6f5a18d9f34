/**
 * The Security tab for a person: OK / Cancel / Apply in view on small windows, the first-use fingerprint
 * with a copy button, and an axe-core scan of every tab the page lists (role=tab), in both themes.
 */
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, test, type Page } from '@playwright/test';
import { watchPage } from '../../scripts/lib/preview-process.ts';
import { previewPerFile, SCREENSHOTS } from './preview-per-file.ts';

const AXE_SCRIPT = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const run = promisify(execFile);

test.describe.configure({ mode: 'serial' });

const preview = previewPerFile();

const button = (page: Page, name: string) => page.getByRole('button', { name, exact: true });

/** Enrolls lab1 by clicking, so every tab has content to scan (a certificate, a trust list). */
async function enroll(page: Page): Promise<void> {
  await page.getByLabel('Authentication string', { exact: true }).fill('123456');
  await page.getByRole('checkbox', { name: 'Fetch Certificate' }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'OK', exact: true }).click();
  await button(page, 'Apply').click();
  await expect(page.getByText('Settings saved. The certificate was updated.')).toBeVisible({ timeout: 90_000 });
}

for (const viewport of [
  { width: 1100, height: 800 },
  { width: 800, height: 600 },
]) {
  test(`OK, Cancel and Apply are in view at ${viewport.width}x${viewport.height} while the fields scroll`, async ({ page }) => {
    await page.setViewportSize(viewport);
    await page.goto(preview().url);
    await expect(page.getByLabel('Instance ID', { exact: true })).toHaveValue('lab1');
    // Make the tab longer than the window, as a profile with many TFTP servers is.
    const add = button(page, 'Add TFTP server');
    while ((await add.isEnabled()) && !(await page.evaluate(() => document.documentElement.scrollHeight > window.innerHeight + 200))) {
      await add.click();
    }
    expect(await page.evaluate(() => document.documentElement.scrollHeight)).toBeGreaterThan(viewport.height);
    expect(await page.evaluate(() => window.scrollY)).toBe(0);
    for (const name of ['OK', 'Cancel', 'Apply']) {
      const box = await button(page, name).boundingBox();
      expect(box, name).not.toBeNull();
      expect(box!.y, name).toBeGreaterThanOrEqual(0);
      expect(box!.y + box!.height, name).toBeLessThanOrEqual(viewport.height);
      // In view and on top: nothing (a field, the notice) covers its middle.
      const onTop = await page.evaluate(
        ([x, y, label]) => (document.elementFromPoint(x!, y!) as HTMLElement | null)?.closest('button')?.textContent === label,
        [box!.x + box!.width / 2, box!.y + box!.height / 2, name] as const,
      );
      expect(onTop, name).toBe(true);
    }
    await mkdir(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: `${SCREENSHOTS}security-${viewport.width}x${viewport.height}.png`, animations: 'disabled' });
    // Scrolled to the end, the last field is not hidden behind the footer.
    await page.getByLabel('Retry interval (seconds)', { exact: true }).scrollIntoViewIfNeeded();
    await expect(page.getByLabel('Retry interval (seconds)', { exact: true })).toBeInViewport();
  });
}

test('the first-use warning shows the signer fingerprint with a copy button', async ({ page, context }) => {
  const watch = watchPage(page);
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(preview().url).origin });
  await page.goto(preview().url);
  await enroll(page);
  await page.getByRole('tab', { name: 'Trust list', exact: true }).click();
  const warning = page.getByRole('note').filter({ hasText: 'trusted on first use' });
  await expect(warning).toBeVisible();
  const shown = (await warning.locator('.fingerprint').innerText()).replace(/\s/g, '');
  expect(shown).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  await warning.getByRole('button', { name: "Copy the signer's fingerprint" }).click();
  await expect(warning.getByRole('status')).toHaveText('Copied.');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(shown);
  expect(watch.problems).toEqual([]);
});

test('exports certificate and key as PKCS#12 into the preview home, readable by openssl with the password', async ({ page }) => {
  const password = 'e2e-export-Pass-31';
  await page.goto(preview().url);
  await page.getByRole('tab', { name: 'Certificates', exact: true }).click();
  await button(page, 'Export PKCS#12 lab1').click();
  const dialog = page.getByRole('alertdialog', { name: 'Export PKCS#12' });
  await expect(dialog).toContainText('At least 8 characters');
  await dialog.getByLabel('Export password', { exact: true }).fill(password);
  await dialog.getByLabel('Repeat the password', { exact: true }).fill(`${password}x`);
  await expect(dialog.getByRole('button', { name: 'Export', exact: true })).toBeDisabled();
  await dialog.getByLabel('Repeat the password', { exact: true }).fill(password);
  await page.screenshot({ path: `${SCREENSHOTS}export-p12.png`, animations: 'disabled' });
  await dialog.getByRole('button', { name: 'Export', exact: true }).click();
  const file = join(preview().home, 'exports', 'lab1.p12');
  await expect(page.getByRole('status').filter({ hasText: file })).toBeVisible();
  const opened = await run('openssl', ['pkcs12', '-in', file, '-passin', `pass:${password}`, '-nodes']);
  expect(opened.stdout).toContain('BEGIN PRIVATE KEY');
  expect(opened.stdout).toContain('subject=CN = CTI-lab1');
});

test.describe('accessibility', () => {
  // The app's CSP (script-src 'self') refuses addScriptTag's inline axe.min.js; the scan needs it in this
  // context only (the other specs run with the CSP on and fail on any violation of it).
  test.use({ bypassCSP: true });

test('axe-core finds no violation on any tab, light and dark', async ({ page }) => {
  const found: string[] = [];
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto(preview().url);
    await page.addScriptTag({ path: AXE_SCRIPT });
    const tabs = page.getByRole('tab');
    const names = await tabs.allInnerTexts();
    expect(names.length).toBeGreaterThanOrEqual(5);
    for (const name of names) {
      await page.getByRole('tab', { name, exact: true }).click();
      await expect(page.getByRole('tab', { name, exact: true })).toHaveAttribute('aria-selected', 'true');
      await expect(page.getByText(/^Loading/)).toHaveCount(0);
      const violations = await page.evaluate(async () => {
        const axe = (window as unknown as { axe: { run: (context: Document) => Promise<{ violations: AxeViolation[] }> } }).axe;
        interface AxeViolation {
          id: string;
          help: string;
          nodes: { target: string[] }[];
        }
        const result = await axe.run(document);
        return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
      });
      for (const violation of violations) found.push(`${scheme} / ${name}: ${violation}`);
    }
  }
  expect(found).toEqual([]);
});
});
