/** The main-process API the window uses, end to end against the lab (no Electron needed). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { X509Certificate } from 'node:crypto';
import type { ProgressEvent } from '../../../shared/ipc.ts';
import { defaultProfile, type Settings } from '../../../shared/profile.ts';
import { createAppService, type AppService } from '../../../electron/core/app-service.ts';
import { memoryLogger } from '../../../electron/core/log.ts';
import { startLab, type Lab } from '../../../electron/lab/lab.ts';
import { parseLabProfile } from '../../../electron/lab/profiles.ts';
import { tempDir } from '../../helpers/temp.ts';

let lab: Lab;
let app: AppService;
let dirs: Awaited<ReturnType<typeof tempDir>>[] = [];
const logger = memoryLogger();

beforeAll(async () => {
  const labDir = await tempDir('app-lab');
  const home = await tempDir('app-home');
  dirs = [labDir, home];
  lab = await startLab({ dir: labDir.path, profiles: ['app1:24681357:p256'].map(parseLabProfile) });
  app = await createAppService({ home: home.path, logger });
}, 120_000);
afterAll(async () => {
  await app?.close();
  await lab?.close();
  for (const d of dirs) await d.remove();
});

function settings(): Settings {
  return {
    version: 2,
    activeProfileId: 'lab',
    profiles: [
      {
        ...defaultProfile('lab'),
        userName: 'labuser',
        instanceId: 'app1',
        tftpServers: [`${lab.tftp.host}:${lab.tftp.port}`],
        capfHost: lab.capf.host,
        capfPort: lab.capf.port,
        ctiManagerServer: `${lab.ctiManager.host}:${lab.ctiManager.port}`,
      },
    ],
  };
}

describe('AppService', () => {
  it('saves settings and refuses invalid ones', async () => {
    expect(await app.handle('settings:save', settings())).toEqual(settings());
    expect(await app.handle('settings:get', undefined)).toEqual(settings());
    const bad = settings();
    bad.profiles[0]!.retries = 4;
    await expect(app.handle('settings:save', bad)).rejects.toMatchObject({ code: 'BAD_INPUT', message: 'Profile 1: Retries must be 0 to 3' });
    expect(await app.handle('settings:get', undefined)).toEqual(settings());
  });

  it('has no trust list before the first fetch', async () => {
    expect(await app.handle('ctl:get', { profileId: 'lab' })).toBeNull();
  });

  it('enrolls with progress events, then lists the certificate without its key', async () => {
    const events: ProgressEvent[] = [];
    const off = app.onProgress((e) => events.push(e));
    const status = await app.handle('enroll:start', { profileId: 'lab', authString: '24681357' });
    off();
    expect(status).toMatchObject({ state: 'succeeded', outcome: 'installed' });
    expect(events.at(-1)).toMatchObject({ profileId: 'lab', status: { state: 'succeeded' } });
    expect(events.map((e) => e.status.state)).toContain('in-progress');
    expect(await app.handle('status:get', undefined)).toMatchObject({ lab: { state: 'succeeded' } });

    const certs = await app.handle('certs:list', undefined);
    expect(certs).toEqual([expect.objectContaining({ instanceId: 'app1', profileIds: ['lab'], keyType: 'EC', keySize: 'P-256' })]);
    expect(JSON.stringify(certs)).not.toMatch(/PRIVATE KEY/);
    const pem = await app.handle('certs:export-pem', { instanceId: 'app1' });
    expect(pem).not.toContain('PRIVATE');
    expect(new X509Certificate(pem).fingerprint256).toBe(certs[0]!.fingerprintSha256);
    for (const line of logger.lines) expect(line).not.toContain('24681357');
  });

  it('shows the trusted CTL and finds it unchanged on a check', async () => {
    const trustList = await app.handle('ctl:get', { profileId: 'lab' });
    expect(trustList).toMatchObject({ trustedOnFirstUse: true, hashAlgorithm: 'SHA-256' });
    expect(trustList!.records.map((r) => r.roleName)).toEqual(['SAST', 'CCM+TFTP', 'CAPF']);
    expect(await app.handle('ctl:check-update', { profileId: 'lab' })).toMatchObject({ outcome: 'unchanged' });
  });

  it('tests the secure connection to CTIManager with the stored certificate', async () => {
    const result = await app.handle('connection:test', { profileId: 'lab' });
    expect(result).toMatchObject({ ok: true, server: `${lab.ctiManager.host}:${lab.ctiManager.port}` });
    expect(result.message).toMatch(/client certificate accepted/);
  });

  it('refuses a second enrollment of the same profile while one runs', async () => {
    const first = app.handle('enroll:start', { profileId: 'lab', authString: '1111' });
    await expect(app.handle('enroll:start', { profileId: 'lab', authString: '1111' })).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(first).rejects.toMatchObject({ code: 'CAPF_AUTH_FAILED' });
    expect(await app.handle('status:get', undefined)).toMatchObject({ lab: { state: 'failed', code: 'CAPF_AUTH_FAILED' } });
  });

  it('deletes a certificate', async () => {
    await app.handle('certs:delete', { instanceId: 'app1' });
    expect(await app.handle('certs:list', undefined)).toEqual([]);
    await expect(app.handle('certs:export-pem', { instanceId: 'app1' })).rejects.toMatchObject({ code: 'KEYSTORE' });
    const result = await app.handle('connection:test', { profileId: 'lab' });
    expect(result).toMatchObject({ ok: false, code: 'KEYSTORE' });
  });
});
