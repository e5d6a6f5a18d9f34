/**
 * "Renew…" on the Certificates tab: the dialog says what the administrator arms in Unified CM first, takes
 * the new authentication string, runs `enroll:start` with its progress, and says the old certificate stays
 * when the renewal fails.
 */
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { followProgress } from '../../renderer/src/state/status.svelte.ts';
import CertificatesTab from '../../renderer/src/tabs/CertificatesTab.svelte';
import type { CertificateInfo, OperationStatus } from '../../shared/model.ts';
import { ERRORS } from '../../shared/errors.ts';
import { labProfile, settingsHandlers, settingsWith, type FakeApi, type Handlers, visibleText as text, installLoadedFakeApi } from './fake-api.ts';

const cert = (instanceId: string, profileIds: string[], fingerprint: string): CertificateInfo => ({
  folderId: '0123456789abcdef',
  instanceId,
  profileIds,
  subject: `CN=${instanceId}`,
  issuer: 'CN=CAPF-lab',
  serialNumber: '0a1b',
  validFrom: '2026-01-01T00:00:00Z',
  validTo: '2027-01-01T00:00:00Z',
  daysLeft: 12,
  expired: false,
  expiringSoon: true,
  keyType: 'EC',
  keySize: 'P-256',
  fingerprintSha256: fingerprint,
});

let stop: () => void = () => {};

async function setup(extra: Handlers): Promise<FakeApi> {
  const fake = await installLoadedFakeApi({ ...settingsHandlers(settingsWith([labProfile()])), ...extra });
  stop = followProgress();
  render(CertificatesTab);
  return fake;
}

async function openRenew() {
  await fireEvent.click(await screen.findByRole('button', { name: 'Renew certificate lab1' }));
  return screen.getByRole('alertdialog', { name: 'Renew certificate lab1' });
}

afterEach(() => {
  stop();
  vi.unstubAllGlobals();
});

describe('Renew… on the Certificates tab', () => {
  let list: CertificateInfo[];
  beforeEach(() => {
    list = [cert('lab1', ['lab'], 'ab'.repeat(32)), cert('orphan1', [], 'cd'.repeat(32))];
  });

  it('is offered for certificates a profile uses, and explains what to arm in Unified CM first', async () => {
    const fake = await setup({ 'certs:list': () => list });
    const dialog = await openRenew();
    expect(screen.queryByRole('button', { name: 'Renew certificate orphan1' })).toBeNull();
    expect(text(dialog)).toContain('CAPF profile of instance ID lab1');
    expect(text(dialog)).toContain('Install/Upgrade');
    expect(text(dialog)).toContain('new authentication string');
    expect(text(dialog)).toContain('stays stored and in use until the new one is stored');
    const field = within(dialog).getByLabelText('New authentication string');
    expect(document.activeElement).toBe(field);
    const renew = within(dialog).getByRole('button', { name: 'Renew' });
    expect(renew).toHaveProperty('disabled', true);
    await fireEvent.input(field, { target: { value: '12ab' } });
    expect(text(dialog)).toContain('digits');
    expect(renew).toHaveProperty('disabled', true);
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(fake.channels()).not.toContain('enroll:start');
  });

  it('runs the enrollment with the new string, shows its progress, and lists the new certificate', async () => {
    let finish: (status: OperationStatus) => void = () => {};
    const fake = await setup({
      'certs:list': () => list,
      'enroll:start': () =>
        new Promise<OperationStatus>((resolve) => {
          finish = resolve;
        }),
    });
    const dialog = await openRenew();
    await fireEvent.input(within(dialog).getByLabelText('New authentication string'), { target: { value: '24681357' } });
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Renew' }));
    fake.emit({ profileId: 'lab', status: { state: 'in-progress', since: 'x', step: 'capf-authenticate', attempt: 1, maxAttempts: 1 }, message: 'Authenticating with CAPF.' });
    await vi.waitFor(() => expect(text(dialog)).toContain('Authenticating with CAPF.'));
    expect(within(dialog).getByLabelText('New authentication string')).toHaveProperty('value', '');

    list = [cert('lab1', ['lab'], 'ef'.repeat(32))];
    finish({ state: 'succeeded', at: '2026-12-01T00:00:00Z', outcome: 'installed', fingerprintSha256: 'EF:'.repeat(31) + 'EF' });
    await vi.waitFor(() => expect(text(dialog)).toContain('Renewed: the new certificate'));
    expect(fake.calls.find((c) => c.channel === 'enroll:start')?.request).toEqual({ profileId: 'lab', authString: '24681357' });
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Close' }));
    await vi.waitFor(() => expect(text(screen.getByRole('table'))).toContain('EF:EF:EF'));
  });

  it('says the old certificate stays when CAPF refuses the string', async () => {
    const fake = await setup({
      'certs:list': () => list,
      'enroll:start': () => ({
        state: 'failed',
        at: '2026-12-01T00:00:00Z',
        code: 'CAPF_AUTH_FAILED',
        message: 'The CAPF server refused the authentication string',
        hint: ERRORS.CAPF_AUTH_FAILED.hint,
      }),
    });
    const dialog = await openRenew();
    await fireEvent.input(within(dialog).getByLabelText('New authentication string'), { target: { value: '11112222' } });
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Renew' }));
    expect(text(await within(dialog).findByRole('alert'))).toContain('CAPF_AUTH_FAILED');
    expect(text(dialog)).toContain('The old certificate is still stored and in use.');
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(fake.channels().filter((c) => c === 'certs:list')).toHaveLength(1);
    expect(text(screen.getByRole('table'))).toContain('AB:AB:AB');
  });
});
