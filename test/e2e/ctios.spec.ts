/**
 * The CTI OS tab by clicking, in Chromium against the preview: create the CA, make and sign a client and a
 * server request, check the client set, test it against the lab's CTI OS endpoint serving the server set
 * made here, and keep the registry settings (.reg export and a refused import). Screenshots for the README.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { startCtiosLabServer, type CtiosLabServer } from '../../electron/lab/ctios-server.ts';
import { recordInvocations, watchPage } from '../../scripts/lib/preview-process.ts';
import { previewPerFile, SCREENSHOTS } from './preview-per-file.ts';

const CA_PASSWORD = 'e2e-ca-password';

test.describe.configure({ mode: 'serial' });

const preview = previewPerFile();
let lab: CtiosLabServer | undefined;
test.beforeAll(async () => {
});
test.afterAll(async () => {
  await lab?.close();
});

const panel = (page: Page) => page.getByRole('tabpanel');
const section = (page: Page, heading: string) => panel(page).getByRole('region', { name: heading });

async function openTab(page: Page) {
  await page.goto(preview().url);
  await page.getByRole('tab', { name: 'CTI OS', exact: true }).click();
  await expect(page.getByRole('heading', { level: 2, name: 'CTI OS security' })).toBeVisible();
}

async function signRequest(page: Page, role: 'client' | 'server', subject: string, requestFile: string) {
  await page.getByLabel('Role', { exact: true }).selectOption(role);
  await page.getByLabel('Subject', { exact: true }).fill(subject);
  await page.getByRole('button', { name: `Make ${role} request`, exact: true }).click();
  await expect(section(page, '2. Certificate request')).toContainText(`Made ${requestFile}`);
  await page.getByLabel('CA password', { exact: true }).fill(CA_PASSWORD);
  await page.getByRole('button', { name: `Sign ${requestFile}`, exact: true }).click();
  await expect(section(page, '3. Certificate')).toContainText('Signed: ');
  await expect(page.getByLabel('CA password', { exact: true })).toHaveValue('');
}

test('creates the CA, signs a client and a server set, checks and tests them against the lab', async ({ page }) => {
  const watch = watchPage(page);
  const calls = recordInvocations(page);
  await openTab(page);

  const files = panel(page).getByRole('table').first();
  await expect(files.getByRole('row', { name: /^CtiosRootCert\.pem/ })).toContainText('missing');

  await page.getByLabel('New CA password', { exact: true }).fill('short');
  await expect(page.getByText('CA password must be 8 to 30 characters without control characters (got 5)')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Create CA', exact: true })).toBeDisabled();
  await page.getByLabel('New CA password', { exact: true }).fill(CA_PASSWORD);
  await page.getByLabel('Repeat CA password', { exact: true }).fill(CA_PASSWORD);
  await page.getByRole('button', { name: 'Create CA', exact: true }).click();
  await expect(section(page, '1. Certificate authority')).toContainText('CA created in');
  await expect(files.getByRole('row', { name: /^CtiosRootCert\.pem/ })).toContainText('CN=CTI OS Root CA');

  await signRequest(page, 'client', 'CN=desk-e2e,OU=CTI OS Client', 'CtiosClientreq.pem');
  await expect(files.getByRole('row', { name: /^CtiosClient\.pem/ })).toContainText('CN=desk-e2e');
  await signRequest(page, 'server', 'CN=ctios-e2e', 'CtiosServerReq.pem');
  await expect(files.getByRole('row', { name: /^CtiosServer\.pem/ })).toContainText('CN=ctios-e2e');

  await page.getByLabel('Role', { exact: true }).selectOption('client');
  await page.getByRole('button', { name: 'Check the client set', exact: true }).click();
  const check = section(page, '4. Check');
  await expect(check).toContainText('is usable');
  await expect(check.getByRole('listitem')).toContainText(['leftover-file (warning): CtiosClientkey.pem is still here']);

  // The lab's CTI OS endpoint presents the server set the window just made (what `ctiprefs lab --ctios-dir` runs).
  lab = await startCtiosLabServer({ dir: join(preview().home, 'ctios') });
  await page.getByLabel('CTI OS server', { exact: true }).fill(`127.0.0.1:${lab.port}`);
  await page.getByRole('button', { name: 'Test connection', exact: true }).click();
  const test5 = section(page, '5. Test');
  await expect(test5).toContainText('Connected (connected): Mutual TLS with');
  await expect(test5).toContainText('server CN=ctios-e2e');
  expect(lab.accepted()).toBe(1);

  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}ctios.png`, fullPage: true, animations: 'disabled' });
  expect(calls.filter((c) => c.startsWith('ctios:'))).toEqual(expect.arrayContaining(['ctios:ca-create', 'ctios:request', 'ctios:sign', 'ctios:check', 'ctios:test']));
  expect(watch.problems).toEqual([]);
});

test('keeps the registry settings, exports a .reg file and refuses one out of range', async ({ page }) => {
  const watch = watchPage(page);
  await openTab(page);
  const client = section(page, 'Settings: CTI OS client (CTI Toolkit desktop)');
  const handShake = client.getByLabel('HandShakeTime', { exact: true });
  await handShake.fill('301');
  await expect(client.getByText('HandShakeTime must be 1 to 300 seconds')).toBeVisible();
  await expect(client.getByRole('button', { name: 'Save client settings' })).toBeDisabled();
  await handShake.fill('10');
  await client.getByRole('button', { name: 'Save client settings' }).click();
  await expect(client.getByText('Saved.')).toBeVisible();
  expect((await page.evaluate(() => window.ctiprefs.invoke('ctios:settings-get'))).client.values.HandShakeTime).toBe(10);

  const downloading = page.waitForEvent('download');
  await client.getByRole('button', { name: 'Export client .reg' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('ctios-client.reg');
  const reg = (await readFile((await download.path())!)).toString('utf16le');
  expect(reg).toContain('[HKEY_LOCAL_MACHINE\\SOFTWARE\\Cisco Systems, Inc.\\CTI OS Client]');
  expect(reg).toContain('"HandShakeTime"=dword:0000000a');

  const outOfRange = Buffer.from(reg.replace('dword:0000000a', 'dword:00000000'), 'utf16le');
  await client.getByLabel('Import client .reg…').setInputFiles({ name: 'bad.reg', mimeType: 'application/octet-stream', buffer: outOfRange });
  await expect(client.getByRole('alert')).toContainText('HandShakeTime must be 1 to 300 seconds, got 0; nothing was imported');
  expect((await page.evaluate(() => window.ctiprefs.invoke('ctios:settings-get'))).client.values.HandShakeTime).toBe(10);

  const server = section(page, 'Settings: CTI OS server');
  await server.getByLabel('InstanceName', { exact: true }).fill('cc1');
  await server.getByLabel('SecurityEnabled', { exact: true }).selectOption('1');
  await server.getByRole('button', { name: 'Save server settings' }).click();
  await expect(server.getByText('Saved.')).toBeVisible();
  await page.getByRole('heading', { level: 3, name: 'Registry settings' }).scrollIntoViewIfNeeded();
  await section(page, 'Registry settings').screenshot({ path: `${SCREENSHOTS}ctios-settings.png`, animations: 'disabled' });
  expect(watch.problems).toEqual([]);
});

test('screenshot of the CTI OS tab in the dark theme', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await openTab(page);
  await expect(panel(page).getByRole('table').first().getByRole('row', { name: /^CtiosClient\.pem/ })).toContainText('CN=desk-e2e');
  await page.screenshot({ path: `${SCREENSHOTS}ctios-dark.png`, fullPage: true, animations: 'disabled' });
});
