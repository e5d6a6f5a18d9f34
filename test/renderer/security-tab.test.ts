import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadSettings, prefs, selectedProfile } from '../../renderer/src/state/settings.svelte.ts';
import SecurityTab from '../../renderer/src/tabs/SecurityTab.svelte';
import { validateSettings } from '../../shared/profile.ts';
import { installFakeApi, labProfile, settingsHandlers, settingsWith, type FakeApi } from './fake-api.ts';

function describedText(input: HTMLElement): string {
  return (input.getAttribute('aria-describedby') ?? '')
    .split(/\s+/)
    .map((id) => document.getElementById(id)?.textContent ?? '')
    .join(' ');
}

async function renderTab(settings = settingsWith([labProfile()])): Promise<{ fake: FakeApi; onclose: () => void }> {
  const fake = installFakeApi(settingsHandlers(settings));
  await loadSettings();
  const onclose = vi.fn();
  render(SecurityTab, { onclose });
  return { fake, onclose };
}

const button = (name: string) => screen.getByRole('button', { name });

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('Security tab fields', () => {
  it('shows every field of the selected profile under its contract label', async () => {
    await renderTab();
    expect(screen.getByLabelText('Profile')).toHaveProperty('value', 'lab');
    expect(screen.getByLabelText('User name')).toHaveProperty('value', 'labuser');
    expect(screen.getByLabelText('Instance ID')).toHaveProperty('value', 'lab1');
    expect(screen.getByLabelText('Authentication string')).toHaveProperty('type', 'password');
    expect(screen.getByLabelText('TFTP server 1')).toHaveProperty('value', '127.0.0.1:6969');
    expect(screen.getByLabelText('CAPF server')).toHaveProperty('value', '127.0.0.1');
    expect(screen.getByLabelText('CAPF port')).toHaveProperty('value', '3804');
    expect(screen.getByLabelText('Secure connection to CTIManager (TLS, port 2749)')).toHaveProperty('checked', true);
    expect(screen.getByLabelText('CTIManager server')).toHaveProperty('placeholder', 'first TFTP server, port 2749');
    expect(screen.getByLabelText('Certificate path')).toHaveProperty('value', '');
    expect(screen.getByLabelText('Fetch Certificate')).toHaveProperty('checked', false);
    expect(screen.getByLabelText('Number of retries')).toHaveProperty('value', '0');
    expect(screen.getByLabelText('Retry interval (seconds)')).toHaveProperty('value', '0');
    for (const name of ['New profile', 'Delete profile', 'OK', 'Cancel', 'Apply', 'Add TFTP server']) button(name);
  });

  it('rejects an out-of-range retry count without writing it into the profile', async () => {
    await renderTab();
    const retries = screen.getByLabelText('Number of retries');
    await fireEvent.input(retries, { target: { value: '4' } });
    expect(describedText(retries)).toContain('Retries must be 0 to 3');
    expect(selectedProfile()?.retries).toBe(0);
    await fireEvent.input(retries, { target: { value: '3' } });
    expect(describedText(retries)).not.toContain('Retries must be 0 to 3');
    expect(selectedProfile()?.retries).toBe(3);
  });

  it('rejects a retry interval of 16 without writing it into the profile', async () => {
    await renderTab();
    const interval = screen.getByLabelText('Retry interval (seconds)');
    await fireEvent.input(interval, { target: { value: '16' } });
    expect(describedText(interval)).toContain('Retry interval must be 0 to 15');
    expect(selectedProfile()?.retryInterval).toBe(0);
  });

  it('validates the instance ID as you type', async () => {
    await renderTab();
    const instance = screen.getByLabelText('Instance ID');
    const message = 'Instance ID must be 1 to 128 letters or digits (a-z, A-Z, 0-9)';
    for (const bad of ['lab-1', '', 'a b', 'x'.repeat(129), 'é1']) {
      await fireEvent.input(instance, { target: { value: bad } });
      expect(describedText(instance), bad).toContain(message);
    }
    await fireEvent.input(instance, { target: { value: 'A'.repeat(128) } });
    expect(describedText(instance)).not.toContain(message);
  });

  it('validates the authentication string: 4 to 10 digits, required only to fetch a certificate', async () => {
    await renderTab();
    const auth = screen.getByLabelText('Authentication string');
    const message = 'Authentication string must be 4 to 10 digits';
    expect(describedText(auth)).not.toContain(message);
    for (const bad of ['123', '12345678901', '12a4']) {
      await fireEvent.input(auth, { target: { value: bad } });
      expect(describedText(auth), bad).toContain(message);
    }
    await fireEvent.input(auth, { target: { value: '1234' } });
    expect(describedText(auth)).not.toContain(message);
    await fireEvent.input(auth, { target: { value: '' } });
    expect(describedText(auth)).not.toContain(message);
    await fireEvent.click(screen.getByLabelText('Fetch Certificate'));
    await fireEvent.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'OK' }));
    expect(describedText(auth)).toContain(message);
  });

  it('fills the certificate path from the native folder dialog', async () => {
    const fake = installFakeApi({ ...settingsHandlers(settingsWith([labProfile()])), 'folders:pick': () => '/srv/certs/agent' });
    await loadSettings();
    render(SecurityTab, { onclose: vi.fn() });
    await fireEvent.click(button('Choose folder…'));
    await vi.waitFor(() => expect(screen.getByLabelText('Certificate path')).toHaveProperty('value', '/srv/certs/agent'));
    expect(fake.calls.some((c) => c.channel === 'folders:pick')).toBe(true);
  });

  it('validates each TFTP server and keeps their order editable', async () => {
    await renderTab();
    await fireEvent.click(button('Add TFTP server'));
    const second = screen.getByLabelText('TFTP server 2');
    await vi.waitFor(() => expect(document.activeElement).toBe(second));
    await fireEvent.input(second, { target: { value: '10.0.0.1:70000' } });
    expect(describedText(second)).toContain('TFTP server 2 port must be 1 to 65535');
    await fireEvent.input(second, { target: { value: 'tftp.example.com' } });
    expect(describedText(second)).toBe('');
    await fireEvent.click(button('Move TFTP server 2 up'));
    expect(selectedProfile()?.tftpServers).toEqual(['tftp.example.com', '127.0.0.1:6969']);
    await fireEvent.click(button('Remove TFTP server 1'));
    expect(selectedProfile()?.tftpServers).toEqual(['127.0.0.1:6969']);
  });
});

