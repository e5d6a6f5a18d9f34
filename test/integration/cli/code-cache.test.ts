/**
 * The compiled-code cache of bin/ctiprefs.js, in the user's own cache folder: made by a first run of a
 * command, used (not rewritten) by the next, and a damaged one is refused by V8 and replaced.
 */
import module from 'node:module';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.ts';
import { tempDir } from '../../helpers/temp.ts';

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

  it('makes none for a mistyped command, and runs when the cache folder cannot be written', async () => {
    const { cache, home, env, folder } = await cacheFolder();
    try {
      expect((await runCli(['--home', home, 'stauts'], { env })).code).toBe(2);
      await expect(readdir(folder)).rejects.toMatchObject({ code: 'ENOENT' });
      await mkdir(join(cache.path, 'ctiprefs'), { recursive: true });
      await writeFile(folder, 'not a folder');
      expect((await runCli(['--home', home, '--json', 'status'], { env })).code).toBe(0);
    } finally {
      await cache.remove();
    }
  }, 60_000);
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
