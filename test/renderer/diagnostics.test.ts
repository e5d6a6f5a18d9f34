import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import App from '../../renderer/src/App.svelte';
import DiagnosticsTab from '../../renderer/src/tabs/DiagnosticsTab.svelte';
import StatusTab from '../../renderer/src/tabs/StatusTab.svelte';
import type { CertificateInfo, LogLine, OperationRecord } from '../../shared/model.ts';
import { aboutInfo, certificateInfo, ipcError, labProfile, settingsHandlers, settingsWith, supportHandlers, type FakeApi, type Handlers, visibleText as text, installLoadedFakeApi } from './fake-api.ts';

const settings = settingsWith([labProfile(), labProfile({ id: 'second', userName: 'other', instanceId: 'lab2' })]);
const LINES: LogLine[] = [
  { time: '2026-12-01T21:00:00.000Z', level: 'info', event: 'enroll.start', profile: 'lab', operation: 'aaaaaaaaaaaa', details: '{"maxAttempts":1}' },
  { time: '2026-12-01T21:00:01.000Z', level: 'warn', event: 'enroll.retry', profile: 'second', operation: 'bbbbbbbbbbbb', details: '{"code":"NETWORK_TIMEOUT"}' },
  { time: '2026-12-01T21:00:02.000Z', level: 'info', event: 'enroll.succeeded', profile: 'lab', operation: 'aaaaaaaaaaaa', details: '' },
];