describe('Save is blocked while a field is invalid', () => {
  let fake: FakeApi;
  beforeEach(async () => {
    ({ fake } = await renderTab());
  });

  it('disables OK and Apply and sends nothing while retries reads 4', async () => {
    await fireEvent.input(screen.getByLabelText('Number of retries'), { target: { value: '4' } });
    expect(button('OK')).toHaveProperty('disabled', true);
    expect(button('Apply')).toHaveProperty('disabled', true);
    expect(screen.getByText(/Saving is blocked/)).toBeTruthy();
    // Enter in a field submits the form: that path is blocked too.
    await fireEvent.submit(screen.getByLabelText('User name').closest('form')!);
    await Promise.resolve();
    expect(fake.channels()).not.toContain('settings:save');

    await fireEvent.input(screen.getByLabelText('Number of retries'), { target: { value: '1' } });
    expect(button('Apply')).toHaveProperty('disabled', false);
    await fireEvent.click(button('Apply'));
    await vi.waitFor(() => expect(fake.channels()).toContain('settings:save'));
    const sent = fake.calls.find((c) => c.channel === 'settings:save')?.request;
    expect(validateSettings(sent).ok).toBe(true);
    expect(sent).toMatchObject({ profiles: [{ id: 'lab', retries: 1 }] });
  });

  it('blocks saving an invalid instance ID, a new empty profile, or an empty TFTP list', async () => {
    await fireEvent.input(screen.getByLabelText('Instance ID'), { target: { value: 'lab 1' } });
    expect(button('Apply')).toHaveProperty('disabled', true);
    await fireEvent.input(screen.getByLabelText('Instance ID'), { target: { value: 'lab1' } });
    expect(button('Apply')).toHaveProperty('disabled', false);

    await fireEvent.click(button('Remove TFTP server 1'));
    expect(screen.getByText('Add at least one TFTP server (at most 8)')).toBeTruthy();
    expect(button('Apply')).toHaveProperty('disabled', true);
    await fireEvent.click(button('Cancel'));
    expect(button('Apply')).toHaveProperty('disabled', false);

    await fireEvent.click(button('New profile'));
    expect(screen.getByLabelText('Profile')).toHaveProperty('value', 'profile-2');
    expect(button('Apply')).toHaveProperty('disabled', true);
    await fireEvent.click(button('Apply'));
    expect(fake.channels()).not.toContain('settings:save');
  });

  it('names another invalid profile when the picked one is fine', async () => {
    await fireEvent.click(button('New profile'));
    await fireEvent.change(screen.getByLabelText('Profile'), { target: { value: 'lab' } });
    expect(screen.getByText(/Saving is blocked: fix profile \(no user name\)/)).toBeTruthy();
    expect(button('OK')).toHaveProperty('disabled', true);
  });
});

