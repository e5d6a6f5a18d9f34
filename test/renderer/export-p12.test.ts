/** The Certificates tab's PKCS#12 export: the password twice, its minimum length shown, nothing sent until both match. */
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadSettings } from '../../renderer/src/state/settings.svelte.ts';
import CertificatesTab from '../../renderer/src/tabs/CertificatesTab.svelte';
import { EXPORT_PASSWORD } from '../../shared/fields.ts';
import { CERTIFICATE_FOLDER_ID, certificateInfo, installFakeApi, ipcError, labProfile, settingsHandlers, settingsWith, type FakeApi, type Handlers } from './fake-api.ts';

const FOLDER = CERTIFICATE_FOLDER_ID;
const CERT = certificateInfo('lab1');

let fake: FakeApi;
async function renderTab(extra: Handlers = {}): Promise<void> {
  fake = installFakeApi({ ...settingsHandlers(settingsWith([labProfile()])), 'certs:list': () => [CERT], ...extra });
  await loadSettings();
  render(CertificatesTab);
}

const dialog = () => screen.getByRole('alertdialog', { name: 'Export PKCS#12' });
const exportButton = () => within(dialog()).getByRole('button', { name: 'Export' }) as HTMLButtonElement;
const type = (label: string, value: string) => fireEvent.input(within(dialog()).getByLabelText(label), { target: { value } });

async function openDialog(): Promise<HTMLElement> {
  const opener = await screen.findByRole('button', { name: 'Export PKCS#12 lab1' });
  await fireEvent.click(opener);
  return opener;
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('PKCS#12 export', () => {
  beforeEach(async () => {
    await renderTab({ 'certs:export-p12': ({ instanceId }) => ({ savedAs: `/home/alice/${instanceId}.p12` }) });
  });

  it('sits next to PEM export and asks for the password twice, showing the minimum length', async () => {
    await openDialog();
    expect(screen.getByRole('button', { name: 'Export PEM lab1' })).toBeTruthy();
    expect(dialog().textContent).toContain(`At least ${EXPORT_PASSWORD.minLength} characters`);
    expect(dialog().textContent).toContain('private key');
    const password = within(dialog()).getByLabelText('Export password') as HTMLInputElement;
    expect(password.type).toBe('password');
    expect(document.activeElement).toBe(password);
    expect((within(dialog()).getByLabelText('Repeat the password') as HTMLInputElement).type).toBe('password');
    expect(exportButton().disabled).toBe(true);
  });

  it('holds Export while the password is short or the two differ, with the reason next to the field', async () => {
    await openDialog();
    await type('Export password', 'short');
    expect(dialog().textContent).toContain('Export password must be 8 to 1024 characters');
    expect(exportButton().disabled).toBe(true);
    await type('Export password', 'long enough 1');
    await type('Repeat the password', 'long enough 2');
    expect(dialog().textContent).toContain('The two passwords differ');
    expect(exportButton().disabled).toBe(true);
    expect(fake.channels()).not.toContain('certs:export-p12');
  });

  it('sends the password once both match, says where the file went, and forgets the password', async () => {
    const opener = await openDialog();
    await type('Export password', 'long enough 1');
    await type('Repeat the password', 'long enough 1');
    await fireEvent.click(exportButton());
    await vi.waitFor(() => expect(screen.getByRole('status').textContent).toContain('/home/alice/lab1.p12'));
    expect(fake.calls.find((c) => c.channel === 'certs:export-p12')?.request).toEqual({ folderId: FOLDER, instanceId: 'lab1', password: 'long enough 1' });
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(document.activeElement).toBe(opener);
    await openDialog();
    expect((within(dialog()).getByLabelText('Export password') as HTMLInputElement).value).toBe('');
  });

  it('Cancel sends nothing', async () => {
    await openDialog();
    await type('Export password', 'long enough 1');
    await fireEvent.click(within(dialog()).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(fake.channels()).not.toContain('certs:export-p12');
  });
});

it('shows a refused export with its sentence first', async () => {
  await renderTab({
    'certs:export-p12': () => {
      throw ipcError('STORAGE', '/media/usb/lab1.p12: the file system is read-only (EROFS)');
    },
  });
  await openDialog();
  await type('Export password', 'long enough 1');
  await type('Repeat the password', 'long enough 1');
  await fireEvent.click(exportButton());
  const alert = await screen.findByRole('alert');
  expect(alert.querySelectorAll('p')[1]?.textContent).toBe('STORAGE: /media/usb/lab1.p12: the file system is read-only (EROFS)');
});
