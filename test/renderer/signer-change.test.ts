/**
 * The Trust list tab with a refused update: the comparison side by side, and "Adopt…", which is only
 * possible once the typed or pasted fingerprint (any case, colons optional) is the refused list's signer.
 */
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import TrustListTab from '../../renderer/src/tabs/TrustListTab.svelte';
import type { CtlAdoptResult, CtlRecordInfo, RefusedCtlReport, TrustListInfo } from '../../shared/model.ts';
import { ipcError, labProfile, settingsHandlers, settingsWith, type Handlers, visibleText as text, installLoadedFakeApi } from './fake-api.ts';

const colons = (pair: string) => `${`${pair}:`.repeat(31)}${pair}`;
const OLD_SIGNER = colons('CD');
const NEW_SIGNER = colons('EF');
const sast = (fingerprintSha256: string): CtlRecordInfo => ({ role: 0, roleName: 'SAST', subject: 'CN=ITLRECOVERY_lab', issuer: 'CN=ITLRECOVERY_lab', serialNumber: '01', fingerprintSha256 });

const trustList = (signer: string): TrustListInfo => ({
  signerSubject: 'CN=ITLRECOVERY_lab',
  signerFingerprintSha256: signer,
  hashAlgorithm: 'SHA-256',
  timestamp: '2026-11-01T00:00:00Z',
  firstTrustedAt: '2026-11-02T00:00:00Z',
  updatedAt: '2026-11-02T00:00:00Z',
  source: '127.0.0.1:6969',
  fileName: 'CTLFile.tlv',
  trustedOnFirstUse: false,
  warnings: [],
  records: [sast(signer)],
});

const side = (signer: string, hashPair: string, timestamp: string) => ({
  signerSubject: 'CN=ITLRECOVERY_lab',
  signerFingerprintSha256: signer,
  sha256: colons(hashPair),
  timestamp,
  fileName: 'CTLFile.tlv',
  source: '127.0.0.1:6969',
});

const report = (): RefusedCtlReport => ({
  folder: '/home/agent/certificates',
  trusted: side(OLD_SIGNER, '11', '2026-11-01T00:00:00Z'),
  refused: [
    {
      refusedAt: '2026-11-20T08:00:00Z',
      reason: 'CTL from 127.0.0.1:6969 rejected: its signer is not listed in the SAST role of the trusted CTL. The trusted CTL was kept.',
      list: side(NEW_SIGNER, '22', '2026-11-20T07:59:00Z'),
      added: [{ role: 4, roleName: 'CAPF', subject: 'CN=CAPF-new', issuer: 'CN=CAPF-new', serialNumber: '05', fingerprintSha256: colons('AA') }],
      removed: [],
      changed: [{ before: sast(OLD_SIGNER), after: sast(NEW_SIGNER) }],
    },
  ],
});

