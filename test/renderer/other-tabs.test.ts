import { COMPROMISED_ADVICE } from '../../shared/texts.ts';
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import App from '../../renderer/src/App.svelte';
import { followProgress } from '../../renderer/src/state/status.svelte.ts';
import CertificatesTab from '../../renderer/src/tabs/CertificatesTab.svelte';
import ConnectionTab from '../../renderer/src/tabs/ConnectionTab.svelte';
import StatusTab from '../../renderer/src/tabs/StatusTab.svelte';
import TrustListTab from '../../renderer/src/tabs/TrustListTab.svelte';
import type { CertificateEntry, TrustListInfo } from '../../shared/model.ts';
import { CERTIFICATE_FOLDER_ID, certificateInfo, installFakeApi, ipcError, labProfile, settingsHandlers, settingsWith, type FakeApi, type Handlers, visibleText as text, installLoadedFakeApi } from './fake-api.ts';

const settings = settingsWith([labProfile(), labProfile({ id: 'second', userName: 'other', instanceId: 'lab2' })]);

async function setup(extra: Handlers = {}): Promise<FakeApi> {
  return installLoadedFakeApi({ ...settingsHandlers(settings), ...extra });
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('Certificate status tab', () => {
  let fake: FakeApi;
  let stop: () => void;
  beforeEach(async () => {
    fake = await setup({ 'status:get': () => ({ second: { state: 'pending', since: '2026-11-22T05:00:00Z' } }) });
    stop = followProgress();
  });
  afterEach(() => stop());

  it('shows one region per profile with its state, live from progress events', async () => {
    render(StatusTab);
    const lab = screen.getByRole('region', { name: 'Status of lab' });
    expect(text(lab)).toContain('No certificate operation');
    expect(text(screen.getByRole('region', { name: 'Status of second' }))).toContain('Pending');

    const nextAttemptAt = new Date(Date.now() + 10_000).toISOString();
    fake.emit({
      profileId: 'lab',
      status: { state: 'in-progress', since: 'x', step: 'retry-wait', attempt: 1, maxAttempts: 3, nextAttemptAt },
      message: 'Waiting 10 s before attempt 2.',
    });
    await vi.waitFor(() => expect(text(lab)).toContain('In progress'));
    expect(text(lab)).toContain('Waiting before the next attempt: attempt 1 of 3.');
    expect(text(lab)).toMatch(/Next attempt in \d+ s\./);
    expect(text(lab)).toContain('Waiting 10 s before attempt 2.');

    fake.emit({
      profileId: 'lab',
      status: {
        state: 'failed',
        at: '2026-11-22T05:01:00Z',
        code: 'CERT_COMPROMISED',
        message: 'CTIManager refused the certificate',
        hint: 'Delete the CAPF profile and use a new instance ID.',
        tspError: 0x11,
      },
      message: 'Failed.',
    });
    await vi.waitFor(() => expect(text(lab)).toContain('Failed'));
    expect(text(lab)).toContain('CERT_COMPROMISED: CTIManager refused the certificate');
    expect(text(lab)).toContain('TSP error 0x00000011');
    expect(text(lab)).toContain('Delete the CAPF profile and use a new instance ID.');

    fake.emit({ profileId: 'lab', status: { state: 'succeeded', at: 'x', outcome: 'installed', fingerprintSha256: 'ab'.repeat(32) }, message: 'Done.' });
    await vi.waitFor(() => expect(text(lab)).toContain('Succeeded'));
    expect(text(lab)).toContain('Certificate installed');
  });

  it('counts down to the next attempt', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval'], now: new Date('2026-11-22T05:00:00Z') });
    try {
      render(StatusTab);
      fake.emit({
        profileId: 'lab',
        status: { state: 'in-progress', since: 'x', step: 'retry-wait', attempt: 2, maxAttempts: 4, nextAttemptAt: '2026-11-22T05:00:10Z' },
        message: 'Waiting.',
      });
      const lab = screen.getByRole('region', { name: 'Status of lab' });
      await vi.waitFor(() => expect(text(lab)).toContain('Next attempt in 10 s.'));
      expect(text(lab)).toContain('attempt 2 of 4');
      vi.advanceTimersByTime(3000);
      await vi.waitFor(() => expect(text(lab)).toContain('Next attempt in 7 s.'));
      vi.advanceTimersByTime(60_000);
      await vi.waitFor(() => expect(text(lab)).toContain('Next attempt in 0 s.'));
    } finally {
      vi.useRealTimers();
    }
  });

  it('stops a running update on request', async () => {
    const stopped = vi.fn();
    fake = await setup({
      'status:get': () => ({ lab: { state: 'in-progress', since: 'x', step: 'capf-connect', attempt: 1, maxAttempts: 1 } }),
      'enroll:cancel': stopped,
    });
    render(StatusTab);
    await fireEvent.click(screen.getByRole('button', { name: 'Stop certificate update lab' }));
    await vi.waitFor(() => expect(stopped).toHaveBeenCalledWith({ profileId: 'lab' }));
  });
});

