/** The window's import channels on the real core: the preview never carries an auth code; a refusal writes nothing. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppService, type AppService } from '../../../electron/core/app-service.ts';
import { silentLogger } from '../../../electron/core/log.ts';
import { tempDir } from '../../helpers/temp.ts';

let app: AppService;
let home: Awaited<ReturnType<typeof tempDir>>;
const sample = (name: string) => readFile(new URL(`../../unit/core/import/samples/${name}`, import.meta.url), 'utf8');

beforeAll(async () => {
  home = await tempDir('import-app');
  app = await createAppService({ home: home.path, logger: silentLogger });
});
afterAll(async () => {
  await app?.close();
  await home?.remove();
});

describe('import:preview and import:apply', () => {
  it('previews without writing and without the auth code, then creates the profiles in one write', async () => {
    const text = await sample('jtapi.ini');
    const plan = await app.handle('import:preview', { kind: 'jtapi', text, userName: '' });
    expect(plan.profiles.map((p) => [p.instanceId, p.authCode])).toEqual([['JtapiApp1', 'present'], ['JtapiApp2', 'absent']]);
    expect(JSON.stringify(plan)).not.toContain('12345678');
    expect((await app.handle('settings:get', undefined)).profiles).toEqual([]);

    const { settings } = await app.handle('import:apply', { kind: 'jtapi', text, userName: '' });
    expect(settings.profiles.map((p) => p.instanceId)).toEqual(['JtapiApp1', 'JtapiApp2']);
    expect(settings.activeProfileId).toBe(settings.profiles[0]!.id);
    expect(await readFile(join(home.path, 'settings.json'), 'utf8')).not.toContain('12345678');
  });

  it('refuses a Genesys file with one instance ID on two links and changes nothing', async () => {
    const before = await readFile(join(home.path, 'settings.json'), 'utf8');
    const text = '[link-tls]\ntls-capf-host=10.0.0.5\ntls-tftp-host=10.0.0.6\n[link-a]\ntls-instance-id=Dup1\n[link-b]\ntls-instance-id=Dup1\n';
    const plan = await app.handle('import:preview', { kind: 'genesys', text, userName: 'tserver' });
    expect(plan.refusals).toEqual([expect.stringContaining('section [link-a] and section [link-b]')]);
    await expect(app.handle('import:apply', { kind: 'genesys', text, userName: 'tserver' })).rejects.toMatchObject({
      code: 'BAD_INPUT',
      message: expect.stringMatching(/^Nothing was imported: Instance ID Dup1 is in both section \[link-a\] and section \[link-b\]/),
    });
    expect(await readFile(join(home.path, 'settings.json'), 'utf8')).toBe(before);
  });
});
