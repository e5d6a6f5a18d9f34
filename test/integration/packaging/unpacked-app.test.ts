/**
 * The packaged app as electron-builder lays it out (target `dir`), built here with a stand-in Electron binary
 * (the real one comes from GitHub): what ships inside app.asar, and the fuses flipped on the binary.
 * The stand-in carries a fuse wire in the real binary's format, so @electron/fuses flips it as it would
 * flip Electron's.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { FuseV1Options } from '@electron/fuses';
import { listPackage } from '@electron/asar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDeb, COMMAND_PATH, INSTALL_DIR } from '../../../scripts/build-deb.mjs';
import { buildElectron } from '../../../scripts/build-electron.mjs';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../..', import.meta.url));
const ELECTRON_VERSION = '41.7.1';
const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const FUSE_WIRE_VERSION = 1;
const FUSE_COUNT = 9;
const FUSE_ENABLED = '1'.charCodeAt(0);
const FUSE_DISABLED = '0'.charCodeAt(0);
const TIMEOUT = 600_000;

let dir: string;
let appDir: string;
let asarFiles: string[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ctiprefs-package-'));
  const electronDist = join(dir, 'electron-dist');
  await run('mkdir', ['-p', electronDist]);
  const wire = Buffer.concat([Buffer.from(FUSE_SENTINEL), Buffer.from([FUSE_WIRE_VERSION, FUSE_COUNT]), Buffer.alloc(FUSE_COUNT, FUSE_ENABLED)]);
  await writeFile(join(electronDist, 'electron'), Buffer.concat([Buffer.from('#!/bin/sh\nexit 0\n# '), wire, Buffer.from('\n')]));
  await chmod(join(electronDist, 'electron'), 0o755);
  await writeFile(join(electronDist, 'version'), ELECTRON_VERSION);
  await writeFile(join(electronDist, 'LICENSE'), 'stand-in');
  await writeFile(join(electronDist, 'chrome-sandbox'), '');

  // What `npm run package` builds first: the renderer and the Electron bundles.
  await run(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], { cwd: root, timeout: TIMEOUT });
  await buildElectron();
  const output = join(dir, 'release');
  await run(
    process.execPath,
    [join(root, 'node_modules/electron-builder/cli.js'), '--config', 'electron-builder.yml', '--linux', 'dir',
      `-c.electronDist=${electronDist}`, `-c.electronVersion=${ELECTRON_VERSION}`, '-c.npmRebuild=false', `-c.directories.output=${output}`],
    { cwd: root, timeout: TIMEOUT },
  );
  appDir = join(output, 'linux-unpacked');
  asarFiles = listPackage(join(appDir, 'resources', 'app.asar'), { isPack: false }).map((file) => file.replaceAll('\\', '/'));
}, TIMEOUT);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the unpacked app', () => {
  it('holds main (with the CLI bundled in it), preload and renderer in app.asar', async () => {
    for (const file of ['/package.json', '/dist-electron/main.cjs', '/dist-electron/preload.cjs', '/dist/renderer/index.html']) {
      expect(asarFiles).toContain(file);
    }
    const main = await readFile(join(root, 'dist-electron', 'main.cjs'), 'utf8');
    expect(main).toContain('ctiprefs COMMAND --help | --version');
  });

  it('holds no tests, sources, source maps or dev dependencies; only the native vault binding from node_modules', () => {
    expect(asarFiles.filter((file) => /^\/(test|electron|shared|renderer|scripts|src)\//.test(file))).toEqual([]);
    expect(asarFiles.filter((file) => /\.(ts|map)$/.test(file))).toEqual([]);
    // Package folders: node_modules/NAME or node_modules/@SCOPE/NAME.
    const modules = new Set(asarFiles.map((file) => /^\/node_modules\/(@[^/]+\/[^/]+|[^@/][^/]*)/.exec(file)?.[1]).filter((name) => name !== undefined));
    expect([...modules].sort()).toEqual(['@napi-rs/keyring', `@napi-rs/keyring-${process.platform}-${process.arch}-gnu`]);
  });

  it('has run-as-node, NODE_OPTIONS and inspect flags fused off on its binary', async () => {
    const binary = await readFile(join(appDir, 'ctiprefs'));
    const at = binary.indexOf(FUSE_SENTINEL) + FUSE_SENTINEL.length;
    const fuse = (option: FuseV1Options) => binary[at + 2 + option];
    expect(fuse(FuseV1Options.RunAsNode)).toBe(FUSE_DISABLED);
    expect(fuse(FuseV1Options.EnableNodeOptionsEnvironmentVariable)).toBe(FUSE_DISABLED);
    expect(fuse(FuseV1Options.EnableNodeCliInspectArguments)).toBe(FUSE_DISABLED);
    expect(fuse(FuseV1Options.OnlyLoadAppFromAsar)).toBe(FUSE_ENABLED);
  });
});

describe('the Debian package built offline from the unpacked app (scripts/build-deb.mjs, dpkg-deb)', () => {
  let deb: string;
  beforeAll(async () => {
    deb = await buildDeb({ appDir, outDir: join(dir, 'deb') });
  }, TIMEOUT);

  it('installs the app in /opt/ctiprefs and the command as /usr/bin/ctiprefs, owned by root', async () => {
    const { stdout } = await run('dpkg-deb', ['--contents', deb], { maxBuffer: 16 * 1024 * 1024 });
    const entries = stdout.split('\n').filter(Boolean);
    const entry = (path: string) => entries.find((line) => line.endsWith(` .${path}`) || line.includes(` .${path} -> `));
    expect(entry(COMMAND_PATH)).toMatch(new RegExp(`^lrwxrwxrwx root/root .* \\.${COMMAND_PATH} -> ${INSTALL_DIR}/ctiprefs$`));
    expect(entry(`${INSTALL_DIR}/resources/app.asar`)).toMatch(/^-rw-r--r-- root\/root /);
    expect(entry(`${INSTALL_DIR}/ctiprefs`)).toMatch(/^-rwxr-xr-x root\/root /);
    expect(entry(`${INSTALL_DIR}/chrome-sandbox`)).toMatch(/^-rwsr-xr-x root\/root /);
    expect(entries.filter((line) => !line.startsWith('d') && !/ root\/root /.test(line))).toEqual([]);
  });

  it('says what it is in its control fields', async () => {
    const field = async (name: string) => (await run('dpkg-deb', ['--field', deb, name])).stdout.trim();
    expect(await field('Package')).toBe('ctiprefs');
    expect(await field('Version')).toBe(JSON.parse(await readFile(join(root, 'package.json'), 'utf8')).version);
    expect(await field('Depends')).toContain('libsecret-1-0');
  });
});