describe('Certificates tab', () => {
  const FOLDER = CERTIFICATE_FOLDER_ID;
  const cert = certificateInfo;
  let list: CertificateEntry[];
  let fake: FakeApi;

  beforeEach(async () => {
    list = [cert('lab1'), cert('lab2', { expired: true, daysLeft: -3 }), cert('lab3', { expiringSoon: true, daysLeft: 5, keyType: 'EC', keySize: 'P-256' })];
    fake = await setup({
      'certs:list': () => list,
      'certs:export-pem': ({ instanceId }) => `-----BEGIN CERTIFICATE-----\n${instanceId}\n-----END CERTIFICATE-----\n`,
      'certs:delete': ({ folderId, instanceId }) => {
        list = list.filter((c) => c.instanceId !== instanceId || c.folderId !== folderId);
      },
    });
  });

  it('lists a keystore that cannot be opened, marked, and can still delete it', async () => {
    list = [cert('lab1'), { folderId: FOLDER, instanceId: 'lost1', profileIds: [], error: { code: 'KEYSTORE', message: 'its password is not in the OS credential vault' } }];
    render(CertificatesTab);
    const table = await screen.findByRole('table');
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(2);
    expect(text(rows[1]!)).toContain('Cannot be opened (KEYSTORE)');
    expect(text(rows[1]!)).toContain('its password is not in the OS credential vault');
    expect(screen.queryByRole('button', { name: 'Export PEM lost1' })).toBeNull();
    await fireEvent.click(screen.getByRole('button', { name: 'Delete certificate lost1' }));
    await fireEvent.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Delete' }));
    await vi.waitFor(() => expect(screen.queryByRole('button', { name: 'Delete certificate lost1' })).toBeNull());
    expect(fake.calls.find((c) => c.channel === 'certs:delete')?.request).toEqual({ folderId: FOLDER, instanceId: 'lost1' });
  });

  it('lists every certificate with its details, marking expired and expiring ones', async () => {
    render(CertificatesTab);
    const table = await screen.findByRole('table');
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(3);
    expect(text(rows[0]!)).toContain('CN=lab1');
    expect(text(rows[0]!)).toContain('CN=CAPF-lab');
    expect(text(rows[0]!)).toContain('0a1b');
    expect(text(rows[0]!)).toContain('40 days left');
    expect(text(rows[0]!)).toContain('RSA 2048');
    expect(text(rows[0]!)).toContain('AB:AB:AB');
    expect(text(rows[1]!)).toContain('Expired');
    expect(text(rows[2]!)).toContain('Expires soon: 5 days left');
    expect(text(rows[2]!)).toContain('EC P-256');
  });

  it('exports the PEM as a file download', async () => {
    const createObjectURL = vi.fn((_: Blob) => 'blob:fake');
    // jsdom has no object URLs; a subclass keeps the real URL untouched for other tests.
    vi.stubGlobal(
      'URL',
      class extends URL {
        static override createObjectURL = createObjectURL;
        static override revokeObjectURL = vi.fn();
      },
    );
    const clicks: HTMLAnchorElement[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicks.push(this);
    });
    render(CertificatesTab);
    await fireEvent.click(await screen.findByRole('button', { name: 'Export PEM lab1' }));
    await vi.waitFor(() => expect(clicks).toHaveLength(1));
    expect(clicks[0]?.download).toBe('lab1.pem');
    expect(clicks[0]?.href).toBe('blob:fake');
    const blob = createObjectURL.mock.calls[0]![0];
    expect(await blob.text()).toContain('-----BEGIN CERTIFICATE-----\nlab1');
  });

  it('deletes a certificate only after confirmation', async () => {
    render(CertificatesTab);
    const remove = await screen.findByRole('button', { name: 'Delete certificate lab2' });
    await fireEvent.click(remove);
    const dialog = screen.getByRole('alertdialog');
    expect(text(dialog)).toContain('instance lab2');
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(fake.channels()).not.toContain('certs:delete');
    expect(document.activeElement).toBe(remove);

    await fireEvent.click(remove);
    await fireEvent.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Delete' }));
    await vi.waitFor(() => expect(screen.queryByRole('button', { name: 'Delete certificate lab2' })).toBeNull());
    expect(fake.calls.find((c) => c.channel === 'certs:delete')?.request).toEqual({ folderId: FOLDER, instanceId: 'lab2' });
    expect(within(screen.getByRole('table')).getAllByRole('row')).toHaveLength(3);
    await vi.waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Refresh' })));
  });
});

