/**
 * A certificate folder that arrives over IPC (settings:save) must be under the home, already saved, or picked
 * in the native folder dialog: the real AppService on a real home folder.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAppService, type AppService } from '../../../electron/core/app-service.ts';
import { defaultProfile } from '../../../shared/profile.ts';
import { ctiRejection } from '../../helpers/rejection.ts';
import { tempDir } from '../../helpers/temp.ts';

let home: Awaited<ReturnType<typeof tempDir>>;
let picked: string | null;
let service: AppService;

beforeEach(async () => {
  home = await tempDir('folders');
  picked = null;
  service = await createAppService({ home: join(home.path, 'home'), env: { CTIPREFS_KEYSTORE_PASSWORD: 'folder-test-password' }, pickFolder: async () => picked });
});
afterEach(async () => {
  await service.close();
  await home.remove();
});

const withPath = (certificatePath: string) => ({ ...defaultProfile('p1'), userName: 'agent', instanceId: 'inst1', tftpServers: ['127.0.0.1'], capfHost: '127.0.0.1', certificatePath });

describe('certificate folders over IPC', () => {
  it('accepts a folder under the home', async () => {
    const saved = await service.handle('settings:save', { version: 2, activeProfileId: 'p1', profiles: [withPath('certs/agent')] });
    expect(saved.profiles[0]!.certificatePath).toBe('certs/agent');
  });

  it('refuses a folder outside the home that the user did not pick, and saves nothing', async () => {
    const error = await ctiRejection(service.handle('settings:save', { version: 2, activeProfileId: 'p1', profiles: [withPath('/etc/ctiprefs-victim')] }));
    expect(error.code).toBe('BAD_INPUT');
    expect(error.message).toContain('/etc/ctiprefs-victim is outside');
    expect(error.message).toContain('Choose folder');
    expect((await service.handle('settings:get', undefined)).profiles).toEqual([]);
    const traversal = await ctiRejection(service.handle('settings:save', { version: 2, activeProfileId: 'p1', profiles: [withPath('../../outside')] }));
    expect(traversal.code).toBe('BAD_INPUT');
  });

  it('accepts the folder the user picked in the dialog, and keeps accepting it once saved', async () => {
    picked = join(home.path, 'picked');
    expect(await service.handle('folders:pick', undefined)).toBe(picked);
    await service.handle('settings:save', { version: 2, activeProfileId: 'p1', profiles: [withPath(picked)] });
    const reopened = await createAppService({ home: join(home.path, 'home'), env: { CTIPREFS_KEYSTORE_PASSWORD: 'folder-test-password' } });
    try {
      const settings = await reopened.handle('settings:get', undefined);
      expect((await reopened.handle('settings:save', settings)).profiles[0]!.certificatePath).toBe(picked);
    } finally {
      await reopened.close();
    }
  });

  it('says that the preview has no folder dialog', async () => {
    const preview = await createAppService({ home: join(home.path, 'home'), env: { CTIPREFS_KEYSTORE_PASSWORD: 'folder-test-password' } });
    try {
      expect((await ctiRejection(preview.handle('folders:pick', undefined))).message).toMatch(/needs the desktop app/);
    } finally {
      await preview.close();
    }
  });
});
