import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadSettings, prefs } from '../../renderer/src/state/settings.svelte.ts';
import SecurityTab from '../../renderer/src/tabs/SecurityTab.svelte';
import { ERRORS } from '../../shared/errors.ts';
import { FETCH_CERTIFICATE_CONFIRMATION } from '../../shared/fields.ts';
import type { OperationStatus } from '../../shared/model.ts';
import {
  installFakeApi,
  ipcError,
  labProfile,
  settingsHandlers,
  settingsWith,
  type FakeApi,
  type Handlers,
} from './fake-api.ts';

const CONFIRMATION_TEXT =
  'This will trigger a certificate update. Please make sure that you really want to update the TSP certificate now.';

async function renderTab(extra: Handlers = {}): Promise<FakeApi> {
  const fake = installFakeApi({ ...settingsHandlers(settingsWith([labProfile()])), ...extra });
  await loadSettings();
  render(SecurityTab, { onclose: vi.fn() });
  return fake;
}

const checkbox = () => screen.getByLabelText('Fetch Certificate') as HTMLInputElement;
const dialog = () => screen.getByRole('alertdialog');
const dialogButton = (name: string) => within(dialog()).getByRole('button', { name });

async function tickFetch() {
  const box = checkbox();
  box.focus();
  await fireEvent.click(box);
  return box;
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('Fetch Certificate confirmation dialog', () => {
  it('opens an alertdialog with exactly the product text, labelled and described', async () => {
    await renderTab();
    expect(FETCH_CERTIFICATE_CONFIRMATION).toBe(CONFIRMATION_TEXT);
    expect(screen.queryByRole('alertdialog')).toBeNull();
    await tickFetch();
    const box = dialog();
    expect(box.getAttribute('aria-modal')).toBe('true');
    const description = document.getElementById(box.getAttribute('aria-describedby')!);
    expect(description?.textContent).toBe(CONFIRMATION_TEXT);
    expect(document.getElementById(box.getAttribute('aria-labelledby')!)?.textContent).toBe('Fetch Certificate');
    expect(within(box).getAllByRole('button').map((b) => b.textContent)).toEqual(['OK', 'Cancel']);
  });

  it('Cancel unticks the box, closes, returns focus to the checkbox and runs nothing', async () => {
    const fake = await renderTab();
    const box = await tickFetch();
    expect(box.checked).toBe(true);
    await fireEvent.click(dialogButton('Cancel'));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(box.checked).toBe(false);
    expect(prefs.fetchCertificate).toBe(false);
    expect(document.activeElement).toBe(box);
    expect(fake.channels()).toEqual(['settings:get']);
  });

  it('OK keeps the box ticked and returns focus to it', async () => {
    const fake = await renderTab();
    const box = await tickFetch();
    await fireEvent.click(dialogButton('OK'));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(box.checked).toBe(true);
    expect(prefs.fetchCertificate).toBe(true);
    expect(document.activeElement).toBe(box);
    expect(fake.channels()).toEqual(['settings:get']);
  });

  it('Escape cancels', async () => {
    await renderTab();
    const box = await tickFetch();
    await fireEvent.keyDown(document.activeElement!, { key: 'Escape' });
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(box.checked).toBe(false);
    expect(document.activeElement).toBe(box);
  });

  it('starts on Cancel, traps Tab and Shift+Tab inside, and pulls escaped focus back', async () => {
    await renderTab();
    await tickFetch();
    const ok = dialogButton('OK');
    const cancel = dialogButton('Cancel');
    expect(document.activeElement).toBe(cancel);
    await fireEvent.keyDown(cancel, { key: 'Tab' });
    expect(document.activeElement).toBe(ok);
    await fireEvent.keyDown(ok, { key: 'Tab', shiftKey: true });
    expect(document.activeElement).toBe(cancel);
    screen.getByLabelText('User name').focus();
    expect(dialog().contains(document.activeElement)).toBe(true);
  });

  it('makes the rest of the window inert while open, and restores it', async () => {
    await renderTab();
    const userName = screen.getByLabelText('User name');
    await tickFetch();
    expect(userName.closest('[inert]')).not.toBeNull();
    expect(dialog().closest('[inert]')).toBeNull();
    await fireEvent.click(dialogButton('Cancel'));
    expect(document.querySelector('[inert]')).toBeNull();
  });

  it('Enter on Cancel does not confirm', async () => {
    await renderTab();
    const box = await tickFetch();
    const cancel = dialogButton('Cancel');
    await fireEvent.keyDown(cancel, { key: 'Enter' });
    // No dialog-wide Enter handler: the dialog is still waiting and nothing was confirmed.
    expect(screen.getByRole('alertdialog')).toBeTruthy();
    // Enter activates the focused button, which is Cancel.
    await fireEvent.click(cancel);
    expect(box.checked).toBe(false);
  });

  it('unticking the box needs no confirmation', async () => {
    await renderTab();
    const box = await tickFetch();
    await fireEvent.click(dialogButton('OK'));
    await fireEvent.click(box);
    expect(box.checked).toBe(false);
    expect(screen.queryByRole('alertdialog')).toBeNull();
  });
});

describe('Apply with Fetch Certificate ticked', () => {
  async function tickConfirmAndType(authString = '123456') {
    const box = await tickFetch();
    await fireEvent.click(dialogButton('OK'));
    await fireEvent.input(screen.getByLabelText('Authentication string'), { target: { value: authString } });
    return box;
  }

  const succeeded: OperationStatus = { state: 'succeeded', at: '2026-11-22T05:00:00Z', outcome: 'installed' };

  it('saves the settings, then starts the enrollment with the auth string, then unticks on success', async () => {
    let finish: (status: OperationStatus) => void = () => {};
    const fake = await renderTab({
      'enroll:start': () => new Promise((resolve) => (finish = resolve)),
    });
    const box = await tickConfirmAndType();
    await fireEvent.click(screen.getByRole('button', { name: 'Apply' }));
    await vi.waitFor(() => expect(fake.channels()).toContain('enroll:start'));
    expect(fake.channels()).toEqual(['settings:get', 'settings:save', 'enroll:start']);
    expect(fake.calls[2]?.request).toEqual({ profileId: 'lab', authString: '123456' });
    expect(screen.getByLabelText('Authentication string')).toHaveProperty('value', '');
    expect(box.checked).toBe(true);
    expect(screen.getByRole('button', { name: 'Apply' })).toHaveProperty('disabled', true);

    finish(succeeded);
    await vi.waitFor(() => expect(box.checked).toBe(false));
    expect(prefs.fetchCertificate).toBe(false);
    expect(screen.getByText(/The certificate was updated/)).toBeTruthy();
  });

  it('waits for the finished status from progress events when enroll:start returns early', async () => {
    const fake = await renderTab({
      'enroll:start': () => ({
        state: 'in-progress',
        since: '2026-11-22T05:00:00Z',
        step: 'capf-connect',
        attempt: 1,
        maxAttempts: 1,
      }),
    });
    const box = await tickConfirmAndType();
    await fireEvent.click(screen.getByRole('button', { name: 'Apply' }));
    await vi.waitFor(() => expect(fake.channels()).toContain('enroll:start'));
    await Promise.resolve();
    expect(box.checked).toBe(true);
    fake.emit({ profileId: 'other', status: succeeded, message: 'Another profile' });
    await Promise.resolve();
    expect(box.checked).toBe(true);
    fake.emit({ profileId: 'lab', status: succeeded, message: 'Certificate installed' });
    await vi.waitFor(() => expect(box.checked).toBe(false));
    expect(fake.listenerCount()).toBe(0);
  });

  it('unticks and shows the code and what to do when the enrollment is refused', async () => {
    const fake = await renderTab({
      'enroll:start': () => {
        throw ipcError('CAPF_AUTH_FAILED', 'The CAPF server refused the authentication string');
      },
    });
    const box = await tickConfirmAndType();
    await fireEvent.click(screen.getByRole('button', { name: 'Apply' }));
    await vi.waitFor(() => expect(box.checked).toBe(false));
    expect(fake.channels()).toEqual(['settings:get', 'settings:save', 'enroll:start']);
    const alert = screen.getByRole('alert');
    // The sentence a person acts on leads; the code and the protocol detail follow.
    const lines = [...alert.querySelectorAll('p')].map((p) => p.textContent);
    expect(lines[0]).toBe(ERRORS.CAPF_AUTH_FAILED.hint);
    expect(lines[0]).toBe('The CAPF server refused the authentication string. Ask your administrator for a new one.');
    expect(lines[1]).toBe('CAPF_AUTH_FAILED: The CAPF server refused the authentication string');
    expect(screen.getByLabelText('Authentication string')).toHaveProperty('value', '');
  });

  it.each([
    ['NETWORK_TIMEOUT', 'The CAPF server 127.0.0.1:3804 did not answer'],
    ['NETWORK_UNREACHABLE', 'Cannot connect to 127.0.0.1:3804 (ECONNREFUSED)'],
    ['CTL_NOT_FOUND', 'No TFTP server has CTLFile.tlv'],
  ] as const)('keeps the authentication string after %s: it was never spent', async (code, message) => {
    await renderTab({
      'enroll:start': () => {
        throw ipcError(code, message);
      },
    });
    const box = await tickConfirmAndType();
    await fireEvent.click(screen.getByRole('button', { name: 'Apply' }));
    await vi.waitFor(() => expect(box.checked).toBe(false));
    expect(screen.getByRole('alert').textContent).toContain(code);
    expect(screen.getByLabelText('Authentication string')).toHaveProperty('value', '123456');
    expect(prefs.authString).toBe('123456');
  });

  it.each([
    ['CAPF_AUTH_FAILED', 'refused (reason invalidElement (7))'],
    ['CAPF_REFUSED', 'CAPF server ended the session with reason unknown reason (42)'],
    ['CAPF_NOTHING_TO_DO', 'no operation pending (reason noAction (0))'],
  ] as const)('clears the authentication string after the finished status says %s', async (code, message) => {
    const fake = await renderTab({
      'enroll:start': () => ({ state: 'in-progress', since: 'x', step: 'capf-authenticate', attempt: 1, maxAttempts: 1 }),
    });
    const box = await tickConfirmAndType();
    await fireEvent.click(screen.getByRole('button', { name: 'Apply' }));
    await vi.waitFor(() => expect(fake.channels()).toContain('enroll:start'));
    fake.emit({ profileId: 'lab', status: { state: 'failed', at: 'x', code, message, hint: ERRORS[code].hint }, message: 'Failed' });
    await vi.waitFor(() => expect(box.checked).toBe(false));
    expect(screen.getByLabelText('Authentication string')).toHaveProperty('value', '');
    expect(prefs.authString).toBe('');
  });

  it('unticks when the enrollment finishes as failed', async () => {
    const fake = await renderTab({
      'enroll:start': () => ({ state: 'in-progress', since: 'x', step: 'ctl-download', attempt: 1, maxAttempts: 2 }),
    });
    const box = await tickConfirmAndType();
    await fireEvent.click(screen.getByRole('button', { name: 'Apply' }));
    await vi.waitFor(() => expect(fake.channels()).toContain('enroll:start'));
    fake.emit({
      profileId: 'lab',
      status: { state: 'failed', at: 'x', code: 'NETWORK_TIMEOUT', message: 'TFTP server 127.0.0.1:6969 did not answer', hint: 'Try later.' },
      message: 'Failed',
    });
    await vi.waitFor(() => expect(box.checked).toBe(false));
    expect(screen.getByRole('alert').textContent).toContain('NETWORK_TIMEOUT');
  });

  it('does not start the enrollment when saving fails', async () => {
    const fake = await renderTab({
      'settings:save': () => {
        throw ipcError('BAD_INPUT', 'Retries must be 0 to 3');
      },
      'enroll:start': () => succeeded,
    });
    await tickConfirmAndType();
    await fireEvent.click(screen.getByRole('button', { name: 'Apply' }));
    await vi.waitFor(() => expect(screen.getByRole('alert').textContent).toContain('BAD_INPUT'));
    expect(fake.channels()).toEqual(['settings:get', 'settings:save']);
  });

  it('blocks Apply while the box is ticked and the authentication string is missing', async () => {
    const fake = await renderTab({ 'enroll:start': () => succeeded });
    await tickConfirmAndType('');
    expect(screen.getByRole('button', { name: 'Apply' })).toHaveProperty('disabled', true);
    await fireEvent.input(screen.getByLabelText('Authentication string'), { target: { value: '12' } });
    expect(screen.getByRole('button', { name: 'Apply' })).toHaveProperty('disabled', true);
    expect(fake.channels()).toEqual(['settings:get']);
  });

  it('Apply without the box only saves', async () => {
    const fake = await renderTab({ 'enroll:start': () => succeeded });
    await fireEvent.click(screen.getByRole('button', { name: 'Apply' }));
    await vi.waitFor(() => expect(screen.getByText('Settings saved.')).toBeTruthy());
    expect(fake.channels()).toEqual(['settings:get', 'settings:save']);
  });
});
