/**
 * The Import… dialog of the Security tab: a file is read as text in the window, previewed by the core's
 * parser (warnings, refusals, "auth code present"), and imported only when nothing is refused.
 */
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import ImportDialog from '../../renderer/src/components/ImportDialog.svelte';
import { loadSettings, prefs } from '../../renderer/src/state/settings.svelte.ts';
import SecurityTab from '../../renderer/src/tabs/SecurityTab.svelte';
import { importHandlers, installFakeApi, labProfile, settingsWith } from './fake-api.ts';

const JTAPI = 'TraceLevel=1\r\nSecurityProperty=agent,Desk1,12345678,10.0.0.5,3804,10.0.0.6,69,C:\\JTAPI,true,,false;agent,Desk2,,10.0.0.5,,10.0.0.6;\r\n';
const GENESYS_DUPLICATE = '[link-tls]\ntls-capf-host=10.0.0.5\ntls-tftp-host=10.0.0.6\n[link-a]\ntls-instance-id=Same1\n[link-b]\ntls-instance-id=Same1\n';

function pick(input: HTMLElement, name: string, content: BlobPart) {
  const file = new File([content], name, { type: 'text/plain' });
  Object.defineProperty(input, 'files', { value: [file], configurable: true });
  return fireEvent.change(input);
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('Import dialog', () => {
  it('previews a jtapi.ini: profiles with user, instance ID and servers, the auth code only as present', async () => {
    const fake = installFakeApi(importHandlers(settingsWith([])));
    const onimported = vi.fn();
    render(ImportDialog, { onclose: vi.fn(), onimported });
    await pick(screen.getByLabelText('File'), 'jtapi.ini', JTAPI);
    const table = await screen.findByRole('table');
    const rows = within(table).getAllByRole('row').slice(1).map((row) => row.textContent);
    expect(rows).toEqual(['record 1agentDesk110.0.0.6:6910.0.0.5:3804present, not stored', 'record 2agentDesk210.0.0.6:6910.0.0.5:3804—']);
    expect(screen.getByText('These 2 profiles will be created:')).toBeTruthy();
    expect(screen.getByRole('status').textContent).toContain('Certificate path "C:\\JTAPI" is not used');
    expect(document.body.textContent).not.toContain('12345678');
    expect(fake.calls).toEqual([{ channel: 'import:preview', request: { kind: 'jtapi', text: JTAPI, userName: '' } }]);

    await fireEvent.click(screen.getByRole('button', { name: 'Import' }));
    await waitFor(() => expect(onimported).toHaveBeenCalledOnce());
    expect(onimported.mock.calls[0]![0].profiles.map((p: { instanceId: string }) => p.instanceId)).toEqual(['Desk1', 'Desk2']);
  });

  it('shows a Genesys refusal naming both sections, and Import stays disabled', async () => {
    const fake = installFakeApi(importHandlers(settingsWith([])));
    render(ImportDialog, { onclose: vi.fn(), onimported: vi.fn() });
    await fireEvent.click(screen.getByLabelText('Genesys T-Server for Cisco UCM (options export)'));
    await fireEvent.input(screen.getByLabelText('User name'), { target: { value: 'tserver' } });
    await pick(screen.getByLabelText('File'), 'tserver.cfg', GENESYS_DUPLICATE);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Instance ID Same1 is in both section [link-a] and section [link-b]');
    expect(screen.getByRole('button', { name: 'Import' })).toHaveProperty('disabled', true);
    expect(fake.channels()).not.toContain('import:apply');
  });

  it('refuses an oversized or binary file in the window, without asking the core', async () => {
    const fake = installFakeApi(importHandlers(settingsWith([])));
    render(ImportDialog, { onclose: vi.fn(), onimported: vi.fn() });
    await pick(screen.getByLabelText('File'), 'big.ini', new Uint8Array(256 * 1024 + 1));
    expect((await screen.findByRole('alert')).textContent).toBe('big.ini is larger than 262144 bytes: this is not a jtapi.ini or an options export');
    await pick(screen.getByLabelText('File'), 'bin.ini', new Uint8Array([0x53, 0xc3, 0x28, 0x00]));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toMatch(/^bin.ini: Import file is not valid UTF-8 text/));
    expect(fake.calls).toEqual([]);
  });

  it('opens from the Security tab, and the imported profiles appear in the profile list', async () => {
    const handlers = importHandlers(settingsWith([labProfile()]));
    installFakeApi(handlers);
    await loadSettings();
    render(SecurityTab, { onclose: vi.fn() });
    await fireEvent.click(screen.getByRole('button', { name: 'Import…' }));
    await pick(screen.getByLabelText('File'), 'jtapi.ini', JTAPI);
    await screen.findByRole('table');
    await fireEvent.click(screen.getByRole('button', { name: 'Import' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    await waitFor(() => expect(prefs.applyNotice).toBe('Imported 2 profile(s).'));
    const options = within(screen.getByLabelText('Profile')).getAllByRole('option').map((o) => o.textContent);
    expect(options).toHaveLength(3);
    expect(handlers.saved().profiles.map((p) => p.instanceId)).toEqual(['lab1', 'Desk1', 'Desk2']);
  });
});