describe('Trust list tab', () => {
  const trustList: TrustListInfo = {
    signerSubject: 'CN=ITLRECOVERY_lab',
    signerFingerprintSha256: 'cd'.repeat(32),
    hashAlgorithm: 'SHA-256',
    timestamp: '2026-11-01T00:00:00Z',
    firstTrustedAt: '2026-11-02T00:00:00Z',
    updatedAt: '2026-11-02T00:00:00Z',
    source: '127.0.0.1:6969',
    fileName: 'CTLFile.tlv',
    trustedOnFirstUse: true,
    warnings: [],
    records: [{ role: 0, roleName: 'SAST', subject: 'CN=SAST', issuer: 'CN=SAST', serialNumber: '01' }],
  };

  it('shows which file name the cluster served the trust list under', async () => {
    await setup({ 'ctl:get': () => ({ ...trustList, fileName: 'CTLCAPF7f000001.tlv' }) });
    render(TrustListTab);
    expect(await screen.findByText('CTLCAPF7f000001.tlv')).toBeTruthy();
  });

  it('shows the weaknesses of the signature', async () => {
    await setup({ 'ctl:get': () => ({ ...trustList, hashAlgorithm: 'SHA-1', warnings: ['The CTL is signed with SHA-1, weak.'] }) });
    render(TrustListTab);
    expect(await screen.findByText('The CTL is signed with SHA-1, weak.')).toBeTruthy();
  });

  it('shows the trusted CTL, the first-use warning and its records', async () => {
    await setup({ 'ctl:get': () => trustList });
    render(TrustListTab);
    await screen.findByText('CN=ITLRECOVERY_lab');
    expect(screen.getByText(/trusted on first use/)).toBeTruthy();
    expect(screen.getByText('SHA-256')).toBeTruthy();
    expect(text(screen.getByRole('table'))).toContain('SAST (0)');
  });

  it('keeps the records table in a named region that scrolls sideways, and names a repeated issuer once', async () => {
    await setup({
      'ctl:get': () => ({
        ...trustList,
        records: [...trustList.records, { role: 4, roleName: 'CAPF', subject: 'CN=CAPF-lab', issuer: 'CN=Lab CA, O=ctiprefs lab', serialNumber: '02' }],
      }),
    });
    render(TrustListTab);
    const region = await screen.findByRole('region', { name: 'CTL records' });
    // jsdom cannot measure the overflow, so the region stays keyboard-scrollable, as it is while too wide.
    expect(region.getAttribute('tabindex')).toBe('0');
    const rows = within(within(region).getByRole('table')).getAllByRole('row').slice(1);
    expect(text(rows[0]!)).toContain('Same as subject');
    expect(text(rows[1]!)).toContain('CN=Lab CA, O=ctiprefs lab');
    expect(text(rows[1]!)).not.toContain('Same as subject');
  });

  it('reports unchanged, updated and a rejected CTL', async () => {
    const outcomes = ['unchanged', 'updated'] as const;
    let call = 0;
    const fake = await setup({
      'ctl:get': () => trustList,
      'ctl:check-update': () => {
        const outcome = outcomes[call++];
        if (!outcome) throw ipcError('CTL_COMPROMISED', 'The new CTL is signed by CN=intruder');
        return { outcome, trustList: { ...trustList, trustedOnFirstUse: false } };
      },
    });
    render(TrustListTab);
    const check = await screen.findByRole('button', { name: 'Check for update' });
    await fireEvent.click(check);
    await screen.findByText(/unchanged/);
    expect(screen.queryByText(/trusted on first use/)).toBeNull();
    await fireEvent.click(check);
    await screen.findByText(/The CTL was updated/);
    await fireEvent.click(check);
    const alert = await screen.findByRole('alert');
    expect(text(alert)).toContain('CTL_COMPROMISED: The new CTL is signed by CN=intruder');
    expect(text(alert)).toContain('the trusted CTL was kept');
    expect(fake.calls.filter((c) => c.channel === 'ctl:check-update').map((c) => c.request)).toEqual([
      { profileId: 'lab' },
      { profileId: 'lab' },
      { profileId: 'lab' },
    ]);
  });

  it('forgets the trusted list after a confirmation that shows its fingerprint; the next check is a first use', async () => {
    let stored: TrustListInfo | null = trustList;
    const fake = await setup({
      'ctl:get': () => stored,
      'ctl:forget': () => {
        stored = null;
        return { forgotten: true };
      },
      'ctl:check-update': () => ({ outcome: 'first-use', trustList }),
    });
    render(TrustListTab);
    const forget = await screen.findByRole('button', { name: 'Forget trusted list' });
    await fireEvent.click(forget);
    const dialog = screen.getByRole('alertdialog');
    expect(text(dialog)).toContain(`signer SHA-256 ${'cd'.repeat(32)}`);
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(fake.channels()).not.toContain('ctl:forget');

    await fireEvent.click(forget);
    await fireEvent.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Forget' }));
    await screen.findByText(/The trusted list was forgotten/);
    expect(screen.getByText(/No CTL is trusted for this profile yet/)).toBeTruthy();
    expect(fake.calls.find((c) => c.channel === 'ctl:forget')?.request).toEqual({ profileId: 'lab' });
    await fireEvent.click(screen.getByRole('button', { name: 'Check for update' }));
    await screen.findByText(/accepted without verification \(first use\)/);
  });

  it('offers to forget a tampered trusted list, which cannot be shown', async () => {
    const fake = await setup({
      'ctl:get': () => {
        throw ipcError('CTL_TAMPERED', 'Stored CTL: ctl-trust.json fails its integrity check');
      },
      'ctl:forget': () => ({ forgotten: true }),
    });
    render(TrustListTab);
    await screen.findByText(/fails its integrity check/);
    await fireEvent.click(screen.getByRole('button', { name: 'Forget trusted list' }));
    expect(text(screen.getByRole('alertdialog'))).toContain('failed its integrity check');
    await fireEvent.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Forget' }));
    await screen.findByText(/The trusted list was forgotten/);
    expect(fake.channels()).toContain('ctl:forget');
    expect(screen.queryByText(/fails its integrity check/)).toBeNull();
  });
});

