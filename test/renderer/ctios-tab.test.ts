import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ctiosChoices, DEFAULT_CTIOS_FOLDER } from '../../renderer/src/state/ctios.svelte.ts';
import CtiosTab from '../../renderer/src/tabs/CtiosTab.svelte';
import { defaultCtiosSettings, type CtiosSettings } from '../../shared/ctios-fields.ts';
import type { CheckReport, CtiosTestResult } from '../../shared/ctios-model.ts';
import { ctiosFolder, installFakeApi, ipcError, type FakeApi, type Handlers, visibleText as text } from './fake-api.ts';

const HOME_DIR = '/home/agent/.config/ctiprefs/ctios';
const button = (name: string | RegExp) => screen.getByRole('button', { name });

function describedText(input: HTMLElement): string {
  return (input.getAttribute('aria-describedby') ?? '')
    .split(/\s+/)
    .map((id) => document.getElementById(id)?.textContent ?? '')
    .join(' ');
}

/** The tab over fakes that keep the settings and answer the folder state with `present` files. */
async function renderTab(extra: Handlers = {}, present: string[] = []): Promise<FakeApi> {
  let settings: CtiosSettings = defaultCtiosSettings();
  const fake = installFakeApi({
    'ctios:state': () => ctiosFolder(HOME_DIR, present),
    'ctios:settings-get': () => settings,
    'ctios:settings-set': ({ role, changes }) => {
      settings = structuredClone(settings);
      Object.assign(settings[role].values, changes);
      return settings;
    },
    ...extra,
  });
  render(CtiosTab);
  await screen.findByRole('table', { name: `Files in ${HOME_DIR}` });
  return fake;
}

