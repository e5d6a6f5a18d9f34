/**
 * `npm run preview -- --lab` without --home, as a person starts it: the lab's profile, trust list, keystore
 * and vault secrets end up in a home and a vault service of their own, and the real home (CTIPREFS_HOME
 * here) is never created. The enrollment goes through the preview's own HTTP bridge, as the page's would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findCredentialsAsync } from '@napi-rs/keyring';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_VAULT_SERVICE, OsVault, keystoreAccount } from '../../../electron/core/keystore/vault.ts';
import { folderId } from '../../../electron/core/paths.ts';
import { LAB_VAULT_SERVICE } from '../../../electron/lab-session.ts';
import { TOKEN_HEADER } from '../../../electron/preview/bridge-routes.ts';
import { tempDir } from '../../helpers/temp.ts';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const READY = /^Preview: (http:\/\/127\.0\.0\.1:(\d+)\/\?token=([A-Za-z0-9_-]+))$/m;

let work: Awaited<ReturnType<typeof tempDir>>;
let child: ChildProcess;
let realHome: string;
let url: URL;
let output = '';

beforeAll(async () => {
  work = await tempDir('lab-isolation');
  realHome = join(work.path, 'real-home');
  const { CTIPREFS_HOME: _, ...env } = process.env;
  child = spawn(process.execPath, ['--import', 'tsx', 'scripts/preview.ts', '--lab', '--port', '0', '--profile', 'iso1:24681357'], {
    cwd: ROOT,
    env: { ...env, CTIPREFS_HOME: realHome },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  url = new URL(
    await new Promise<string>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString('utf8');
        const match = READY.exec(output);
        if (match) resolve(match[1]!);
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => reject(new Error(`preview exited with ${code}:\n${output}`)));
    }),
  );
}, 180_000);
afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
  await work?.remove();
});

async function invoke(channel: string, payload: unknown): Promise<unknown> {
  const response = await fetch(new URL(`/api/invoke/${channel}`, url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', [TOKEN_HEADER]: url.searchParams.get('token')! },
    body: JSON.stringify(payload),
  });
  return response.json();
}

const exists = (path: string) => access(path).then(() => true, () => false);

describe('a lab session without --home', () => {
  const labHome = () => `${realHome}-lab`;

  it('says where its home is and enrolls there', async () => {
    expect(output).toContain(`Home: ${labHome()} (the lab's own; secrets under vault service "${LAB_VAULT_SERVICE}")`);
    expect(await invoke('enroll:start', { profileId: 'lab', authString: '24681357' })).toMatchObject({ result: { state: 'succeeded' } });
  }, 120_000);

  it('keeps profile, trust list and keystore in the lab home, and never creates the real home', async () => {
    expect(await exists(realHome)).toBe(false);
    const settings = JSON.parse(await readFile(join(labHome(), 'settings.json'), 'utf8')) as { profiles: { id: string; instanceId: string }[] };
    expect(settings.profiles.map((p) => [p.id, p.instanceId])).toEqual([['lab', 'iso1']]);
    expect(await exists(join(labHome(), 'lab', 'certificates', 'iso1.p12'))).toBe(true);
  });

  it('keeps its secrets under the lab vault service, none under the real one', async () => {
    const account = keystoreAccount(`${folderId(join(labHome(), 'lab', 'certificates'))}:iso1`);
    const lab = (await findCredentialsAsync(LAB_VAULT_SERVICE)).map((c) => c.account);
    expect(lab).toEqual(expect.arrayContaining([account, 'ctl-integrity']));
    expect(await new OsVault(DEFAULT_VAULT_SERVICE).get(account)).toBeNull();
    for (const entry of lab) await new OsVault(LAB_VAULT_SERVICE).delete(entry);
  });
});
