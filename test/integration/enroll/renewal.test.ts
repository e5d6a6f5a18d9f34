/**
 * Renewing a stored certificate through the app's API against the lab: a renewal that CAPF refuses (the spent
 * string, a wrong one) keeps the old certificate listed and usable with CTIManager; once the administrator arms
 * a new string, the renewal stores a new certificate in its place.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CertificateInfo } from '../../../shared/model.ts';
import { defaultProfile, type Settings } from '../../../shared/profile.ts';
import { createAppService, type AppService } from '../../../electron/core/app-service.ts';
import { memoryLogger } from '../../../electron/core/log.ts';
import { startLab, type Lab } from '../../../electron/lab/lab.ts';
import { parseLabProfile } from '../../../electron/lab/profiles.ts';
import { tempDir } from '../../helpers/temp.ts';

const FIRST_STRING = '31415926';
const RENEWAL_STRING = '27182818';

let lab: Lab;
let app: AppService;
let dirs: Awaited<ReturnType<typeof tempDir>>[] = [];

beforeAll(async () => {
  const labDir = await tempDir('renew-lab');
  const home = await tempDir('renew-home');
  dirs = [labDir, home];
  lab = await startLab({ dir: labDir.path, profiles: [parseLabProfile(`ren1:${FIRST_STRING}:p256`)] });
  app = await createAppService({ home: home.path, logger: memoryLogger() });
  const settings: Settings = {
    version: 2,
    activeProfileId: 'lab',
    profiles: [
      {
        ...defaultProfile('lab'),
        userName: 'labuser',
        instanceId: 'ren1',
        tftpServers: [`${lab.tftp.host}:${lab.tftp.port}`],
        capfHost: lab.capf.host,
        capfPort: lab.capf.port,
        ctiManagerServer: `${lab.ctiManager.host}:${lab.ctiManager.port}`,
      },
    ],
  };
  await app.handle('settings:save', settings);
  expect(await app.handle('enroll:start', { profileId: 'lab', authString: FIRST_STRING })).toMatchObject({ state: 'succeeded' });
}, 120_000);

afterAll(async () => {
  await app?.close();
  await lab?.close();
  for (const d of dirs) await d.remove();
});

async function stored(): Promise<CertificateInfo> {
  const certs = await app.handle('certs:list', undefined);
  expect(certs).toHaveLength(1);
  const [cert] = certs;
  if (!cert || cert.error) throw new Error(`expected one readable certificate, got ${JSON.stringify(certs)}`);
  return cert;
}

describe('renewing a stored certificate', () => {
  it('keeps the old certificate, listed and usable, when CAPF refuses the string', async () => {
    const before = await stored();
    for (const refused of [FIRST_STRING, '99887766']) {
      await expect(app.handle('enroll:start', { profileId: 'lab', authString: refused })).rejects.toMatchObject({ code: 'CAPF_AUTH_FAILED' });
      expect(await app.handle('status:get', undefined)).toMatchObject({ lab: { state: 'failed', code: 'CAPF_AUTH_FAILED' } });
      expect((await stored()).fingerprintSha256).toBe(before.fingerprintSha256);
      expect(await app.handle('connection:test', { profileId: 'lab' })).toMatchObject({ ok: true });
    }
  });

  it('replaces it once the administrator armed Install/Upgrade with a new string', async () => {
    const before = await stored();
    // What the administrator does in Unified CM: a new authentication string on the CAPF profile of ren1.
    lab.capfServer.setProfile({ ...lab.profiles.find((p) => p.instanceId === 'ren1')!, authString: RENEWAL_STRING, operation: 'install' });
    const status = await app.handle('enroll:start', { profileId: 'lab', authString: RENEWAL_STRING });
    expect(status).toMatchObject({ state: 'succeeded', outcome: 'installed' });
    const after = await stored();
    expect(after.fingerprintSha256).not.toBe(before.fingerprintSha256);
    expect(await app.handle('connection:test', { profileId: 'lab' })).toMatchObject({ ok: true });
  });
});