describe('Test connection tab', () => {
  it('tests the picked profile and says the result in plain words', async () => {
    const fake = await setup({
      'connection:test': () => ({ ok: true, message: 'TLS handshake with CTIManager succeeded.', server: '127.0.0.1:2749', protocol: 'TLSv1.2' }),
    });
    render(ConnectionTab);
    await fireEvent.click(screen.getByRole('button', { name: 'Test secure connection' }));
    await screen.findByText(/TLS handshake with CTIManager succeeded/);
    expect(screen.getByText(/127\.0\.0\.1:2749 over TLSv1\.2/)).toBeTruthy();
    expect(fake.calls.at(-1)).toEqual({ channel: 'connection:test', request: { profileId: 'lab' } });
  });

  it('names the server certificate once', async () => {
    const subject = 'CN=cucm-lab, O=ctiprefs lab';
    let message = `TLS 1.3 to ${subject}, client certificate accepted.`;
    await setup({ 'connection:test': () => ({ ok: true, message, server: '127.0.0.1:2749', protocol: 'TLSv1.3', serverSubject: subject }) });
    render(ConnectionTab);
    const button = screen.getByRole('button', { name: 'Test secure connection' });
    await fireEvent.click(button);
    expect(text(await screen.findByText(/^Server /))).toBe('Server 127.0.0.1:2749 over TLSv1.3.');
    message = 'Client certificate accepted.';
    await fireEvent.click(button);
    await vi.waitFor(() => expect(text(screen.getByText(/^Server /))).toBe(`Server 127.0.0.1:2749 over TLSv1.3, certificate ${subject}.`));
  });

  it('explains a compromised certificate with the TSP error and what to do', async () => {
    await setup({
      'connection:test': () => ({ ok: false, message: 'CTIManager rejected the certificate as compromised.', server: '127.0.0.1:2749', code: 'CERT_COMPROMISED', tspError: 0x11 }),
    });
    render(ConnectionTab);
    await fireEvent.click(screen.getByRole('button', { name: 'Test secure connection' }));
    const alert = await screen.findByRole('alert');
    expect(text(alert)).toContain('CERT_COMPROMISED');
    expect(text(alert)).toContain('TSPERR_INIT_CERTIFICATE_COMPROMISED 0x00000011');
    expect(text(alert)).toContain(COMPROMISED_ADVICE);
    expect(text(alert)).toContain('new instance ID');
  });

  it('shows an invoke error with its code and hint', async () => {
    await setup({
      'connection:test': () => {
        throw ipcError('NETWORK_UNREACHABLE', 'Cannot reach 10.0.0.9:2749');
      },
    });
    render(ConnectionTab);
    await fireEvent.click(screen.getByRole('button', { name: 'Test secure connection' }));
    const alert = await screen.findByRole('alert');
    expect(text(alert)).toContain('NETWORK_UNREACHABLE: Cannot reach 10.0.0.9:2749');
    expect(text(alert)).toContain('Check the server address and port');
  });
});

