#!/usr/bin/env node
// The `ctiprefs` command: runs the precompiled CLI bundle (dist-cli/cli.cjs, built by `npm run build:cli`).
// CommonJS, like everything it loads: an ES-module entry would start Node's ES loader first, about 16 ms of
// every command.
'use strict';
const { generatePrime, getFips } = require('node:crypto');
const { existsSync, readFileSync } = require('node:fs');
const { createRequire, enableCompileCache, wrap } = require('node:module');
const { dirname, join } = require('node:path');
const { Script } = require('node:vm');
const { cacheName, privateCacheDir, readCache, writeCache } = require('./code-cache.cjs');
const { commandAt, keyPairAheadWanted } = require('./launch-args.cjs');

const bundle = join(__dirname, '..', 'dist-cli', 'cli.cjs');
if (!existsSync(bundle)) {
  process.stderr.write('ctiprefs: the command-line bundle dist-cli/cli.cjs is missing; build it with: npm run build:cli\n');
  process.exit(1);
}
const argv = process.argv.slice(2);
const command = commandAt(argv);

// Not under a FIPS provider, where the key is OpenSSL's whole (electron/core/pki/certificates.ts).
const keyPairBegun = command.word === 'enroll' && keyPairAheadWanted(command.rest) && !getFips() ? beginKeyPair() : undefined;
const { cli, saveCodeCache } = loadBundle();
// Failed until run() has its answer, as under a top-level await: a rejection (whatever
// --unhandled-rejections says) or a promise that never settles is no success.
process.exitCode = 1;
run().catch((err) => {
  process.stderr.write(`${err instanceof Error && err.stack ? err.stack : String(err)}\n`);
  process.exit(1);
});

async function run() {
  const code = await cli.main(argv, { ...(keyPairBegun ? { keyPairBegun } : {}) });
  saveCodeCache();
  // Exit now, once stdout and stderr are written out, rather than when the event loop runs dry: a key pair
  // begun ahead for an enrollment that did not use it (the server asked for EC, the run failed early) would
  // otherwise keep the process until it is generated.
  const flushed = (stream) => new Promise((resolve) => (stream.destroyed ? resolve() : stream.write('', () => resolve())));
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}

/**
 * The two primes of an enrollment's RSA key pair (what CAPF profiles ask for by default), begun before the
 * CLI loads: about 30 ms each on the thread pool meanwhile, well before the CAPF server asks for the key.
 * electron/core/pki/rsa-key-pair.ts checks them and makes the key. One after the other, not side by side:
 * on a two-core machine two at once would take the core the main thread runs on, which is the run's
 * critical path.
 */
function beginKeyPair() {
  const spec = { type: 'rsa', bits: 2048 };
  const prime = () => new Promise((resolve, reject) => generatePrime(spec.bits / 2, (err, found) => (err ? reject(err) : resolve(found))));
  const primes = prime().then((p) => prime().then((q) => [p, q]));
  primes.catch(() => undefined);
  return { spec, primes };
}

/**
 * Compiled code is kept between runs (compiling the bundle is a good part of a short run), in a folder
 * code-cache.cjs trusts, or not at all: Node's own compile cache on Node 22.1 and later, V8's code cache
 * through node:vm on Node 20. With source maps on (--enable-source-maps), a plain require, which maps.
 */
function loadBundle() {
  const dir = process.sourceMapsEnabled ? null : privateCacheDir();
  if (!dir || enableCompileCache) {
    if (dir) enableCompileCache(dir);
    return { cli: require(bundle), saveCodeCache: () => undefined };
  }
  return loadWithV8Cache(dir);
}

/**
 * Node 20: the bundle as a vm.Script with V8's code cache, one file per command (each compiles other
 * functions), made after a run that had none, so that it holds what that command ran.
 */
function loadWithV8Cache(dir) {
  const bytes = readFileSync(bundle);
  // Named from the bytes: hashing the string would first encode its 400 KB again (about 3 ms).
  const name = cacheName(bytes, command.word ?? 'other');
  const source = bytes.toString('latin1'); // the bundle is ASCII (esbuild escapes the rest)
  const cachedData = readCache(dir, name);
  const script = new Script(wrap(source), { filename: bundle, ...(cachedData ? { cachedData } : {}) });
  const loaded = { exports: {} };
  script.runInThisContext()(loaded.exports, createRequire(bundle), loaded, bundle, dirname(bundle));
  const cli = loaded.exports;
  const saveCodeCache = () => {
    // Only for real commands: a mistyped one would leave a file per typo.
    if ((cachedData && !script.cachedDataRejected) || !cli.isCliInvocation(argv)) return;
    writeCache(dir, name, script.createCachedData());
  };
  return { cli, saveCodeCache };
}
