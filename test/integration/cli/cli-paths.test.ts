/**
 * Paths of the user's environment that cannot be used: exit 2 when the path is wrong (a file where a folder
 * belongs, or the reverse), exit 6 when the place refuses (read-only), the path named, never exit 1.
 * The read-only file system is a real one (a tmpfs mounted read-only); skipped where mounting is not allowed.
 */
import { once } from 'node:events';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startLabProcess } from '../../helpers/cli.ts';
import { tempDir } from '../../helpers/temp.ts';
import { mountTmpfs } from '../../helpers/tmpfs.ts';

const readOnly = mountTmpfs('cli-ro', 64 * 1024, { readOnly: true });
const noReadOnly = 'skip' in readOnly ? readOnly.skip : undefined;
if (noReadOnly) console.warn(`cli-paths: read-only cases skipped: ${noReadOnly}`);

let lab: Awaited<ReturnType<typeof startLabProcess>>;
let labDir: Awaited<ReturnType<typeof tempDir>>;
let work: Awaited<ReturnType<typeof tempDir>>;
let home: string;
let aFile: string;

beforeAll(async () => {
  labDir = await tempDir('cli-paths-lab');
  work = await tempDir('cli-paths');
  home = join(work.path, 'home');
  aFile = join(work.path, 'a-file');
  await writeFile(aFile, 'not a folder');
  lab = await startLabProcess(['--dir', labDir.path, '--profile', 'paths1:24681357:p256']);
  const enrolled = await runCli(
    ['--home', home, 'enroll', '--tftp', String(lab.ready.tftp), '--capf', String(lab.ready.capf), '--user', 'u', '--instance-id', 'paths1', '--auth-string', '24681357'],
  );
  expect(enrolled.code).toBe(0);
}, 120_000);
afterAll(async () => {
  lab?.child.kill('SIGTERM');
  if (lab && lab.child.exitCode === null) await once(lab.child, 'exit');
  if (!('skip' in readOnly)) readOnly.unmount();
  await labDir?.remove();
  await work?.remove();
});

async function failure(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; error: { code: string; message: string }; stderr: string }> {
  const run = await runCli(['--json', ...args], { env });
  return { code: run.code, error: (JSON.parse(run.stdout) as { error: { code: string; message: string } }).error, stderr: run.stderr };
}

describe('--home that cannot be used', () => {
  it('is a file: exit 2 naming it', async () => {
    for (const command of [['status'], ['ctl', 'show']]) {
      const run = await failure(['--home', aFile, ...command]);
      expect(run).toMatchObject({ code: 2, error: { code: 'BAD_INPUT', message: `Home folder ${aFile} is a file, not a folder` } });
    }
  });

  it('lies under a file: exit 2 naming the path', async () => {
    const under = join(aFile, 'home');
    const run = await failure(['--home', under, 'status']);
    expect(run).toMatchObject({ code: 2, error: { code: 'BAD_INPUT', message: `Home folder ${under}: a part of the path is a file where a folder is expected (ENOTDIR)` } });
  });

  it.skipIf(noReadOnly)('is read-only: exit 6 naming it, also for a folder still to be created there', async () => {
    if ('skip' in readOnly) return;
    const run = await failure(['--home', readOnly.path, 'status']);
    expect(run).toMatchObject({ code: 6, error: { message: `Home folder ${readOnly.path} cannot be written: the file system is read-only (EROFS)` } });
    const fresh = join(readOnly.path, 'new', 'home');
    const created = await failure(['--home', fresh, 'status']);
    expect(created).toMatchObject({ code: 6, error: { message: `Cannot create the home folder ${fresh}: the file system is read-only (EROFS)` } });
  });
});

describe('certs export --out that cannot be written', () => {
  const exportArgs = (out: string, format: 'pem' | 'p12') => ['--home', home, 'certs', 'export', '--instance-id', 'paths1', '--out', out, '--format', format];
  const withPassword = { CTIPREFS_EXPORT_PASSWORD: 'export-pass-1' };

  it('is a folder: exit 2 naming --out, for PEM and PKCS#12', async () => {
    for (const format of ['pem', 'p12'] as const) {
      const run = await failure(exportArgs(work.path, format), withPassword);
      expect(run).toMatchObject({ code: 2, error: { code: 'BAD_INPUT', message: `--out ${work.path} is a folder; give the path of the file to write` } });
    }
  });

  it('lies under a file: exit 2 naming the path', async () => {
    const out = join(aFile, 'cert.pem');
    const run = await failure(exportArgs(out, 'pem'));
    expect(run).toMatchObject({ code: 2, error: { code: 'BAD_INPUT', message: expect.stringContaining(out) } });
  });

  it.skipIf(noReadOnly)('is on a read-only file system: exit 6 naming the path, for PEM and PKCS#12', async () => {
    if ('skip' in readOnly) return;
    for (const format of ['pem', 'p12'] as const) {
      const out = join(readOnly.path, `cert.${format}`);
      const run = await failure(exportArgs(out, format), withPassword);
      expect(run.code).toBe(6);
      expect(run.error.message).toContain(out);
      expect(run.error.message).toContain('read-only (EROFS)');
    }
  });
});

describe('temp files left by a kill', () => {
  it('are removed when the next run opens the folder; live writers and other files are kept', async () => {
    const killedHome = join(work.path, 'killed-home');
    const certificates = join(killedHome, 'certificates');
    await mkdir(certificates, { recursive: true });
    // A real writer killed before its rename: a child process creates temp files named as writeFileAtomic
    // names them, says so, and is killed.
    const child = (await import('node:child_process')).spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `import { tempPathFor } from ${JSON.stringify(new URL('../../../electron/core/fs/atomic-file.ts', import.meta.url).pathname)};
         import { writeFileSync } from 'node:fs';
         for (const path of process.argv.slice(1)) writeFileSync(tempPathFor(path), 'half a write');
         process.stdout.write('written\\n');
         setInterval(() => {}, 1000);`,
        join(killedHome, 'settings.json'),
        join(certificates, 'agent1.p12'),
        join(certificates, 'CTLFile.tlv'),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await once(child.stdout!, 'data');
    child.kill('SIGKILL');
    await once(child, 'exit');
    // A writer that is alive (this test process) and just started: its temp file must stay.
    const live = `.status.json.${process.pid}.0123456789ab.tmp`;
    await writeFile(join(killedHome, live), 'in progress');
    await writeFile(join(killedHome, 'notes.tmp'), 'not ours');
    const leftovers = async () => [...(await readdir(killedHome)), ...(await readdir(certificates))].filter((name) => name.endsWith('.tmp')).sort();
    expect(await leftovers()).toHaveLength(5);

    const run = await runCli(['--home', killedHome, '--json', 'certs', 'list']);
    expect(run.code).toBe(0);
    expect(await leftovers()).toEqual([live, 'notes.tmp'].sort());
    expect(await readFile(join(killedHome, 'logs', 'ctiprefs.log'), 'utf8')).toContain('fs.stale-temp-files-removed');
  });
});