describe('App', () => {
  it('has the seven tabs, moves between them with the arrow keys, and follows progress', async () => {
    const fake = installFakeApi({ ...settingsHandlers(settings), 'certs:list': () => [] });
    render(App, { onclose: vi.fn() });
    const names = screen.getAllByRole('tab').map((t) => t.textContent);
    expect(names).toEqual(['Security', 'Certificate status', 'Certificates', 'Trust list', 'Test connection', 'Diagnostics', 'CTI OS']);
    await screen.findByLabelText('User name');
    const security = screen.getByRole('tab', { name: 'Security' });
    expect(security.getAttribute('aria-selected')).toBe('true');
    security.focus();
    await fireEvent.keyDown(security, { key: 'ArrowRight' });
    const status = screen.getByRole('tab', { name: 'Certificate status' });
    await vi.waitFor(() => expect(document.activeElement).toBe(status));
    expect(status.getAttribute('aria-selected')).toBe('true');
    expect(screen.getByRole('tabpanel').getAttribute('aria-labelledby')).toBe('tab-status');
    await vi.waitFor(() => expect(fake.listenerCount()).toBe(1));
    fake.emit({ profileId: 'lab', status: { state: 'pending', since: 'x' }, message: 'Queued.' });
    await vi.waitFor(() => expect(text(screen.getByRole('region', { name: 'Status of lab' }))).toContain('Pending'));
    await fireEvent.keyDown(status, { key: 'End' });
    await vi.waitFor(() => expect(document.activeElement).toBe(screen.getByRole('tab', { name: 'CTI OS' })));
    await fireEvent.keyDown(document.activeElement!, { key: 'ArrowRight' });
    await vi.waitFor(() => expect(document.activeElement).toBe(security));
  });

  it('toggles the theme between system, light and dark', async () => {
    installFakeApi(settingsHandlers(settings));
    render(App, { onclose: vi.fn() });
    const toggle = screen.getByRole('button', { name: /^Theme:/ });
    const start = document.documentElement.dataset.theme;
    await fireEvent.click(toggle);
    await fireEvent.click(toggle);
    await fireEvent.click(toggle);
    expect(document.documentElement.dataset.theme).toBe(start);
    const seen = new Set<string | undefined>();
    for (let i = 0; i < 3; i++) {
      await fireEvent.click(toggle);
      seen.add(document.documentElement.dataset.theme);
    }
    expect(seen).toEqual(new Set([undefined, 'light', 'dark']));
  });
});
