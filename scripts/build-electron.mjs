#!/usr/bin/env node
// Bundles the Electron main process and the preload into CommonJS files under dist-electron/.
// Sandboxed preloads cannot load ES modules, and one file each keeps the packaged app free of tsx.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

const common = {
  absWorkingDir: root,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node22',
  sourcemap: 'linked',
  logLevel: 'warning',
  // Resolved at run time: 'electron' by Electron itself, native modules from node_modules in the app.
  external: ['electron', '@napi-rs/keyring'],
};

export async function buildElectron() {
  await Promise.all([
    // import() of a Node module as require(), as in the CLI bundle (scripts/build-cli.mjs): one loader for both.
    build({ ...common, entryPoints: ['electron/main.ts'], outfile: 'dist-electron/main.cjs', supported: { 'dynamic-import': false } }),
    // The preload runs in a sandboxed renderer: only 'electron' (its renderer half) is available there.
    build({ ...common, entryPoints: ['electron/preload.ts'], outfile: 'dist-electron/preload.cjs', platform: 'browser', target: 'chrome140', external: ['electron'] }),
  ]);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildElectron();
  console.log('Built dist-electron/main.cjs and dist-electron/preload.cjs');
}
