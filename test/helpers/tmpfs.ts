/**
 * A small tmpfs of the test's own, for real full-disk and read-only file systems (`mount` needs root or
 * CAP_SYS_ADMIN). Where mounting is not permitted, `mountTmpfs` says why and the test skips with it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PAGE_BYTES = 4096;
const FILLER = '.test-filler';

export interface Tmpfs {
  path: string;
  /** Fills the disk so that only `leaveBytes` (rounded down to whole pages) stay free. */
  fill(leaveBytes: number): void;
  /** Removes the filler. */
  unfill(): void;
  /** Removes everything on it. */
  clear(): void;
  unmount(): void;
}

/** Mounts a fresh tmpfs of `sizeBytes` (`readOnly`: mounted read-only); `{ skip }` says why it could not. */
export function mountTmpfs(prefix: string, sizeBytes: number, options: { readOnly?: boolean } = {}): Tmpfs | { skip: string } {
  const path = mkdtempSync(join(tmpdir(), `ctiprefs-${prefix}-`));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes},mode=0700${options.readOnly ? ',ro' : ''}`, 'tmpfs', path], { stdio: 'pipe' });
  } catch (err) {
    rmSync(path, { recursive: true, force: true });
    const why = (err as { stderr?: Buffer }).stderr?.toString().trim() || (err as Error).message;
    return { skip: `mounting a tmpfs is not permitted here (${why}); run the tests as root to include this case` };
  }
  const filler = join(path, FILLER);
  return {
    path,
    fill(leaveBytes) {
      rmSync(filler, { force: true });
      const { bavail, bsize } = statfsSync(path);
      const size = Math.max(0, bavail * bsize - Math.floor(leaveBytes / PAGE_BYTES) * PAGE_BYTES);
      writeFileSync(filler, Buffer.alloc(size));
    },
    unfill() {
      rmSync(filler, { force: true });
    },
    clear() {
      for (const name of readdirSync(path)) rmSync(join(path, name), { recursive: true, force: true });
    },
    unmount() {
      execFileSync('umount', [path], { stdio: 'pipe' });
      rmSync(path, { recursive: true, force: true });
    },
  };
}
