#!/usr/bin/env node
// The `ctiprefs` command: runs the precompiled CLI bundle (dist-cli/, built by `npm run build:cli`).
import { existsSync } from 'node:fs';
import module from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';

const bundle = new URL('../dist-cli/cli.mjs', import.meta.url);
if (!existsSync(bundle)) {
  process.stderr.write('ctiprefs: the command-line bundle dist-cli/cli.mjs is missing; build it with: npm run build:cli\n');
  process.exit(1);
}
// Node 22.1 and later keep compiled code between runs (earlier versions lack the call): compiling the
// bundle is a good part of a start. In a folder of this user's own: Node's default is in the shared
// temporary folder, where another local user could create it first and hand us their code cache.
const cacheRoot = process.env.LOCALAPPDATA ?? process.env.XDG_CACHE_HOME ?? join(homedir(), process.platform === 'darwin' ? 'Library/Caches' : '.cache');
module.enableCompileCache?.(join(cacheRoot, 'ctiprefs', 'node-compile-cache'));
const { main } = await import(bundle.href);
const code = await main(process.argv.slice(2));
// Exit now, once stdout and stderr are written out, rather than when the event loop runs dry: a key pair
// begun ahead for an enrollment that did not use it (the server asked for EC, the run failed early) would
// otherwise keep the process until it is generated.
const flushed = (stream) => new Promise((resolve) => (stream.destroyed ? resolve() : stream.write('', () => resolve())));
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit(code);