describe('Profiles', () => {
  it('warns when two profiles share an instance ID, and not otherwise', async () => {
    const settings = settingsWith([
      labProfile(),
      labProfile({ id: 'second', userName: 'other' }),
      labProfile({ id: 'third', userName: 'third', instanceId: 'lab3' }),
    ]);
    await renderTab(settings);
    const warning = screen.getByText(/Instance ID lab1 is used by more than one profile/);
    const text = warning.textContent?.replace(/\s+/g, ' ');
    expect(text).toContain('(labuser, other)');
    expect(text).toContain('Each instance needs its own certificate');
    await fireEvent.change(screen.getByLabelText('Profile'), { target: { value: 'second' } });
    await fireEvent.input(screen.getByLabelText('Instance ID'), { target: { value: 'lab2' } });
    expect(screen.queryByText(/is used by more than one profile/)).toBeNull();
  });

  it('creates, switches and deletes profiles in the draft; Cancel restores the saved ones and closes', async () => {
    const { fake, onclose } = await renderTab();
    await fireEvent.click(button('New profile'));
    await fireEvent.input(screen.getByLabelText('User name'), { target: { value: 'second' } });
    expect(prefs.draft?.profiles.map((p) => p.id)).toEqual(['lab', 'profile-2']);
    await fireEvent.click(button('Delete profile'));
    await fireEvent.click(button('Delete profile'));
    expect(prefs.draft?.profiles).toEqual([]);
    expect(screen.getByText(/No profile is selected/)).toBeTruthy();
    await fireEvent.click(button('Cancel'));
    expect(prefs.draft?.profiles.map((p) => p.id)).toEqual(['lab']);
    expect(onclose).toHaveBeenCalledOnce();
    expect(fake.channels()).toEqual(['settings:get']);
  });

  it('forgets typed invalid text when another profile is picked', async () => {
    await renderTab(settingsWith([labProfile(), labProfile({ id: 'second', instanceId: 'lab2' })]));
    await fireEvent.input(screen.getByLabelText('Number of retries'), { target: { value: '7' } });
    expect(button('Apply')).toHaveProperty('disabled', true);
    await fireEvent.change(screen.getByLabelText('Profile'), { target: { value: 'second' } });
    expect(screen.getByLabelText('Instance ID')).toHaveProperty('value', 'lab2');
    expect(screen.getByLabelText('Number of retries')).toHaveProperty('value', '0');
    expect(button('Apply')).toHaveProperty('disabled', false);
  });

  it('OK saves and then closes the window', async () => {
    const { fake, onclose } = await renderTab();
    await fireEvent.input(screen.getByLabelText('User name'), { target: { value: 'renamed' } });
    await fireEvent.click(button('OK'));
    await vi.waitFor(() => expect(onclose).toHaveBeenCalledOnce());
    expect(fake.channels()).toEqual(['settings:get', 'settings:save']);
    expect(prefs.saved?.profiles[0]?.userName).toBe('renamed');
  });
});
