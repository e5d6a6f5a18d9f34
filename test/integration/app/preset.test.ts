/**
 * The desktop app reads the machine-wide preset too: the main-process API against the lab, with
 * CTIPREFS_PRESET_DIR standing in for /etc/ctiprefs. A user without settings sees the preset's profiles, a
 * save copies them into the user's own file, and the preset's expected signer holds for the app's trust-list
 * check and its enrollment: no trust on first use.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppService } from '../../../electron/core/app-service.ts';
import { memoryLogger } from '../../../electron/core/log.ts';
import { startLab, type Lab } from '../../../electron/lab/lab.ts';
import { parseLabProfile } from '../../../electron/lab/profiles.ts';
import { defaultProfile } from '../../../shared/profile.ts';
import { ctiRejection } from '../../helpers/rejection.ts';
import { tempDir } from '../../helpers/temp.ts';

let lab: Lab;
let root: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  root = await tempDir('app-preset');
  lab = await startLab({ dir: join(root.path, 'lab'), profiles: ['apppre1:13572468:p256'].map(parseLabProfile) });
}, 120_000);
afterAll(async () => {
  await lab?.close();
  await root?.remove();
});

const profile = () => ({ ...defaultProfile('fleet'), userName: 'agent', instanceId: 'apppre1', tftpServers: [`${lab.tftp.host}:${lab.tftp.port}`], capfHost: lab.capf.host, capfPort: lab.capf.port });

async function appWithPreset(name: string, expectedSignerFingerprint: string) {
  const dir = join(root.path, `${name}-preset`);
  await mkdir(dir, { mode: 0o755 });
  await writeFile(join(dir, 'preset.json'), JSON.stringify({ version: 2, profiles: [{ ...profile(), expectedSignerFingerprint }], activeProfileId: 'fleet' }), { mode: 0o644 });
  return createAppService({ home: join(root.path, name), logger: memoryLogger(), env: { ...process.env, CTIPREFS_PRESET_DIR: dir } });
}

describe('the app with a machine-wide preset', () => {
  it('shows the preset to a user without settings; the first save makes them the user\'s own', async () => {
    const app = await appWithPreset('show', `${'AB:'.repeat(31)}AB`);
    try {
      expect(await app.handle('settings:get', undefined)).toEqual({ version: 2, profiles: [profile()], activeProfileId: 'fleet' });
      const saved = await app.handle('settings:save', { version: 2, profiles: [{ ...profile(), retries: 2 }], activeProfileId: 'fleet' });
      expect(JSON.parse(await readFile(join(root.path, 'show', 'settings.json'), 'utf8'))).toEqual(saved);
    } finally {
      await app.close();
    }
  });

  it('refuses a first CTL whose signer is not the preset\'s, in the trust-list check and in the enrollment', async () => {
    const app = await appWithPreset('pin', `${'CD:'.repeat(31)}CD`);
    try {
      expect((await ctiRejection(app.handle('ctl:check-update', { profileId: 'fleet' }))).code).toBe('CTL_COMPROMISED');
      expect((await ctiRejection(app.handle('enroll:start', { profileId: 'fleet', authString: '13572468' }))).code).toBe('CTL_COMPROMISED');
      expect(await app.handle('ctl:get', { profileId: 'fleet' })).toBeNull();
    } finally {
      await app.close();
    }
  }, 60_000);
});
