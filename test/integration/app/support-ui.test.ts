/**
 * The Diagnostics tab's and the history's channels through the app service, against the real lab: doctor
 * on a healthy lab and on one serving a CAPF certificate without CA:TRUE, history with the operation's
 * log lines, the log viewer's bounds, About, the support bundle, and the expiry mark from the settings.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOG_DETAILS_MAX_CHARS, LOG_VIEW_LINES } from '../../../shared/fields.ts';
import type { Profile, Settings } from '../../../shared/profile.ts';
import { createAppService, type AppService } from '../../../electron/core/app-service.ts';
import { startLab, type Lab } from '../../../electron/lab/lab.ts';
import { parseLabProfile } from '../../../electron/lab/profiles.ts';
import { homeLayout } from '../../../electron/core/paths.ts';
import { profileForLab } from '../../helpers/lab-profile.ts';
import { tempDir } from '../../helpers/temp.ts';

const AUTH_STRING = '86420135';
let lab: Lab;
let notCaLab: Lab;
let app: AppService;
let home: string;
const dirs: Awaited<ReturnType<typeof tempDir>>[] = [];

const profileFor = (id: string, served: Lab, instanceId: string): Profile =>
  profileForLab(served, id, instanceId, { ctiManagerServer: `${served.ctiManager.host}:${served.ctiManager.port}` });

const settings = (extra: Partial<Settings> = {}): Settings => ({
  version: 2,
  activeProfileId: 'desk',
  profiles: [profileFor('desk', lab, 'sup1'), profileFor('broken', notCaLab, 'sup2')],
  ...extra,
});

beforeAll(async () => {
  const [labDir, notCaDir, homeDir] = await Promise.all([tempDir('support-lab'), tempDir('support-lab-not-ca'), tempDir('support-home')]);
  dirs.push(labDir, notCaDir, homeDir);
  lab = await startLab({ dir: labDir.path, profiles: [`sup1:${AUTH_STRING}:p256`].map(parseLabProfile) });
  notCaLab = await startLab({ dir: notCaDir.path, capfCertificate: 'not-ca' });
  home = homeDir.path;
  // No logger given: the service writes the real rotated log file, as the app does.
  app = await createAppService({ home, appVersion: '9.9.9-test' });
  await app.handle('settings:save', settings());
}, 120_000);
afterAll(async () => {
  await app?.close();
  await Promise.all([lab?.close(), notCaLab?.close()]);
  for (const d of dirs) await d.remove();
});

describe('support channels of the app service', () => {
  it('tells the version, absolute folders and the vault kind', async () => {
    const about = await app.handle('about:get', undefined);
    expect(about).toMatchObject({ version: '9.9.9-test', home, logFile: homeLayout(home).logFile, vault: 'os-vault' });
    expect(about.certificateFolders).toEqual([homeLayout(home).defaultCertificateDir]);
    expect([about.home, about.logFile, ...about.certificateFolders].every((p) => isAbsolute(p))).toBe(true);
  });

  it('records the enrollment in the history, and its log lines carry its operation id', async () => {
    expect(await app.handle('history:get', { profileId: 'desk' })).toEqual([]);
    await app.handle('enroll:start', { profileId: 'desk', authString: AUTH_STRING });
    const [record, ...older] = await app.handle('history:get', { profileId: 'desk' });
    expect(older).toEqual([]);
    expect(record).toMatchObject({ outcome: 'installed', attempts: 1, capfServer: `${lab.capf.host}:${lab.capf.port}`, operationId: expect.stringMatching(/^[0-9a-f]{12}$/) });
    expect(Date.parse(record!.endedAt)).toBeGreaterThanOrEqual(Date.parse(record!.startedAt));

    const lines = await app.handle('log:lines', { profileId: null, operationId: record!.operationId!, count: LOG_VIEW_LINES.max });
    const events = lines.map((l) => l.event);
    expect(events[0]).toBe('enroll.start');
    expect(events.at(-1)).toBe('enroll.succeeded');
    // The CAPF client's own lines belong to the operation too.
    expect(events).toContain('capf.authenticate');
    expect(lines.every((l) => l.operation === record!.operationId && l.profile === 'desk')).toBe(true);
    expect(JSON.stringify(lines)).not.toContain(AUTH_STRING);
    // The file itself holds no secret either: the window only ever sees a part of it.
    expect(await readFile(homeLayout(home).logFile, 'utf8')).not.toContain(AUTH_STRING);
  });

  it('gives the window bounded log lines, filtered by profile', async () => {
    const all = await app.handle('log:lines', { profileId: null, operationId: null, count: LOG_VIEW_LINES.max });
    expect(all.length).toBeGreaterThan(3);
    expect(all.every((l) => l.details.length <= LOG_DETAILS_MAX_CHARS)).toBe(true);
    expect(await app.handle('log:lines', { profileId: null, operationId: null, count: 2 })).toEqual(all.slice(-2));
    const desk = await app.handle('log:lines', { profileId: 'desk', operationId: null, count: LOG_VIEW_LINES.max });
    expect(desk.length).toBeGreaterThan(0);
    expect(desk.every((l) => l.profile === 'desk')).toBe(true);
    expect(await app.handle('log:lines', { profileId: 'broken', operationId: null, count: 10 })).toEqual([]);
  });

  it('passes every doctor check for the enrolled profile on the healthy lab', async () => {
    const report = await app.handle('doctor:run', { profileId: 'desk' });
    expect(report.checks.filter((c) => c.status !== 'pass')).toEqual([]);
    expect(report.checks.map((c) => c.id)).toContain('ctimanager-tls');
  });

  it('fails the CAPF certificate lint on a lab serving a CAPF certificate without CA:TRUE', async () => {
    const report = await app.handle('doctor:run', { profileId: 'broken' });
    expect(report.checks.find((c) => c.id === 'capf-certificate')).toMatchObject({ status: 'fail', message: expect.stringContaining('CA:TRUE'), fix: expect.stringContaining('pathlen 0') });
    expect(report.checks.find((c) => c.id === 'stored-certificate')?.status).not.toBe('pass');
  });

  it('returns a support bundle without the authentication string or a private key', async () => {
    const file = await app.handle('support:bundle', undefined);
    expect(file.fileName).toMatch(/^ctiprefs-support-\d{4}-\d\d-\d\dT[\d-]+Z\.json$/);
    expect(file.text).not.toContain(AUTH_STRING);
    expect(file.text).not.toMatch(/PRIVATE KEY/);
    const bundle = JSON.parse(file.text) as { app: { version: string }; doctor: { checks: unknown[] }; history: Record<string, unknown[]> };
    expect(bundle.app.version).toBe('9.9.9-test');
    expect(bundle.doctor.checks.length).toBeGreaterThan(5);
    expect(bundle.history.desk).toHaveLength(1);
  });

  it('marks certificates as expiring with the threshold from the settings', async () => {
    const [before] = await app.handle('certs:list', undefined);
    if (!before || before.error) throw new Error('expected a readable certificate');
    // The lab issues for 365 days: not due at the default 30, due at 365.
    expect(before).toMatchObject({ expiringSoon: false, expired: false });
    await app.handle('settings:save', settings({ expiryWarningDays: 365 }));
    const [after] = await app.handle('certs:list', undefined);
    expect(after).toMatchObject({ instanceId: 'sup1', expiringSoon: true });
  });
});
