// Types of code-cache.cjs, which the launcher runs as plain JavaScript; the tests import it.
export function cacheRoot(env?: NodeJS.ProcessEnv): string;
export function privateCacheDir(root?: string): string | null;
export function cacheName(source: string | Buffer, command: string): string;
export function readCache(dir: string, name: string): Buffer | undefined;
export function writeCache(dir: string, name: string, data: Buffer): void;
