#!/usr/bin/env node
// Bundles the `ctiprefs` command line into precompiled ES modules under dist-cli/, so no TypeScript is
// transpiled when it starts. Each command's module is a separate chunk (the CLI imports it when the command
// runs), which keeps `--help` and `--version` as fast as Node itself.
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

export const CLI_BUNDLE = 'dist-cli/cli.mjs';

export async function buildCli() {
  // Chunk names carry a content hash: without a clean folder, old chunks would pile up.
  await rm(join(root, 'dist-cli'), { recursive: true, force: true });
  await build({
    absWorkingDir: root,
    entryPoints: { cli: 'electron/cli.ts' },
    outdir: 'dist-cli',
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'linked',
    logLevel: 'warning',
    // A native module: resolved from node_modules at run time.
    external: ['@napi-rs/keyring'],
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = performance.now();
  await buildCli();
  // stderr: `npm run demo` builds first, and its stdout is the demo's result.
  console.error(`Built ${CLI_BUNDLE} in ${Math.round(performance.now() - started)} ms`);
}