async function setup(extra: Handlers) {
  const fake = await installLoadedFakeApi({ ...settingsHandlers(settingsWith([labProfile()])), 'ctl:get': () => trustList(OLD_SIGNER), ...extra });
  render(TrustListTab);
  return fake;
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('Trust list tab: a refused update', () => {
  it('shows nothing extra when no update was refused', async () => {
    const fake = await setup({});
    await vi.waitFor(() => expect(text(document.body)).toContain('Signer SHA-256'));
    await vi.waitFor(() => expect(fake.channels()).toContain('ctl:refused'));
    expect(screen.queryByRole('region', { name: 'Refused update' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Adopt…' })).toBeNull();
  });

  it('shows the trusted and the refused list side by side, with the records added and changed', async () => {
    await setup({ 'ctl:refused': () => report() });
    const region = await screen.findByRole('region', { name: 'Refused update' });
    const table = within(region).getByRole('table', { name: 'Trusted and refused trust list' });
    const signerRow = within(table).getByRole('row', { name: /Signer SHA-256/ });
    expect(text(signerRow).replaceAll(' ', '')).toContain(OLD_SIGNER + NEW_SIGNER);
    expect(text(within(table).getByRole('row', { name: /File SHA-256/ })).replaceAll(' ', '')).toContain(colons('11') + colons('22'));
    expect(text(region)).toContain('is not listed in the SAST role of the trusted CTL');
    expect(text(region)).toContain('Records: 1 added, 0 removed, 1 changed.');
    const changes = within(region).getByRole('table', { name: 'Record changes' });
    const [added, changed] = within(changes).getAllByRole('row').slice(1);
    expect(text(added!).replaceAll(' ', '')).toContain(`AddedCAPFCN=CAPF-newNone${colons('AA')}`);
    expect(text(changed!).replaceAll(' ', '')).toContain(`ChangedSAST`);
    expect(text(changed!).replaceAll(' ', '')).toContain(OLD_SIGNER + NEW_SIGNER);
  });

  it('adopts only once the fingerprint typed matches, ignoring case and colons, then shows the adopted list', async () => {
    let kept: RefusedCtlReport = report();
    const adopted: CtlAdoptResult = { previousSignerFingerprintSha256: OLD_SIGNER, signerFingerprintSha256: NEW_SIGNER, trustList: trustList(NEW_SIGNER) };
    const fake = await setup({
      'ctl:refused': () => kept,
      'ctl:adopt': () => {
        kept = { ...kept, refused: [] };
        return adopted;
      },
    });
    const adopt = await screen.findByRole('button', { name: 'Adopt…' });
    await fireEvent.click(adopt);
    const dialog = screen.getByRole('alertdialog', { name: 'Adopt the refused trust list' });
    const field = within(dialog).getByLabelText('Signer SHA-256 fingerprint');
    expect(document.activeElement).toBe(field);
    const confirm = within(dialog).getByRole('button', { name: 'Adopt' });
    expect(confirm).toHaveProperty('disabled', true);

    await fireEvent.input(field, { target: { value: 'ef:ef' } });
    expect(text(dialog)).toContain('must be a SHA-256 fingerprint');
    expect(confirm).toHaveProperty('disabled', true);
    await fireEvent.input(field, { target: { value: OLD_SIGNER } });
    expect(text(dialog)).toContain("not the fingerprint of the refused list's signer");
    expect(confirm).toHaveProperty('disabled', true);
    const pasted = NEW_SIGNER.replaceAll(':', '').toLowerCase();
    await fireEvent.input(field, { target: { value: pasted } });
    expect(text(dialog)).toContain("Matches the refused list's signer.");
    expect(confirm).toHaveProperty('disabled', false);
    expect(fake.channels()).not.toContain('ctl:adopt');

    await fireEvent.click(confirm);
    await screen.findByText(/^Adopted: the trust list signed by SHA-256/);
    expect(fake.calls.find((c) => c.channel === 'ctl:adopt')?.request).toEqual({ profileId: 'lab', fingerprint: pasted, sha256: colons('22') });
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(screen.queryByRole('region', { name: 'Refused update' })).toBeNull();
    expect(text(document.body)).toContain(`in place of the one signed by SHA-256 ${OLD_SIGNER}`);
  });

  it('shows any kept update: one refused after the cluster\'s own, by a stranger, does not hide it', async () => {
    const STRANGER = colons('99');
    const kept = report();
    kept.refused.unshift({
      refusedAt: '2026-11-21T08:00:00Z',
      reason: 'CTL from 127.0.0.1:6969 rejected: its signer is not listed in the SAST role of the trusted CTL. The trusted CTL was kept.',
      list: side(STRANGER, '33', '2026-11-21T07:59:00Z'),
      added: [],
      removed: [],
      changed: [{ before: sast(OLD_SIGNER), after: sast(STRANGER) }],
    });
    const fake = await setup({ 'ctl:refused': () => kept, 'ctl:adopt': () => ({ previousSignerFingerprintSha256: OLD_SIGNER, signerFingerprintSha256: NEW_SIGNER, trustList: trustList(NEW_SIGNER) }) });
    const region = await screen.findByRole('region', { name: 'Refused update' });
    const table = within(region).getByRole('table', { name: 'Trusted and refused trust list' });
    const choice = within(region).getByLabelText(/Refused update shown \(2 kept\)/) as HTMLSelectElement;
    expect(text(within(table).getByRole('row', { name: /Signer SHA-256/ })).replaceAll(' ', '')).toContain(OLD_SIGNER + STRANGER);
    expect([...choice.options].map((o) => o.text.replace(/\s+/g, ' ').trim())).toEqual([
      expect.stringMatching(/^Newest: refused .*, signer SHA-256 99:99:99:99:99:99:99:99…, file SHA-256 33:33:33:33:33:33:33:33…$/),
      expect.stringMatching(/, signer SHA-256 EF:EF:EF:EF:EF:EF:EF:EF…, file SHA-256 22:22:22:22:22:22:22:22…$/),
    ]);

    await fireEvent.change(choice, { target: { value: colons('22') } });
    expect(text(within(table).getByRole('row', { name: /Signer SHA-256/ })).replaceAll(' ', '')).toContain(OLD_SIGNER + NEW_SIGNER);
    await fireEvent.click(within(region).getByRole('button', { name: 'Adopt…' }));
    const dialog = screen.getByRole('alertdialog');
    // The dialog names the update it adopts, and the request names its file: the core adopts that one.
    expect(text(dialog)).toContain('file SHA-256 22:22:22:22:22:22:22:22…');
    await fireEvent.input(within(dialog).getByLabelText('Signer SHA-256 fingerprint'), { target: { value: NEW_SIGNER } });
    const confirm = within(dialog).getByRole('button', { name: 'Adopt' });
    expect(confirm).toHaveProperty('disabled', false);
    await fireEvent.click(confirm);
    await screen.findByText(/^Adopted: the trust list signed by SHA-256/);
    expect(fake.calls.find((c) => c.channel === 'ctl:adopt')?.request).toEqual({ profileId: 'lab', fingerprint: NEW_SIGNER, sha256: colons('22') });
  });

  it('keeps the update chosen when the list is read again, as long as it is kept', async () => {
    const kept = report();
    kept.refused.unshift({ ...kept.refused[0]!, refusedAt: '2026-11-21T08:00:00Z', list: side(colons('99'), '33', '2026-11-21T07:59:00Z') });
    const fake = await setup({ 'ctl:refused': () => kept, 'ctl:check-update': () => ({ outcome: 'unchanged', trustList: trustList(OLD_SIGNER) }) });
    const region = await screen.findByRole('region', { name: 'Refused update' });
    const choice = within(region).getByLabelText(/Refused update shown/) as HTMLSelectElement;
    await fireEvent.change(choice, { target: { value: colons('22') } });
    const fileRow = () => text(within(region).getByRole('row', { name: /File SHA-256/ })).replaceAll(' ', '');
    expect(fileRow()).toContain(colons('11') + colons('22'));

    await fireEvent.click(screen.getByRole('button', { name: 'Check for update' }));
    await vi.waitFor(() => expect(fake.calls.filter((c) => c.channel === 'ctl:refused')).toHaveLength(2));
    expect(fileRow()).toContain(colons('11') + colons('22'));
    expect(choice.value).toBe(colons('22'));
  });

  it('keeps the dialog open with the error when the core refuses, and Cancel changes nothing', async () => {
    const fake = await setup({
      'ctl:refused': () => report(),
      'ctl:adopt': () => {
        throw ipcError('CTL_INVALID', 'Not adopted: no refused CTL kept for /home/agent/certificates can be used: its file is not the one that was kept');
      },
    });
    await fireEvent.click(await screen.findByRole('button', { name: 'Adopt…' }));
    const dialog = screen.getByRole('alertdialog');
    await fireEvent.input(within(dialog).getByLabelText('Signer SHA-256 fingerprint'), { target: { value: NEW_SIGNER } });
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Adopt' }));
    expect(text(await within(dialog).findByRole('alert'))).toContain('its file is not the one that was kept');
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(screen.getByRole('region', { name: 'Refused update' })).toBeTruthy();
    expect(fake.calls.filter((c) => c.channel === 'ctl:adopt')).toHaveLength(1);
  });

  it('reads the refusals again after Check for update refuses a new list', async () => {
    let refusals: RefusedCtlReport = { folder: '/x', trusted: null, refused: [] };
    const fake = await setup({
      'ctl:refused': () => refusals,
      'ctl:check-update': () => {
        refusals = report();
        throw ipcError('CTL_COMPROMISED', 'CTL from 127.0.0.1:6969 rejected');
      },
    });
    await fireEvent.click(await screen.findByRole('button', { name: 'Check for update' }));
    expect(await screen.findByRole('region', { name: 'Refused update' })).toBeTruthy();
    expect(fake.channels().filter((c) => c === 'ctl:refused')).toHaveLength(2);
  });
});
