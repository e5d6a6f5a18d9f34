/**
 * Which certificate folders the window may save. A path typed into a page is the page's word, and a page
 * can be fooled (or, in the preview, be another local process): so a folder outside the home is accepted
 * over IPC only when the user picked it in the native folder dialog during this run, or when the profile
 * already had it. Folders under the home are always fine. The CLI is the user's own word and is not limited.
 */
import { realpathSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { CtiError } from '../../shared/errors.ts';
import type { Profile } from '../../shared/profile.ts';
import { certificateDir, type HomeLayout } from './paths.ts';

function isInside(parent: string, child: string): boolean {
  const rel = relative(resolve(parent), resolve(child));
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** The folder itself if it exists, else its nearest existing parent, with every link resolved. */
function realExisting(dir: string): string {
  for (let current = dir; ; current = dirname(current)) {
    try {
      return realpathSync(current);
    } catch {
      if (dirname(current) === current) return current;
    }
  }
}

/** `button` is the window's button that opens the native folder dialog for this field. */
function outsideHome(label: string, dir: string, home: string, button = 'Choose folder…'): CtiError {
  return new CtiError(
    'BAD_INPUT',
    `${label}: ${dir} is outside ${home}; choose it with "${button}" (the desktop app's folder dialog) or use a folder under the home`,
  );
}

export class CertificateFolderPolicy {
  readonly #picked = new Set<string>();

  constructor(private readonly layout: HomeLayout) {}

  /** Remembers a folder the user chose in the native dialog. */
  picked(dir: string): string {
    const absolute = resolve(dir);
    this.#picked.add(absolute);
    return absolute;
  }

  /** Refuses a profile whose certificate folder changed to one the user neither picked nor keeps under home. */
  check(incoming: readonly Profile[], saved: readonly Profile[]): void {
    for (const profile of incoming) {
      const before = saved.find((p) => p.id === profile.id);
      if (before && before.certificatePath === profile.certificatePath) continue;
      const dir = certificateDir(this.layout, profile.certificatePath);
      if (isInside(this.layout.home, dir) || this.#picked.has(resolve(dir))) continue;
      throw outsideHome(`Certificate path of profile "${profile.userName || profile.id}"`, dir, this.layout.home);
    }
  }

  /**
   * A folder a page names for a one-off task (the CTI OS files): relative paths resolve against the home;
   * it must be under the home (also after resolving links, so a link in the home cannot lead out) or picked.
   * `label` and `button` name the field and its folder-dialog button in the window.
   */
  folder(dir: string, label: string, button: string): string {
    const absolute = resolve(certificateDir(this.layout, dir));
    if (this.#picked.has(absolute)) return absolute;
    const home = realExisting(this.layout.home);
    if (isInside(this.layout.home, absolute) && isInside(home, realExisting(absolute))) return absolute;
    throw outsideHome(label, absolute, this.layout.home, button);
  }
}