beforeEach(() => {
  Object.assign(ctiosChoices, { caDir: DEFAULT_CTIOS_FOLDER, dir: DEFAULT_CTIOS_FOLDER, role: 'client', subject: '', server: '' });
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('CTI OS tab: the flow', () => {
  it('has one h2, an h3 per step and an h4 per settings role, and shows which files the folder holds', async () => {
    const fake = await renderTab({}, ['CtiosRootCert.pem', 'CtiosRoot.pem']);
    expect(screen.getAllByRole('heading', { level: 2 }).map(text)).toEqual(['CTI OS security']);
    expect(screen.getAllByRole('heading', { level: 3 }).map(text)).toEqual([
      'Folders and role',
      '1. Certificate authority',
      '2. Certificate request',
      '3. Certificate',
      '4. Check',
      '5. Test',
      'Registry settings',
    ]);
    expect(screen.getAllByRole('heading', { level: 4 }).map(text)).toEqual(['Settings: CTI OS client (CTI Toolkit desktop)', 'Settings: CTI OS server']);
    expect(fake.calls.filter((c) => c.channel === 'ctios:state').map((c) => c.request)).toEqual([{ dir: 'ctios' }, { dir: 'ctios' }]);
    const table = screen.getByRole('table', { name: `Files in ${HOME_DIR}` });
    const row = (name: string) => within(table).getByRole('row', { name: new RegExp(`^${name}`) });
    expect(text(row('CtiosRootCert.pem'))).toContain('present');
    expect(text(row('CtiosClient.pem'))).toContain('missing');
    // The CA folder is the set folder here: one table, not two.
    expect(screen.getAllByRole('table', { name: /^Files in / })).toHaveLength(1);
  });

  it('checks the CA password as typed (8 to 30 characters, both the same) and never keeps it', async () => {
    const fake = await renderTab({
      'ctios:ca-create': ({ dir }) => ({
        dir: HOME_DIR,
        keyFile: 'CtiosRoot.pem',
        certificateFile: 'CtiosRootCert.pem',
        subject: `CN=CTI OS Root CA, OU=CTI OS Security (${dir})`,
        notAfter: '2036-12-01T00:00:00Z',
        fingerprint256: 'AB:CD',
      }),
    });
    const password = screen.getByLabelText('New CA password');
    const again = screen.getByLabelText('Repeat CA password');
    expect(password).toHaveProperty('type', 'password');
    const create = button('Create CA');
    for (const [typed, error] of [
      ['1234567', 'CA password must be 8 to 30 characters without control characters (got 7)'],
      ['x'.repeat(31), 'CA password must be 8 to 30 characters without control characters (got 31)'],
    ] as const) {
      await fireEvent.input(password, { target: { value: typed } });
      await fireEvent.input(again, { target: { value: typed } });
      expect(describedText(password)).toContain(error);
      expect(create).toHaveProperty('disabled', true);
    }
    await fireEvent.input(password, { target: { value: '12345678' } });
    await fireEvent.input(again, { target: { value: '12345679' } });
    expect(describedText(again)).toContain('The two CA passwords differ');
    expect(create).toHaveProperty('disabled', true);
    await fireEvent.input(password, { target: { value: 'x'.repeat(30) } });
    await fireEvent.input(again, { target: { value: 'x'.repeat(30) } });
    expect(describedText(password)).not.toContain('CA password must');
    await fireEvent.click(create);
    await screen.findByText(/^CA created in/);
    expect(fake.calls.find((c) => c.channel === 'ctios:ca-create')?.request).toEqual({ dir: 'ctios', password: 'x'.repeat(30) });
    expect(password).toHaveProperty('value', '');
    expect(again).toHaveProperty('value', '');
    // After the step the folder is shown again.
    expect(fake.channels().slice(-2)).toEqual(['ctios:state', 'ctios:state']);
  });

  it('makes the request for the chosen role and signs it with the CA password', async () => {
    const fake = await renderTab({
      'ctios:request': ({ role }) => ({ role, dir: HOME_DIR, keyFile: 'CtiosServerKey.pem', requestFile: 'CtiosServerReq.pem' }),
      'ctios:sign': () => ({ role: 'server', dir: HOME_DIR, file: 'CtiosServer.pem', subject: 'CN=ctios-1', notAfter: '2031-12-01T00:00:00Z', rootCopied: true }),
    });
    await fireEvent.change(screen.getByLabelText('Role'), { target: { value: 'server' } });
    await fireEvent.input(screen.getByLabelText('Subject'), { target: { value: 'CN=ctios-1' } });
    await fireEvent.click(button('Make server request'));
    expect(text(await screen.findByText(/^Made CtiosServerReq.pem/))).toContain('its key CtiosServerKey.pem (unencrypted');
    expect(fake.calls.find((c) => c.channel === 'ctios:request')?.request).toEqual({ dir: 'ctios', role: 'server', subject: 'CN=ctios-1' });

    const sign = button('Sign CtiosServerReq.pem');
    expect(sign).toHaveProperty('disabled', true);
    await fireEvent.input(screen.getByLabelText('CA password'), { target: { value: 'correct-horse' } });
    await fireEvent.click(sign);
    const signed = await screen.findByText(/^Signed: CtiosServer.pem/);
    expect(text(signed)).toContain('CtiosRootCert.pem copied beside it');
    expect(text(signed)).toContain('Copy both to the CTI OS server');
    expect(fake.calls.find((c) => c.channel === 'ctios:sign')?.request).toEqual({ caDir: 'ctios', dir: 'ctios', role: 'server', password: 'correct-horse' });
    expect(screen.getByLabelText('CA password')).toHaveProperty('value', '');
  });

  it('shows a wrong CA password as the error the core names', async () => {
    await renderTab({
      'ctios:sign': () => {
        throw ipcError('BAD_INPUT', 'The CA password does not open /x/CtiosRoot.pem: it is not the password this CA was created with');
      },
    });
    await fireEvent.input(screen.getByLabelText('CA password'), { target: { value: 'wrong-password' } });
    await fireEvent.click(button('Sign CtiosClientreq.pem'));
    expect(text(await screen.findByRole('alert'))).toContain('BAD_INPUT: The CA password does not open');
  });

  it('combines a third-party certificate, offering the clean-up the procedure asks for', async () => {
    const fake = await renderTab({
      'ctios:combine': ({ cleanup }) => ({
        dir: HOME_DIR,
        file: 'CtiosClient.pem',
        subject: 'CN=desk-1',
        issuer: 'CN=Corporate CA',
        deleted: cleanup ? ['CtiosClientCert.pem', 'CtiosClientkey.pem'] : [],
      }),
    });
    const cleanup = screen.getByLabelText('Then delete CtiosClientCert.pem and CtiosClientkey.pem, as the procedure says');
    expect(cleanup).toHaveProperty('checked', true);
    await fireEvent.click(cleanup);
    await fireEvent.click(button('Combine into CtiosClient.pem'));
    const combined = await screen.findByText(/^Combined: CtiosClient.pem/);
    expect(text(combined)).toContain('issued by CN=Corporate CA');
    expect(text(combined)).not.toContain('Deleted');
    expect(fake.calls.find((c) => c.channel === 'ctios:combine')?.request).toEqual({ dir: 'ctios', role: 'client', cleanup: false });
  });

  it('lists the check findings by name, in words', async () => {
    const report: CheckReport = {
      role: 'client',
      dir: HOME_DIR,
      ok: false,
      files: [],
      findings: [
        { finding: 'key-before-certificate', severity: 'error', file: 'CtiosClient.pem', message: 'CtiosClient.pem has the key before the certificate; the order is very important' },
        { finding: 'leftover-file', severity: 'warning', file: 'CtiosClientkey.pem', message: 'CtiosClientkey.pem is still here' },
      ],
    };
    await renderTab({ 'ctios:check': () => report });
    await fireEvent.click(button('Check the client set'));
    expect(text(await screen.findByText(/^The client set in/))).toBe(`The client set in ${HOME_DIR} is not usable:`);
    const items = screen.getAllByRole('listitem').map(text);
    expect(items).toEqual([
      'key-before-certificate (error): CtiosClient.pem has the key before the certificate; the order is very important',
      'leftover-file (warning): CtiosClientkey.pem is still here',
    ]);
  });

  it('tests against HOST:PORT only, and says the outcome in words', async () => {
    const result: CtiosTestResult = {
      ok: false,
      outcome: 'handshake-too-slow',
      server: '127.0.0.1:42028',
      message: 'The TLS handshake with 127.0.0.1:42028 did not complete within HandShakeTime (5 s)',
      clientSubject: 'CN=desk-1',
    };
    const fake = await renderTab({ 'ctios:test': () => result });
    const server = screen.getByLabelText('CTI OS server');
    const run = button('Test connection');
    expect(run).toHaveProperty('disabled', true);
    await fireEvent.input(server, { target: { value: '127.0.0.1' } });
    expect(describedText(server)).toContain('CTI OS server must be HOST:PORT (CTI OS has no fixed port)');
    expect(run).toHaveProperty('disabled', true);
    await fireEvent.input(server, { target: { value: '127.0.0.1:42028' } });
    await fireEvent.click(run);
    expect(text(await screen.findByText(/^Failed \(handshake-too-slow\)/))).toContain('did not complete within HandShakeTime (5 s)');
    expect(fake.calls.find((c) => c.channel === 'ctios:test')?.request).toEqual({ dir: 'ctios', server: '127.0.0.1:42028' });
  });

  it('takes a folder from the native dialog, and says when there is none (the preview)', async () => {
    let picked: string | null = '/mnt/share/ctios-ca';
    const fake = await renderTab({
      'folders:pick': () => {
        if (picked === null) throw ipcError('BAD_INPUT', 'Choosing a folder needs the desktop app; here, use a folder under /home/agent');
        return picked;
      },
    });
    await fireEvent.click(button('Choose CA folder…'));
    await vi.waitFor(() => expect(screen.getByLabelText('CA folder')).toHaveProperty('value', '/mnt/share/ctios-ca'));
    await vi.waitFor(() => expect(fake.calls.at(-1)).toEqual({ channel: 'ctios:state', request: { dir: '/mnt/share/ctios-ca' } }));
    expect(screen.getByLabelText('Set folder')).toHaveProperty('value', 'ctios');
    picked = null;
    await fireEvent.click(button('Choose set folder…'));
    expect(text(await screen.findByRole('alert'))).toContain('Choosing a folder needs the desktop app');
    expect(screen.getByLabelText('Set folder')).toHaveProperty('value', 'ctios');
  });

  it('shows a folder the core refuses (outside the home, not picked) as an error', async () => {
    installFakeApi({
      'ctios:state': ({ dir }) => {
        throw ipcError('BAD_INPUT', `Set folder: ${dir} is outside /home/agent/.config/ctiprefs`);
      },
      'ctios:settings-get': () => defaultCtiosSettings(),
    });
    ctiosChoices.dir = '/etc';
    render(CtiosTab);
    expect(text(await screen.findByRole('alert'))).toContain('Set folder: /etc is outside');
  });
});

describe('CTI OS tab: registry settings', () => {
  it('validates each value with the shared rules and saves only what changed', async () => {
    const fake = await renderTab();
    const handShake = await screen.findByLabelText('HandShakeTime');
    expect(handShake).toHaveProperty('value', '5');
    expect(describedText(handShake)).toContain('1 to 300 seconds; default 5');
    const save = button('Save client settings');
    expect(save).toHaveProperty('disabled', true);
    await fireEvent.input(handShake, { target: { value: '0' } });
    expect(describedText(handShake)).toContain('HandShakeTime must be 1 to 300 seconds');
    expect(save).toHaveProperty('disabled', true);
    await fireEvent.input(handShake, { target: { value: '10' } });
    await fireEvent.change(screen.getAllByLabelText('CAType')[0]!, { target: { value: '2' } });
    await fireEvent.click(save);
    await vi.waitFor(() => expect(fake.channels()).toContain('ctios:settings-set'));
    expect(fake.calls.find((c) => c.channel === 'ctios:settings-set')?.request).toEqual({ role: 'client', changes: { HandShakeTime: 10, CAType: 2 } });
    await screen.findByText('Saved.');
    expect(save).toHaveProperty('disabled', true);
  });

  it('refuses a NumBytesRenegotiation under the chapter minimum and an InstanceName with a backslash', async () => {
    await renderTab();
    const bytes = await screen.findByLabelText('NumBytesRenegotiation');
    await fireEvent.input(bytes, { target: { value: '9999999' } });
    expect(describedText(bytes)).toContain('NumBytesRenegotiation must be 10000000 to 4294967295 bytes');
    await fireEvent.input(bytes, { target: { value: '10000000' } });
    const instance = screen.getByLabelText('InstanceName');
    await fireEvent.input(instance, { target: { value: 'a\\b' } });
    expect(describedText(instance)).toContain('InstanceName must be 1 to 64 printable characters without a backslash');
    expect(button('Save server settings')).toHaveProperty('disabled', true);
  });

  it('exports the .reg bytes as a download and imports a chosen .reg file', async () => {
    const regBytes = Uint8Array.from([0xff, 0xfe, 0x57, 0x00]);
    const imported = defaultCtiosSettings();
    imported.client.values.HandShakeTime = 42;
    const fake = await renderTab({
      'ctios:reg-export': () => ({ fileName: 'ctios-client.reg', key: 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Cisco Systems, Inc.\\CTI OS Client', base64: '//5XAA==' }),
      'ctios:reg-import': ({ role }) => ({ role, key: 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Cisco Systems, Inc.\\CTI OS Client', imported: ['HandShakeTime'], ignored: ['Other'], settings: imported }),
    });
    const blobs: Blob[] = [];
    vi.stubGlobal('URL', Object.assign(URL, { createObjectURL: (blob: Blob) => (blobs.push(blob), 'blob:reg'), revokeObjectURL: () => undefined }));
    const clicked = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined);
    await fireEvent.click(await screen.findByRole('button', { name: 'Export client .reg' }));
    await screen.findByText(/^Exported the saved values as ctios-client.reg/);
    expect(clicked).toHaveBeenCalledTimes(1);
    expect(new Uint8Array(await blobs[0]!.arrayBuffer())).toEqual(regBytes);

    const input = screen.getByLabelText('Import client .reg…') as HTMLInputElement;
    const file = new File([regBytes], 'client.reg');
    Object.defineProperty(input, 'files', { value: [file], configurable: true });
    await fireEvent.change(input);
    await screen.findByText(/^Imported HandShakeTime from/);
    expect(fake.calls.find((c) => c.channel === 'ctios:reg-import')?.request).toEqual({ role: 'client', base64: '//5XAA==' });
    expect(text(screen.getByText(/^Imported HandShakeTime/))).toContain('Ignored (not CTI OS security values): Other.');
    await vi.waitFor(() => expect(screen.getByLabelText('HandShakeTime')).toHaveProperty('value', '42'));
  });
});
