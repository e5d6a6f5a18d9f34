#!/usr/bin/env node
// `npm start [-- --lab] [--profile ID:AUTHSTRING[:KEY]]... [--home DIR]`: builds the renderer and the Electron
// bundles, then runs the desktop app. Electron's binary is not downloaded by `npm install` (its postinstall is
// not allowed to run, so installs work offline); it is fetched here on first start, when it is missing.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { buildElectron } from './build-electron.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);

/** The path of Electron's binary, or null while it is not installed. */
function electronBinary() {
  try {
    const path = require('electron');
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

function ensureElectron() {
  const found = electronBinary();
  if (found) return found;
  console.log("Electron's binary is missing: downloading it (node node_modules/electron/install.js)…");
  const install = spawnSync(process.execPath, [require.resolve('electron/install.js')], { cwd: root, stdio: 'inherit' });
  const installed = install.status === 0 ? electronBinary() : null;
  if (installed) return installed;
  console.error(
    "\nElectron's binary could not be downloaded (it comes from GitHub; set ELECTRON_MIRROR to use a mirror).\n" +
      'The same app runs in a browser without it: npm run preview (add -- --lab for the built-in lab).',
  );
  process.exit(1);
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const electron = ensureElectron();
run(process.execPath, [require.resolve('vite/bin/vite.js'), 'build', '--logLevel', 'warn']);
await buildElectron();

const child = spawn(electron, ['.', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
