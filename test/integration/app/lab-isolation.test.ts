/**
 * `npm run preview -- --lab` without --home, as a person starts it: the lab's profile, trust list, keystore
 * and vault secrets end up in a home and a vault service of their own, and the real home (CTIPREFS_HOME
 * here) is never created. The enrollment goes through the preview's own HTTP bridge, as the page's would.
 */
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findCredentialsAsync } from '@napi-rs/keyring';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_VAULT_SERVICE, OsVault, keystoreAccount } from '../../../electron/core/keystore/vault.ts';
import { folderId } from '../../../electron/core/paths.ts';
import { LAB_VAULT_SERVICE } from '../../../electron/lab-session.ts';
import { REAL_HOME, invokeBridge, startPreview, type Preview } from '../../../scripts/lib/preview-process.ts';

let preview: Preview;
beforeAll(async () => {
  preview = await startPreview(['iso1:24681357'], { homeFlag: false });
}, 180_000);
afterAll(async () => {
  await preview?.stop();
});

const exists = (path: string) => access(path).then(() => true, () => false);

describe('a lab session without --home', () => {
  const realHome = () => join(preview.home, REAL_HOME);
  const labHome = () => `${realHome()}-lab`;

  it('says where its home is and enrolls there', async () => {
    expect(preview.output()).toContain(`Home: ${labHome()} (the lab's own; secrets under vault service "${LAB_VAULT_SERVICE}")`);
    expect(await invokeBridge(preview, 'enroll:start', { profileId: 'lab', authString: '24681357' })).toMatchObject({ result: { state: 'succeeded' } });
  }, 120_000);

  it('keeps profile, trust list and keystore in the lab home, and never creates the real home', async () => {
    expect(await exists(realHome())).toBe(false);
    const settings = JSON.parse(await readFile(join(labHome(), 'settings.json'), 'utf8')) as { profiles: { id: string; instanceId: string }[] };
    expect(settings.profiles.map((p) => [p.id, p.instanceId])).toEqual([['lab', 'iso1']]);
    expect(await exists(join(labHome(), 'lab', 'certificates', 'iso1.p12'))).toBe(true);
  });

  it('keeps its secrets under the lab vault service, none under the real one', async () => {
    const account = keystoreAccount(`${folderId(join(labHome(), 'lab', 'certificates'))}:iso1`);
    const lab = (await findCredentialsAsync(LAB_VAULT_SERVICE)).map((c) => c.account);
    expect(lab).toEqual(expect.arrayContaining([account, 'ctl-integrity']));
    expect(await new OsVault(DEFAULT_VAULT_SERVICE).get(account)).toBeNull();
    // Only tidies the throwaway vault: a keyring daemon quitting now (with-test-vault.sh restarts it) is no lab fault.
    for (const entry of lab) await new OsVault(LAB_VAULT_SERVICE).delete(entry).catch(() => undefined);
  });
});
