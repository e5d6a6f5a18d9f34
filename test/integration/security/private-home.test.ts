/**
 * A local attacker who can write into the victim's home folder, or plant links there, is refused before
 * any file is read or written: the real CLI against real folders, modes, owners and symlinks.
 */
import { chmod, chown, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.ts';
import { tempDir } from '../../helpers/temp.ts';

const posix = process.platform !== 'win32';
const dirs: Awaited<ReturnType<typeof tempDir>>[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await dir.remove();
});

async function home(): Promise<string> {
  const dir = await tempDir('private-home');
  dirs.push(dir);
  return join(dir.path, 'home');
}

describe.runIf(posix)('the home folder must be private', () => {
  it('creates a missing home with mode 700', async () => {
    const path = await home();
    expect((await runCli(['--home', path, 'status'])).code).toBe(0);
    const { stat } = await import('node:fs/promises');
    expect((await stat(path)).mode & 0o777).toBe(0o700);
  });

  it('refuses a home that others can write, naming the path and the fix (exit 6)', async () => {
    const path = await home();
    await mkdir(path, { mode: 0o700 });
    await chmod(path, 0o777);
    const run = await runCli(['--home', path, '--json', 'status']);
    expect(run.code).toBe(6);
    const { error } = JSON.parse(run.stdout);
    expect(error.code).toBe('HOME_UNSAFE');
    expect(error.message).toContain(`The folder ${path} can be changed by other users (mode 777); run "chmod go-w ${path}"`);
  });

  it('refuses a group-writable folder under the home', async () => {
    const path = await home();
    await mkdir(join(path, 'certificates'), { recursive: true, mode: 0o700 });
    await chmod(join(path, 'certificates'), 0o770);
    const run = await runCli(['--home', path, 'certs', 'list']);
    expect(run.code).toBe(6);
    expect(run.stderr).toContain(`${join(path, 'certificates')} can be changed by other users (mode 770)`);
  });

  it.runIf(process.getuid?.() === 0)('refuses a home that belongs to another user', async () => {
    const path = await home();
    await mkdir(path, { mode: 0o700 });
    await chown(path, 65534, 65534);
    const run = await runCli(['--home', path, 'status']);
    expect(run.code).toBe(6);
    expect(run.stderr).toContain(`${path} belongs to user id 65534, not to you (0)`);
  });

  it('refuses a folder in the home that is a symbolic link to elsewhere', async () => {
    const path = await home();
    const elsewhere = join(path, '..', 'elsewhere');
    await mkdir(path, { mode: 0o700 });
    await mkdir(elsewhere, { mode: 0o700 });
    await symlink(elsewhere, join(path, 'logs'));
    const run = await runCli(['--home', path, 'status']);
    expect(run.code).toBe(6);
    expect(run.stderr).toContain(`${join(path, 'logs')} is a symbolic link`);
  });

  it('never writes log lines through a link planted as the log file', async () => {
    const path = await home();
    const profile = join(path, '..', 'bashrc');
    await writeFile(profile, '# the victim\'s shell start-up file\n');
    await mkdir(join(path, 'logs'), { recursive: true, mode: 0o700 });
    await symlink(profile, join(path, 'logs', 'ctiprefs.log'));
    // A command that logs: a failed CTL fetch from a closed port.
    await runCli(['--home', path, 'ctl', 'fetch', '--tftp', '127.0.0.1:9'], { env: { CTIPREFS_KEYSTORE_PASSWORD: 'a-long-test-password' } });
    expect(await readFile(profile, 'utf8')).toBe('# the victim\'s shell start-up file\n');
  });
});
