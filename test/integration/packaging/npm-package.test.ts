/**
 * The npm package of the command line (`npm run pack:cli`): what `npm pack` puts in the tarball, and that
 * the unpacked tarball runs with nothing of this checkout but the run-time dependencies.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import packageJson from '../../../package.json' with { type: 'json' };

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../..', import.meta.url));

let dir: string;
let files: string[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ctiprefs-npm-package-'));
  // The CLI bundle was built by the test setup (test/helpers/build-cli.ts), as pack:cli builds it first.
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: root });
  const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
  files = packed!.files.map((file) => file.path);
  await run('tar', ['-xzf', join(dir, packed!.filename), '-C', dir]);
  // Installed dependencies, as `npm install -g` would put them beside the package.
  await mkdir(join(dir, 'package', 'node_modules'));
  for (const name of Object.keys(packageJson.dependencies)) {
    const [scope] = name.split('/');
    if (name.startsWith('@')) await mkdir(join(dir, 'package', 'node_modules', scope!), { recursive: true });
    await symlink(join(root, 'node_modules', name), join(dir, 'package', 'node_modules', name));
  }
}, 120_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the npm package', () => {
  it('holds the command and its precompiled bundle, and no sources, tests, maps or CI files', () => {
    expect(files).toEqual(expect.arrayContaining(['bin/ctiprefs.cjs', 'bin/code-cache.cjs', 'bin/launch-args.cjs', 'dist-cli/cli.cjs', 'package.json', 'README.md']));
    // npm always adds the file package.json's `main` names (the Electron bundle) once it has been built.
    const unexpected = files.filter((path) => !/^(bin\/[a-z-]+\.cjs|dist-cli\/cli\.cjs|package\.json|README\.md|LICENSE)$/.test(path) && path !== packageJson.main);
    expect(unexpected).toEqual([]);
  });

  it('runs from the unpacked tarball: --version, and a command that reaches the core', async () => {
    const cli = join(dir, 'package', 'bin', 'ctiprefs.cjs');
    expect((await run(process.execPath, [cli, '--version'])).stdout.trim()).toBe(packageJson.version);
    const home = join(dir, 'home');
    const { stdout } = await run(process.execPath, [cli, '--home', home, '--json', 'status']);
    expect(JSON.parse(stdout)).toBeTypeOf('object');
  });
});
