#!/usr/bin/env node
// Builds the Debian package from the unpacked app (`electron-builder --linux dir`) with dpkg-deb alone.
// electron-builder's own deb target runs fpm, which it downloads from GitHub; this needs nothing but
// Debian's dpkg, so a deb can be made on a network that reaches only the npm registry and apt.
// The layout is the one electron-builder's deb uses: the app in /opt/ctiprefs, the command as
// /usr/bin/ctiprefs (a link to the app, which answers CLI commands: electron/cli-dispatch.ts).
//   node scripts/build-deb.mjs [--app release/linux-unpacked] [--out release]
import { execFile } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));

export const PACKAGE = 'ctiprefs';
export const INSTALL_DIR = `/opt/${PACKAGE}`;
export const COMMAND_PATH = `/usr/bin/${PACKAGE}`;
/** What Electron's binary links against on Debian (electron-builder's default deb dependencies) and the vault. */
const DEPENDS = ['libgtk-3-0', 'libnotify4', 'libnss3', 'libxss1', 'libxtst6', 'xdg-utils', 'libatspi2.0-0', 'libuuid1', 'libsecret-1-0'];
const DEBIAN_ARCH = { x64: 'amd64', arm64: 'arm64', arm: 'armhf', ia32: 'i386' };
/** Chromium's sandbox helper must be setuid root where unprivileged user namespaces are off. */
const SETUID_EXECUTABLE = 0o4755;

function controlFile({ version, arch, description, maintainer }) {
  return [
    `Package: ${PACKAGE}`,
    `Version: ${version}`,
    `Architecture: ${arch}`,
    `Maintainer: ${maintainer}`,
    `Depends: ${DEPENDS.join(', ')}`,
    'Section: net',
    'Priority: optional',
    `Description: ${description}`,
    '',
  ].join('\n');
}

function desktopEntry(description) {
  return ['[Desktop Entry]', `Name=${PACKAGE}`, `Comment=${description}`, `Exec=${COMMAND_PATH} %U`, `Icon=${PACKAGE}`, 'Type=Application', 'Categories=Network;', ''].join('\n');
}

/** A `linux:` field of electron-builder.yml, so the deb says what the other Linux packages say. */
async function linuxField(name) {
  const config = await readFile(join(root, 'electron-builder.yml'), 'utf8');
  const value = new RegExp(`^linux:\\n(?:  .*\\n)*?  ${name}: (.+)$`, 'm').exec(config)?.[1];
  if (!value) throw new Error(`electron-builder.yml has no linux.${name}`);
  return value.trim();
}

/** Builds the .deb and returns its path. */
export async function buildDeb({ appDir, outDir }) {
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
  const [synopsis, maintainer] = await Promise.all([linuxField('synopsis'), linuxField('maintainer')]);
  const arch = DEBIAN_ARCH[process.arch];
  if (!arch) throw new Error(`no Debian architecture for ${process.arch}`);
  const stage = await mkdtemp(join(tmpdir(), 'ctiprefs-deb-'));
  try {
    const installed = join(stage, INSTALL_DIR);
    await cp(appDir, installed, { recursive: true, verbatimSymlinks: true });
    await chmod(join(installed, 'chrome-sandbox'), SETUID_EXECUTABLE).catch((err) => {
      if (err.code !== 'ENOENT') throw err;
    });
    await mkdir(join(stage, 'usr/bin'), { recursive: true });
    await symlink(join(INSTALL_DIR, PACKAGE), join(stage, COMMAND_PATH));
    await mkdir(join(stage, 'usr/share/applications'), { recursive: true });
    await writeFile(join(stage, `usr/share/applications/${PACKAGE}.desktop`), desktopEntry(synopsis));
    await mkdir(join(stage, 'usr/share/icons/hicolor/512x512/apps'), { recursive: true });
    await cp(join(root, 'build/icon.png'), join(stage, `usr/share/icons/hicolor/512x512/apps/${PACKAGE}.png`));
    await mkdir(join(stage, 'DEBIAN'));
    await writeFile(
      join(stage, 'DEBIAN/control'),
      controlFile({ version: pkg.version, arch, description: `${synopsis}\n ${pkg.description}`, maintainer }),
    );
    await mkdir(outDir, { recursive: true });
    const deb = join(outDir, `${PACKAGE}_${pkg.version}_${arch}.deb`);
    // Owned by root in the archive whoever builds it, with the modes of the staging tree.
    await run('dpkg-deb', ['--root-owner-group', '--build', stage, deb]);
    return deb;
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({ options: { app: { type: 'string' }, out: { type: 'string' } } });
  const deb = await buildDeb({ appDir: resolve(values.app ?? 'release/linux-unpacked'), outDir: resolve(values.out ?? 'release') });
  console.log(`Built ${deb}`);
}
