#!/usr/bin/env node
// Bundles the `ctiprefs` command line into one precompiled CommonJS file, dist-cli/cli.cjs, so no TypeScript
// is transpiled when it starts. CommonJS, so that bin/ctiprefs.cjs can run it with V8's code cache on Node 20
// (which has no compile cache for ES modules). Each command's modules run only when that command does:
// esbuild turns their import() into a deferred initialiser.
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

export const CLI_BUNDLE = 'dist-cli/cli.cjs';

/**
 * Loaded from node_modules at run time: the OS vault binding is native, and pkijs (600 KB, used only by
 * the CTI OS commands and the doctor) would otherwise be read and compiled at every start.
 */
const RUN_TIME_DEPENDENCIES = ['@napi-rs/keyring', 'pkijs', 'asn1js'];

export async function buildCli() {
  await rm(join(root, 'dist-cli'), { recursive: true, force: true });
  await build({
    absWorkingDir: root,
    entryPoints: ['electron/cli.ts'],
    outfile: CLI_BUNDLE,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    sourcemap: 'linked',
    // Less source to read and compile at start-up; names stay for stack traces.
    minifyWhitespace: true,
    minifySyntax: true,
    // bin/ctiprefs.cjs reads the bundle as Latin-1 (one byte per character, the fast string).
    charset: 'ascii',
    logLevel: 'warning',
    external: RUN_TIME_DEPENDENCIES,
    // import() of a Node module or an external stays a real dynamic import otherwise, and one inside the
    // launcher's vm.Script (the code cache on Node 20) fails with ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING:
    // as require() instead, like the bundled modules' import().
    supported: { 'dynamic-import': false },
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = performance.now();
  await buildCli();
  // stderr: `npm run demo` builds first, and its stdout is the demo's result.
  console.error(`Built ${CLI_BUNDLE} in ${Math.round(performance.now() - started)} ms`);
}
