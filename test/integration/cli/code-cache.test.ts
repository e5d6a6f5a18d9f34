/**
 * The compiled-code cache of bin/ctiprefs.cjs, in the user's own cache folder: made by a first run of a
 * command, used (not rewritten) by the next, a damaged one made again, and one that another user could
 * have written never run (V8 runs any cache that fits the source's length: it is code).
 */
import { createHash } from 'node:crypto';
import { chmod, chown, mkdir, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import module from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { cacheName, cacheRoot } from '../../../bin/code-cache.cjs';
import { runCli } from '../../helpers/cli.ts';
import { tempDir } from '../../helpers/temp.ts';

const run = promisify(execFile);
const BUNDLE = fileURLToPath(new URL('../../../dist-cli/cli.cjs', import.meta.url));
const CODE_CACHE = new URL('../../../bin/code-cache.cjs', import.meta.url).href;
const VERSION = (JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const FORGED_VERSION = VERSION.replace(/\d/g, '6');

/**
 * What an attacker would plant: a valid cache file, under the real bundle's cache name for `--version`,
 * made from a bundle of the same length that reports another version. V8 accepts it for the real bundle.
 * Made in a child process: the cache and its name depend on Node's flags, and vitest's differ.
 */
async function forgedCache(): Promise<{ name: string; bytes: Buffer }> {
  const script = `
    import { readFileSync } from 'node:fs';
    import module, { createRequire } from 'node:module';
    import { dirname } from 'node:path';
    import { Script } from 'node:vm';
    import { cacheName } from ${JSON.stringify(CODE_CACHE)};
    const bundle = ${JSON.stringify(BUNDLE)};
    const source = readFileSync(bundle, 'latin1');
    const variant = source.replace('version:"${VERSION}"', 'version:"${FORGED_VERSION}"');
    if (variant.length !== source.length || variant === source) throw new Error('no same-length variant');
    const script = new Script(module.wrap(variant), { filename: bundle });
    const loaded = { exports: {} };
    script.runInThisContext()(loaded.exports, createRequire(bundle), loaded, bundle, dirname(bundle));
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = () => true;
    await loaded.exports.main(['--version']); // compiles the function that holds the version, into the cache
    process.stdout.write = write;
    process.stdout.write(JSON.stringify({ name: cacheName(source, 'other'), data: script.createCachedData().toString('base64') }));`;
  // A file, not --eval: Node's flags are part of the cache's name, and the real run has none.
  const dir = await tempDir('forged-cache');
  let stdout: string;
  try {
    await writeFile(join(dir.path, 'forge.mjs'), script);
    ({ stdout } = await run(process.execPath, [join(dir.path, 'forge.mjs')]));
  } finally {
    await dir.remove();
  }
  const { name, data } = JSON.parse(stdout) as { name: string; data: string };
  const bytes = Buffer.from(data, 'base64');
  return { name, bytes: Buffer.concat([createHash('sha256').update(bytes).digest(), bytes]) };
}

const NODE_HAS_COMPILE_CACHE = typeof (module as { enableCompileCache?: unknown }).enableCompileCache === 'function';

async function cacheFolder() {
  const cache = await tempDir('code-cache');
  const home = join(cache.path, 'home');
  const env = { XDG_CACHE_HOME: cache.path, LOCALAPPDATA: undefined };
  const files = async () => (await readdir(join(cache.path, 'ctiprefs', 'code-cache'))).filter((name) => !name.endsWith('.tmp'));
  return { cache, home, env, files, folder: join(cache.path, 'ctiprefs', 'code-cache') };
}

describe.skipIf(NODE_HAS_COMPILE_CACHE)('the code cache on Node 20 (V8 code cache, one file per command)', () => {
  it('is made by the first run of a command and used by the next, unchanged', async () => {
    const { cache, home, env, files, folder } = await cacheFolder();
    try {
      expect((await runCli(['--home', home, '--json', 'status'], { env })).code).toBe(0);
      const [made, ...others] = await files();
      expect(others).toEqual([]);
      expect(made).toMatch(/^[0-9a-f]{32}-status\.v8$/);
      const first = await stat(join(folder, made!));
      expect(first.mode & 0o777).toBe(0o600);
      expect((await stat(folder)).mode & 0o777).toBe(0o700);
      expect((await runCli(['--home', home, '--json', 'status'], { env })).code).toBe(0);
      expect((await stat(join(folder, made!))).mtimeMs).toBe(first.mtimeMs);
      // Another command has its own.
      expect((await runCli(['--home', home, 'certs', 'list'], { env })).code).toBe(0);
      expect((await files()).sort()).toEqual([made, made!.replace('-status', '-certs')].sort());
    } finally {
      await cache.remove();
    }
  }, 60_000);

  it.each([
    ['not a cache at all', (file: Buffer) => Buffer.alloc(4096, 0x41).fill(file.subarray(0, 32), 0, 32)],
    ['one bit flipped (V8 would run it)', (file: Buffer) => Buffer.from(file).fill(file[file.length >> 1]! ^ 1, file.length >> 1, (file.length >> 1) + 1)],
    ['cut short', (file: Buffer) => file.subarray(0, file.length >> 1)],
  ])('makes the cache again when it is damaged (%s), and the command still runs', async (_what, damage) => {
    const { cache, home, env, files, folder } = await cacheFolder();
    try {
      await runCli(['--home', home, '--json', 'status'], { env });
      const [made] = await files();
      const good = await readFile(join(folder, made!));
      const damaged = damage(good);
      await writeFile(join(folder, made!), damaged);
      const run = await runCli(['--home', home, '--json', 'status'], { env });
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toBeTypeOf('object');
      expect((await readFile(join(folder, made!))).equals(damaged)).toBe(false);
    } finally {
      await cache.remove();
    }
  }, 60_000);

  it('makes a missing cache root, private, as a new account has none yet', async () => {
    const { cache, home } = await cacheFolder();
    const root = join(cache.path, 'new-root');
    try {
      expect((await runCli(['--home', home, '--json', 'status'], { env: { XDG_CACHE_HOME: root, LOCALAPPDATA: undefined } })).code).toBe(0);
      expect((await stat(root)).mode & 0o777).toBe(0o700);
      expect(await readdir(join(root, 'ctiprefs', 'code-cache'))).toEqual([expect.stringMatching(/^[0-9a-f]{32}-status\.v8$/)]);
    } finally {
      await cache.remove();
    }
  }, 60_000);

  it('makes none for a mistyped command, and runs when the cache folder cannot be written', async () => {
    const { cache, home, env, folder } = await cacheFolder();
    try {
      expect((await runCli(['--home', home, 'stauts'], { env })).code).toBe(2);
      expect(await readdir(folder)).toEqual([]);
      await rm(folder, { recursive: true });
      await writeFile(folder, 'not a folder');
      expect((await runCli(['--home', home, '--json', 'status'], { env })).code).toBe(0);
    } finally {
      await cache.remove();
    }
  }, 60_000);
});

describe.skipIf(NODE_HAS_COMPILE_CACHE)('a code cache another user could have written is never run', () => {
  it('runs a planted cache only when it is this user\'s own file in this user\'s own folder', async () => {
    const { cache, env, folder } = await cacheFolder();
    try {
      const forged = await forgedCache();
      await mkdir(folder, { recursive: true, mode: 0o700 });
      await chmod(join(cache.path, 'ctiprefs'), 0o700);
      await writeFile(join(folder, forged.name), forged.bytes, { mode: 0o600 });
      // The control: a cache of this user's own is trusted (same-user code is out of reach anyway).
      expect((await runCli(['--version'], { env })).stdout.trim()).toBe(FORGED_VERSION);
      await writeFile(join(folder, forged.name), forged.bytes, { mode: 0o666 });
      await chmod(join(folder, forged.name), 0o666);
      expect((await runCli(['--version'], { env })).stdout.trim()).toBe(VERSION);
      // Replaced by this user's own cache, through a new file.
      expect(((await stat(join(folder, forged.name))).mode & 0o777).toString(8)).toBe('600');
      await writeFile(join(folder, forged.name), forged.bytes, { mode: 0o600 });
      await chmod(folder, 0o777);
      expect((await runCli(['--version'], { env })).stdout.trim()).toBe(VERSION);
      expect(await readFile(join(folder, forged.name))).toEqual(forged.bytes); // a folder others can write is not used at all
    } finally {
      await cache.remove();
    }
  }, 60_000);

  it.runIf(process.geteuid?.() === 0)('as root, never runs a cache owned by another user (sudo with a user\'s HOME)', async () => {
    const { cache, env, folder } = await cacheFolder();
    try {
      const forged = await forgedCache();
      await mkdir(folder, { recursive: true, mode: 0o700 });
      await writeFile(join(folder, forged.name), forged.bytes, { mode: 0o600 });
      await chown(join(folder, forged.name), 65534, 65534);
      expect((await runCli(['--version'], { env })).stdout.trim()).toBe(VERSION);
      await chown(join(cache.path, 'ctiprefs'), 65534, 65534);
      await writeFile(join(folder, forged.name), forged.bytes, { mode: 0o600 });
      expect((await runCli(['--version'], { env })).stdout.trim()).toBe(VERSION);
    } finally {
      await cache.remove();
    }
  }, 60_000);

  it('follows no link planted at a cache file', async () => {
    const { cache, env, folder } = await cacheFolder();
    try {
      const forged = await forgedCache();
      await mkdir(folder, { recursive: true, mode: 0o700 });
      const elsewhere = join(cache.path, 'elsewhere.v8');
      await writeFile(elsewhere, forged.bytes, { mode: 0o600 });
      await symlink(elsewhere, join(folder, forged.name));
      expect((await runCli(['--version'], { env })).stdout.trim()).toBe(VERSION);
      expect(await readFile(elsewhere)).toEqual(forged.bytes);
    } finally {
      await cache.remove();
    }
  }, 60_000);

  it('names each cache after the bundle\'s bytes, not its size or time, and ignores a relative XDG_CACHE_HOME', () => {
    expect(cacheName('a'.repeat(100), 'status')).not.toBe(cacheName(`b${'a'.repeat(99)}`, 'status'));
    expect(cacheName('x', 'status')).toMatch(/^[0-9a-f]{32}-status\.v8$/);
    if (process.platform === 'linux') {
      expect(cacheRoot({ XDG_CACHE_HOME: '/var/cache/me' })).toBe('/var/cache/me');
      for (const unusable of ['', 'relative/cache']) expect(cacheRoot({ XDG_CACHE_HOME: unusable })).toMatch(/\/\.cache$/);
    }
  });
});

describe.runIf(NODE_HAS_COMPILE_CACHE)('the code cache on Node 22 and later (Node\'s compile cache)', () => {
  it('is kept in the user\'s own cache folder', async () => {
    const { cache, home, env, folder } = await cacheFolder();
    try {
      expect((await runCli(['--home', home, '--json', 'status'], { env })).code).toBe(0);
      expect((await readdir(folder)).length).toBeGreaterThan(0);
    } finally {
      await cache.remove();
    }
  }, 60_000);
});
