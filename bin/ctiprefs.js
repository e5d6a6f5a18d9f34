#!/usr/bin/env node
// The `ctiprefs` command: runs the precompiled CLI bundle (dist-cli/cli.cjs, built by `npm run build:cli`).
import { createHash, generateKeyPair } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import module, { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

const bundle = fileURLToPath(new URL('../dist-cli/cli.cjs', import.meta.url));
if (!existsSync(bundle)) {
  process.stderr.write('ctiprefs: the command-line bundle dist-cli/cli.cjs is missing; build it with: npm run build:cli\n');
  process.exit(1);
}
// Compiled code is kept between runs: compiling the bundle is a good part of a short run. In a folder of
// this user's own: a shared temporary folder would let another local user plant a cache first.
const cacheRoot = process.env.LOCALAPPDATA ?? process.env.XDG_CACHE_HOME ?? join(homedir(), process.platform === 'darwin' ? 'Library/Caches' : '.cache');
const cacheDir = join(cacheRoot, 'ctiprefs', 'code-cache');
const argv = process.argv.slice(2);
/** Each code cache file starts with the SHA-256 of the rest. */
const DIGEST_BYTES = 32;

const keyPairBegun = commandWord(argv) === 'enroll' ? beginKeyPair() : undefined;
const { cli, saveCodeCache } = module.enableCompileCache ? loadWithNodeCache() : loadWithV8Cache();
const code = await cli.main(argv, { ...(keyPairBegun ? { keyPairBegun } : {}) });
saveCodeCache();
// Exit now, once stdout and stderr are written out, rather than when the event loop runs dry: a key pair
// begun ahead for an enrollment that did not use it (the server asked for EC, the run failed early) would
// otherwise keep the process until it is generated.
const flushed = (stream) => new Promise((resolve) => (stream.destroyed ? resolve() : stream.write('', () => resolve())));
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit(code);

/**
 * An enrollment's RSA key pair (what CAPF profiles ask for by default), begun before the CLI loads: key
 * generation takes 120 ms at the median and runs on the thread pool meanwhile. The CLI uses it unless the
 * run will most likely skip (electron/cli.ts); then it is dropped with the process.
 */
function beginKeyPair() {
  const spec = { type: 'rsa', bits: 2048 };
  const pair = new Promise((resolve, reject) =>
    generateKeyPair('rsa', { modulusLength: spec.bits, publicExponent: 0x10001 }, (err, publicKey, privateKey) => (err ? reject(err) : resolve({ publicKey, privateKey }))),
  );
  pair.catch(() => undefined);
  return { spec, pair };
}

/** Node 22.1 and later keep the cache themselves. */
function loadWithNodeCache() {
  module.enableCompileCache(cacheDir);
  return { cli: createRequire(import.meta.url)(bundle), saveCodeCache: () => undefined };
}

/**
 * Node 20 has no compile cache: the bundle runs as a vm.Script with V8's code cache, one file per command
 * (each compiles other functions), made after a run that had none, so it holds what that command ran. V8
 * refuses a cache of another V8 version or other flags; the name carries the bundle's size and time, so
 * a rebuilt bundle never meets the cache of the old one. V8 does not checksum what it is given, so each
 * file starts with the SHA-256 of the rest: a damaged file is made again, never run.
 */
function loadWithV8Cache() {
  const source = readFileSync(bundle, 'latin1'); // the bundle is ASCII (esbuild escapes the rest)
  const { size, mtimeMs } = statSync(bundle);
  const key = createHash('sha256').update(`${process.version}\0${process.arch}\0${bundle}\0${size}\0${mtimeMs}`).digest('hex').slice(0, 32);
  const cacheFile = join(cacheDir, `${key}-${commandWord(argv)}.v8`);
  let cachedData;
  try {
    const file = readFileSync(cacheFile);
    const data = file.subarray(DIGEST_BYTES);
    if (file.length > DIGEST_BYTES && sha256(data).equals(file.subarray(0, DIGEST_BYTES))) cachedData = data;
  } catch {
    // None yet: this run makes it.
  }
  const script = new Script(module.wrap(source), { filename: bundle, ...(cachedData ? { cachedData } : {}) });
  const loaded = { exports: {} };
  script.runInThisContext()(loaded.exports, createRequire(bundle), loaded, bundle, dirname(bundle));
  const cli = loaded.exports;
  const saveCodeCache = () => {
    // Only for real commands: a mistyped one would leave a file per typo.
    if ((cachedData && !script.cachedDataRejected) || !cli.isCliInvocation(argv)) return;
    try {
      mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
      const temp = `${cacheFile}.${process.pid}.tmp`;
      const data = script.createCachedData();
      writeFileSync(temp, Buffer.concat([sha256(data), data]), { mode: 0o600 });
      renameSync(temp, cacheFile);
    } catch {
      // A cache that cannot be written only costs the next run its compile time.
    }
  };
  return { cli, saveCodeCache };
}

function sha256(data) {
  return createHash('sha256').update(data).digest();
}

/** The command word after the global --json and --home DIR (as electron/cli/args.ts reads them): it names the cache file. */
function commandWord(args) {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--json' || args[i].startsWith('--home=')) continue;
    if (args[i] === '--home') i++;
    else return /^[a-z][a-z-]{0,30}$/.test(args[i]) ? args[i] : 'other';
  }
  return 'other';
}
