// The compiled-code cache of the `ctiprefs` command. A cache is code: V8 checks only that it fits the
// source's length, not that it was made from it, so whoever can write the cache chooses what runs. Hence a
// folder of this user's own that nobody else can write, with every file checked the same way, and files
// named after a hash of the bundle itself (an upgraded bundle never meets an old cache).
'use strict';
const { createHash, randomBytes } = require('node:crypto');
const { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } = require('node:fs');
const { homedir } = require('node:os');
const { isAbsolute, join } = require('node:path');

const POSIX = process.platform !== 'win32';

/** Per platform: the variable that may name the per-user cache folder, and the folder under home otherwise. */
const CACHE_ROOTS = {
  win32: { variable: 'LOCALAPPDATA', underHome: 'AppData/Local' },
  darwin: { variable: undefined, underHome: 'Library/Caches' },
  other: { variable: 'XDG_CACHE_HOME', underHome: '.cache' },
};

/** The platform's per-user cache folder; XDG_CACHE_HOME and LOCALAPPDATA count only as absolute paths. */
function cacheRoot(env = process.env) {
  const { variable, underHome } = CACHE_ROOTS[process.platform] ?? CACHE_ROOTS.other;
  const given = variable && env[variable];
  return given && isAbsolute(given) ? given : join(homedir(), underHome);
}

/**
 * The cache folder, made if need be; null when it cannot be trusted. On POSIX the cache root and the two
 * folders below it must be real folders owned by this user and writable by no one else: a shared
 * XDG_CACHE_HOME, or a user's home under `sudo`, would otherwise let another user pick root's code.
 * (Windows: LOCALAPPDATA is the user's own by its ACL.)
 */
function privateCacheDir(root = cacheRoot()) {
  const dir = join(root, 'ctiprefs', 'code-cache');
  try {
    // A new account may have no cache root yet: made as the XDG spec says (0700), else every run compiles.
    makeFolder(root);
    if (!isPrivateFolder(statSync(root))) return null;
    for (const folder of [join(root, 'ctiprefs'), dir]) {
      makeFolder(folder);
      if (!isPrivateFolder(lstatSync(folder))) return null;
    }
    return dir;
  } catch {
    return null;
  }
}

/** One folder level, private; an existing one is left as it is (and checked by the caller). */
function makeFolder(folder) {
  try {
    mkdirSync(folder, { mode: 0o700 });
  } catch (err) {
    if (err.code !== 'EEXIST') throw err;
  }
}

/** The name of a cache of this source (its text or its bytes: the bundle is ASCII, so both hash alike), for this Node, these V8 flags and this command. */
function cacheName(source, command) {
  const flags = `${process.execArgv.join(' ')}\0${process.env.NODE_OPTIONS ?? ''}`;
  const key = createHash('sha256').update(`${process.version}\0${process.arch}\0${flags}\0`).update(source).digest('hex').slice(0, 32);
  return `${key}-${command}.v8`;
}

/** Each file starts with the SHA-256 of the rest: a file damaged on disk is made again, never given to V8. */
const DIGEST_BYTES = 32;
const sha256 = (data) => createHash('sha256').update(data).digest();

/** The cached data, or undefined (none, damaged, a link, or not this user's own). */
function readCache(dir, name) {
  let fd;
  try {
    fd = openSync(join(dir, name), constants.O_RDONLY | (POSIX ? constants.O_NOFOLLOW : 0));
    const stat = fstatSync(fd);
    if (!stat.isFile() || !isOurs(stat)) return undefined;
    const file = readFileSync(fd);
    const data = file.subarray(DIGEST_BYTES);
    return file.length > DIGEST_BYTES && sha256(data).equals(file.subarray(0, DIGEST_BYTES)) ? data : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Writes a cache atomically through a new temp file of a random name (never through a planted link). */
function writeCache(dir, name, data) {
  const temp = join(dir, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeFileSync(temp, Buffer.concat([sha256(data), data]), { mode: 0o600, flag: 'wx' });
    renameSync(temp, join(dir, name));
  } catch {
    // A cache that cannot be written only costs the next run its compile time.
    try {
      rmSync(temp, { force: true });
    } catch {
      // Nothing was written there.
    }
  }
}

function isPrivateFolder(stat) {
  return stat.isDirectory() && isOurs(stat);
}

/** This user's own, and writable by nobody else (Windows: LOCALAPPDATA's ACL says so). */
function isOurs(stat) {
  return !POSIX || (stat.uid === process.geteuid() && (stat.mode & 0o022) === 0);
}

module.exports = { cacheRoot, privateCacheDir, cacheName, readCache, writeCache };
