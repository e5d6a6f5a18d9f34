/** The main-process API the window uses, end to end against the lab (no Electron needed). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { X509Certificate } from 'node:crypto';
import { createServer } from 'node:net';
import type { ProgressEvent } from '../../../shared/model.ts';
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
    const [cert] = certs;
    if (!cert || cert.error) throw new Error('expected a readable certificate');
    const pem = await app.handle('certs:export-pem', { folderId: cert.folderId, instanceId: 'app1' });
    expect(pem).not.toContain('PRIVATE');
    expect(new X509Certificate(pem).fingerprint256).toBe(cert.fingerprintSha256);
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
    await expect(app.handle('enroll:start', { profileId: 'lab', authString: '1111' })).rejects.toMatchObject({
      code: 'ALREADY_RUNNING',
      message: expect.stringContaining('profile "lab" (user labuser, instance ID app1)'),
    });
    await expect(first).rejects.toMatchObject({ code: 'CAPF_AUTH_FAILED' });
    expect(await app.handle('status:get', undefined)).toMatchObject({ lab: { state: 'failed', code: 'CAPF_AUTH_FAILED' } });
  });

  it('with secure connection off: needs no certificate, refuses to enroll, tests plain TCP to CTIManager', async () => {
    const plain = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    const port = (plain.address() as { port: number }).port;
    const off = settings();
    off.profiles[0] = { ...off.profiles[0]!, id: 'plain', secureConnection: false, ctiManagerServer: `127.0.0.1:${port}` };
    await app.handle('settings:save', { ...off, profiles: [...settings().profiles, off.profiles[0]!] });
    try {
      const result = await app.handle('connection:test', { profileId: 'plain' });
      expect(result).toMatchObject({ ok: true, server: `127.0.0.1:${port}`, protocol: 'plain TCP', message: expect.stringContaining('plain TCP') });
      await expect(app.handle('enroll:start', { profileId: 'plain', authString: '1111' })).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringContaining('secure connection off') });
      // Without a server named, the plain port 2748 of the first TFTP server's host.
      const unnamed = { ...off.profiles[0]!, ctiManagerServer: '' };
      await app.handle('settings:save', { ...off, profiles: [...settings().profiles, unnamed] });
      expect((await app.handle('connection:test', { profileId: 'plain' })).server).toBe(`${lab.tftp.host}:2748`);
    } finally {
      plain.close();
      await app.handle('settings:save', settings());
    }
  });

  it('deletes a certificate', async () => {
    const [{ folderId }] = (await app.handle('certs:list', undefined)) as unknown as [{ folderId: string }];
    await app.handle('certs:delete', { folderId, instanceId: 'app1' });
    expect(await app.handle('certs:list', undefined)).toEqual([]);
    await expect(app.handle('certs:export-pem', { folderId, instanceId: 'app1' })).rejects.toMatchObject({ code: 'KEYSTORE' });
    const result = await app.handle('connection:test', { profileId: 'lab' });
    expect(result).toMatchObject({ ok: false, code: 'KEYSTORE' });
  });
});
