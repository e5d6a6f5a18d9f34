/** The command-line conventions: --version, COMMAND --help, usage on stderr for bad input, results on stdout. */
import { execFile } from 'node:child_process';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, runCli } from '../../helpers/cli.ts';
import { tempDir } from '../../helpers/temp.ts';

const COMMANDS = ['ctl fetch', 'ctl show', 'enroll', 'certs list', 'certs export', 'status', 'resume', 'lab', 'demo'];

describe('ctiprefs conventions', () => {
  it('runs the precompiled bundle, not the TypeScript sources', async () => {
    const launcher = await readFile(CLI, 'utf8');
    expect(launcher).toContain('dist-cli/cli.cjs');
    expect(launcher).not.toMatch(/tsx|\.ts['"]/);
  });

  it('prints the version from package.json', async () => {
    const { version } = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(await runCli(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    expect(JSON.parse((await runCli(['--json', '--version'])).stdout)).toEqual({ version });
  });

  it('prints the full usage on stdout for --help, and on stderr with exit 2 without a command', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    for (const command of COMMANDS) expect(help.stdout).toContain(` ${command}`);
    const none = await runCli([]);
    expect(none.code).toBe(2);
    expect(none.stdout).toBe('');
    expect(none.stderr).toContain('No command given');
    expect(none.stderr).toContain(help.stdout.trim());
  });

  it.each(COMMANDS)('answers "%s --help" with its own usage, exit 0, without doing anything', async (command) => {
    const home = await tempDir('cli-help');
    const run = await runCli(['--home', home.path, ...command.split(' '), '--help']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(new RegExp(`^Usage: ctiprefs .*${command}`));
    expect(run.stdout.split('\n').filter((line) => line.startsWith('Usage:'))).toHaveLength(1);
    expect(await runCli(['--home', home.path, 'help', ...command.split(' ')])).toEqual(run);
    await home.remove();
  });

  it('answers "certs --help" and "help ctl" with the commands of that group', async () => {
    const certs = await runCli(['certs', '--help']);
    expect(certs.code).toBe(0);
    expect(certs.stdout).toMatch(/certs list[\s\S]*certs export/);
    const ctl = await runCli(['help', 'ctl']);
    expect(ctl.code).toBe(0);
    expect(ctl.stdout).toMatch(/ctl fetch[\s\S]*ctl show/);
    const bare = await runCli(['ctl']);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/Usage: ctiprefs .*ctl fetch[\s\S]*ctl show/);
  });

  it('shows the command usage on stderr after a usage error; stdout stays empty (or one JSON object)', async () => {
    const run = await runCli(['enroll', '--tftp', '127.0.0.1']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/--capf is required[\s\S]*Usage: ctiprefs .*enroll .*--tftp/);
    const json = await runCli(['--json', 'bogus']);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toEqual({ error: { code: 'BAD_INPUT', message: expect.stringContaining('Unknown command "bogus"') } });
  });

  it('says how to build the bundle when it is missing', async () => {
    const copy = await tempDir('cli-nobundle');
    await cp(dirname(CLI), join(copy.path, 'bin'), { recursive: true });
    await writeFile(join(copy.path, 'package.json'), '{"type":"module"}');
    const run = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(process.execPath, [join(copy.path, 'bin', 'ctiprefs.cjs'), '--help'], (error, _stdout, stderr) =>
        resolve({ code: error ? (error.code as number) : 0, stderr }),
      );
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('npm run build:cli');
    await copy.remove();
  });

  it('fails, never exits 0, when the CLI rejects (whatever --unhandled-rejections says) or never answers', async () => {
    const copy = await tempDir('cli-failing-bundle');
    await cp(dirname(CLI), join(copy.path, 'bin'), { recursive: true });
    await mkdir(join(copy.path, 'dist-cli'));
    const launch = (bundle: string, nodeFlags: string[] = []) =>
      writeFile(join(copy.path, 'dist-cli', 'cli.cjs'), `${bundle}\nexports.isCliInvocation = () => false;\n`).then(
        () =>
          new Promise<{ code: number | null; stderr: string }>((resolve) => {
            execFile(process.execPath, [...nodeFlags, join(copy.path, 'bin', 'ctiprefs.cjs'), 'status'], (error, _stdout, stderr) =>
              resolve({ code: error ? (error.code as number) : 0, stderr }),
            );
          }),
      );
    const rejecting = 'exports.main = async () => { throw new Error("bundle failed"); };';
    for (const flags of [[], ['--unhandled-rejections=warn'], ['--unhandled-rejections=none']]) {
      const run = await launch(rejecting, flags);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('bundle failed');
    }
    expect((await launch('exports.main = () => new Promise(() => {});')).code).toBe(1);
    expect((await launch('exports.main = async () => 4;')).code).toBe(4);
    await copy.remove();
  });
});
