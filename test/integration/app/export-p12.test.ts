/**
 * `certs:export-p12` end to end against the lab: the main side writes the PKCS#12 file where the picker
 * says (the preview's exports folder here), openssl opens it with the chosen password only, and the password
 * reaches no log and no answer. The renderer gets a path, never the bytes.
 */
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppService, type AppService } from '../../../electron/core/app-service.ts';
import { memoryLogger } from '../../../electron/core/log.ts';
import { dispatchRequest } from '../../../electron/ipc-dispatch.ts';
import { labProfile, withProfile } from '../../../electron/lab-session.ts';
import { startLab, type Lab } from '../../../electron/lab/lab.ts';
import { parseLabProfile } from '../../../electron/lab/profiles.ts';
import { EXPORTS_FOLDER, previewExportPicker } from '../../../electron/preview/export-folder.ts';
import { tempDir } from '../../helpers/temp.ts';

const run = promisify(execFile);
const PASSWORD = 'export-Password-8815';

let lab: Lab;
let app: AppService;
let home: string;
let cancel = false;
let dirs: Awaited<ReturnType<typeof tempDir>>[] = [];
const logger = memoryLogger();

beforeAll(async () => {
  const labDir = await tempDir('p12-lab');
  const homeDir = await tempDir('p12-home');
  dirs = [labDir, homeDir];
  home = homeDir.path;
  lab = await startLab({ dir: labDir.path, profiles: ['p12one:24681357:p256'].map(parseLabProfile) });
  const pick = previewExportPicker(home);
  app = await createAppService({ home, logger, pickExportFile: async (name) => (cancel ? null : pick(name)) });
  await app.handle('settings:save', withProfile(await app.handle('settings:get', undefined), labProfile(lab)));
  expect(await app.handle('enroll:start', { profileId: 'lab', authString: '24681357' })).toMatchObject({ state: 'succeeded' });
}, 120_000);
afterAll(async () => {
  await app?.close();
  await lab?.close();
  for (const d of dirs) await d.remove();
});

async function folderId(): Promise<string> {
  const [cert] = await app.handle('certs:list', undefined);
  if (!cert) throw new Error('expected the enrolled certificate');
  return cert.folderId;
}

describe('certs:export-p12', () => {
  it('writes certificate and key, encrypted with the chosen password, readable by openssl', async () => {
    const answer = await app.handle('certs:export-p12', { folderId: await folderId(), instanceId: 'p12one', password: PASSWORD });
    expect(answer).toEqual({ savedAs: join(home, EXPORTS_FOLDER, 'p12one.p12') });
    const file = answer!.savedAs;
    expect((await stat(file)).mode & 0o777).toBe(0o600);

    const opened = await run('openssl', ['pkcs12', '-in', file, '-passin', `pass:${PASSWORD}`, '-nodes']);
    expect(opened.stdout).toContain('BEGIN PRIVATE KEY');
    const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(opened.stdout)![0];
    const [cert] = await app.handle('certs:list', undefined);
    expect(new X509Certificate(pem).fingerprint256).toBe(cert && !cert.error ? cert.fingerprintSha256 : 'none');
    await expect(run('openssl', ['pkcs12', '-in', file, '-passin', 'pass:wrong-password', '-nodes'])).rejects.toThrow();
    expect(JSON.stringify(answer)).not.toContain(PASSWORD);
  });

  it('picks a new name for a second export instead of overwriting the first', async () => {
    const first = await readFile(join(home, EXPORTS_FOLDER, 'p12one.p12'));
    const answer = await app.handle('certs:export-p12', { folderId: await folderId(), instanceId: 'p12one', password: PASSWORD });
    expect(answer).toEqual({ savedAs: join(home, EXPORTS_FOLDER, 'p12one-2.p12') });
    expect(await readFile(join(home, EXPORTS_FOLDER, 'p12one.p12'))).toEqual(first);
  });

  it('writes nothing when the save dialog is cancelled', async () => {
    cancel = true;
    try {
      expect(await app.handle('certs:export-p12', { folderId: await folderId(), instanceId: 'p12one', password: PASSWORD })).toBeNull();
    } finally {
      cancel = false;
    }
    expect((await readdir(join(home, EXPORTS_FOLDER))).sort()).toEqual(['p12one-2.p12', 'p12one.p12']);
  });

  it('refuses a short password at the IPC boundary, naming the rule and not the password', async () => {
    const envelope = await dispatchRequest(app, 'certs:export-p12', { folderId: await folderId(), instanceId: 'p12one', password: 'short12' });
    expect(envelope).toMatchObject({ error: { code: 'BAD_INPUT', message: expect.stringContaining('8 to 1024 characters') } });
    expect(JSON.stringify(envelope)).not.toContain('short12');
    expect((await readdir(join(home, EXPORTS_FOLDER))).length).toBe(2);
  });

  it('never logs the password', () => {
    expect(logger.lines.some((line) => line.includes('keystore.exported'))).toBe(true);
    for (const line of logger.lines) expect(line).not.toContain(PASSWORD);
  });
});