async function setup(extra: Handlers = {}): Promise<FakeApi> {
  return installLoadedFakeApi({ ...settingsHandlers(settings), ...supportHandlers(LINES), ...extra });
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('Diagnostics tab', () => {
  it('runs the checks of the active profile at once and shows them in order with what to do', async () => {
    const fake = await setup();
    render(DiagnosticsTab);
    expect(screen.getByRole('heading', { level: 2, name: 'Diagnostics' })).toBeTruthy();
    const checks = within(screen.getByRole('region', { name: 'Preflight checks' }));
    const items = await checks.findAllByRole('listitem');
    expect(items.map((li) => text(li).trim().split(' ')[0])).toEqual(['Pass', 'Warning', 'Failure']);
    expect(text(items[2]!)).toContain('capf-reachable');
    expect(text(items[2]!)).toContain('What to do: Check the CAPF address');
    expect(text(items[0]!)).not.toContain('What to do');
    expect(checks.getByText('1 passed, 1 with a warning, 1 failed.')).toBeTruthy();
    expect(fake.calls.filter((c) => c.channel === 'doctor:run')).toEqual([{ channel: 'doctor:run', request: { profileId: 'lab' } }]);

    await fireEvent.click(checks.getByRole('button', { name: 'Run checks again' }));
    await vi.waitFor(() => expect(fake.channels().filter((c) => c === 'doctor:run')).toHaveLength(2));
  });

  it('shows why the checks could not run', async () => {
    await setup({
      'doctor:run': () => {
        throw ipcError('BAD_INPUT', '--profile: no profile with id "lab"');
      },
    });
    render(DiagnosticsTab);
    const alert = await within(screen.getByRole('region', { name: 'Preflight checks' })).findByRole('alert');
    expect(text(alert)).toContain('BAD_INPUT: --profile: no profile with id "lab"');
  });

  it('saves the support bundle as a file download', async () => {
    const createObjectURL = vi.fn((_: Blob) => 'blob:bundle');
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
    await setup();
    render(DiagnosticsTab);
    await fireEvent.click(screen.getByRole('button', { name: 'Save support bundle' }));
    await vi.waitFor(() => expect(clicks).toHaveLength(1));
    expect(clicks[0]?.download).toBe('ctiprefs-support-2026-12-01T22-00-00-000Z.json');
    expect(await createObjectURL.mock.calls[0]![0].text()).toContain('ctiprefs support bundle');
    const saved = await screen.findByText(/^Saved ctiprefs-support-/);
    expect(saved.getAttribute('role')).toBe('status');
    expect(text(saved)).toContain('no secrets and no private keys');
  });

  it('shows the last log lines and filters them by profile', async () => {
    const fake = await setup();
    render(DiagnosticsTab);
    const log = within(screen.getByRole('region', { name: 'Log' }));
    const list = await log.findByRole('list', { name: 'Log lines' });
    // Newest first: the last line of the log is the first one shown.
    expect(within(list).getAllByRole('listitem').map((li) => text(li))).toEqual([
      expect.stringContaining('enroll.succeeded'),
      expect.stringContaining('enroll.retry'),
      expect.stringContaining('enroll.start'),
    ]);
    await fireEvent.change(log.getByLabelText('Profile'), { target: { value: 'second' } });
    await vi.waitFor(() => expect(within(log.getByRole('list', { name: 'Log lines' })).getAllByRole('listitem')).toHaveLength(1));
    expect(text(log.getByRole('list', { name: 'Log lines' }))).toContain('enroll.retry');
    expect(fake.calls.filter((c) => c.channel === 'log:lines').at(-1)?.request).toEqual({ profileId: 'second', operationId: null, count: 200 });
    await fireEvent.change(log.getByLabelText('Lines'), { target: { value: '500' } });
    await vi.waitFor(() => expect(fake.calls.filter((c) => c.channel === 'log:lines').at(-1)?.request).toMatchObject({ count: 500 }));
  });

  it('tells the version, the folders as absolute paths and where the secrets are kept', async () => {
    await setup({ 'about:get': () => aboutInfo({ vault: 'none', vaultProblem: 'The OS credential vault is locked' }) });
    render(DiagnosticsTab);
    const about = within(screen.getByRole('region', { name: 'About' }));
    await about.findByText('1.2.3');
    expect(about.getByText('/home/agent/.config/ctiprefs')).toBeTruthy();
    expect(about.getByText('/srv/certs')).toBeTruthy();
    expect(text(about.getByText(/None available/).parentElement!)).toContain('The OS credential vault is locked');
  });
});

describe('History in Certificate status', () => {
  const record = (extra: Partial<OperationRecord>): OperationRecord => ({
    startedAt: '2026-12-01T21:00:00.000Z',
    endedAt: '2026-12-01T21:00:02.000Z',
    outcome: 'installed',
    attempts: 1,
    capfServer: '127.0.0.1:3804',
    ...extra,
  });

  it('lists the last operations of each profile and shows an operation’s log lines on demand', async () => {
    const fake = await setup({
      'history:get': ({ profileId }) =>
        profileId === 'lab'
          ? [record({ operationId: 'aaaaaaaaaaaa' }), record({ outcome: 'failed', code: 'CAPF_AUTH_FAILED', attempts: 2, startedAt: '2026-11-30T10:00:00.000Z' })]
          : [],
    });
    render(StatusTab);
    const table = await screen.findByRole('table', { name: 'Last operations of lab' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(2);
    expect(text(rows[0]!)).toContain('Installed');
    expect(text(rows[0]!)).toContain('127.0.0.1:3804');
    expect(text(rows[1]!)).toContain('Failed');
    expect(text(rows[1]!)).toContain('CAPF_AUTH_FAILED');
    expect(text(rows[1]!)).toContain('Not recorded');
    expect(await screen.findByText('No finished operation yet.')).toBeTruthy();

    const show = within(rows[0]!).getByRole('button', { name: /^Show log of the operation started/ });
    expect(show.getAttribute('aria-expanded')).toBe('false');
    await fireEvent.click(show);
    const lines = await screen.findByRole('list', { name: /^Log of the operation started/ });
    expect(within(lines).getAllByRole('listitem').map((li) => text(li))).toEqual([expect.stringContaining('enroll.start'), expect.stringContaining('enroll.succeeded')]);
    expect(fake.calls.filter((c) => c.channel === 'log:lines').at(-1)?.request).toEqual({ profileId: null, operationId: 'aaaaaaaaaaaa', count: 500 });
    expect(show.getAttribute('aria-expanded')).toBe('true');
    await fireEvent.click(show);
    await vi.waitFor(() => expect(screen.queryByRole('list', { name: /^Log of the operation started/ })).toBeNull());
  });

  it('reads the history again when an operation ends', async () => {
    let history: OperationRecord[] = [];
    const fake = await setup({ 'history:get': () => history });
    const { followProgress } = await import('../../renderer/src/state/status.svelte.ts');
    const stop = followProgress();
    render(StatusTab);
    await vi.waitFor(() => expect(screen.getAllByText('No finished operation yet.')).toHaveLength(2));
    history = [record({ operationId: 'cccccccccccc' })];
    fake.emit({ profileId: 'lab', status: { state: 'succeeded', at: '2026-12-01T21:00:02.000Z', outcome: 'installed' }, message: 'Stored.' });
    await screen.findByRole('table', { name: 'Last operations of lab' });
    stop();
  });
});

describe('Expiry notice at start', () => {
  const cert = (instanceId: string, extra: Partial<CertificateInfo>) => certificateInfo(instanceId, { daysLeft: 200, ...extra });

  it('announces the certificates that expire within the threshold', async () => {
    await setup({
      'settings:get': () => ({ ...settings, expiryWarningDays: 45 }),
      'certs:list': () => [cert('lab1', { daysLeft: 12, expiringSoon: true }), cert('lab2', {}), cert('old1', { daysLeft: -2, expired: true })],
    });
    render(App, { onclose: vi.fn() });
    const banner = await screen.findByText(/certificates need renewal/);
    expect(banner.closest('[role="status"]')).toBeTruthy();
    expect(text(banner)).toContain('2 certificates need renewal (warning at 45 days)');
    expect(text(banner)).toContain('lab1 expires in 12 days; old1 has expired');
    expect(text(banner)).not.toContain('lab2');
    await fireEvent.click(screen.getByRole('button', { name: 'Dismiss' }));
    await vi.waitFor(() => expect(screen.queryByText(/need renewal/)).toBeNull());
  });

  it('says nothing when no certificate is due', async () => {
    const fake = await setup({ 'certs:list': () => [cert('lab1', {})] });
    render(App, { onclose: vi.fn() });
    await vi.waitFor(() => expect(fake.channels()).toContain('certs:list'));
    await screen.findByLabelText('User name');
    expect(screen.queryByText(/need renewal/)).toBeNull();
  });
});
