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

/**
 * The OS vault binding is native, so it stays in node_modules. It is loaded with require(): importing a
 * CommonJS module from an ES module makes Node scan its source for export names first, a cost paid at
 * every start for nothing.
 */
const NATIVE_KEYRING = '@napi-rs/keyring';
const keyringByRequire = {
  name: 'keyring-by-require',
  setup(builder) {
    builder.onResolve({ filter: /^@napi-rs\/keyring$/ }, () => ({ path: NATIVE_KEYRING, namespace: 'keyring-by-require' }));
    builder.onLoad({ filter: /.*/, namespace: 'keyring-by-require' }, () => ({
      contents: `import { createRequire } from 'node:module';
export const { AsyncEntry } = createRequire(import.meta.url)(${JSON.stringify(NATIVE_KEYRING)});`,
      loader: 'js',
    }));
  },
};

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
    // Less source for V8 to parse at start-up (pkijs alone is 600 KB unminified); names stay for stack traces.
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: 'warning',
    plugins: [keyringByRequire],
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = performance.now();
  await buildCli();
  // stderr: `npm run demo` builds first, and its stdout is the demo's result.
  console.error(`Built ${CLI_BUNDLE} in ${Math.round(performance.now() - started)} ms`);
}
