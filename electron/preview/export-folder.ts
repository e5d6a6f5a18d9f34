/**
 * Where the browser preview saves a PKCS#12 export. A browser has no native save dialog, and the file must
 * not pass through the page (it holds the private key, and the page also has the password), so the preview
 * writes it into `<home>/exports/` under a name not taken yet and tells the page that path.
 */
import { access, mkdir } from 'node:fs/promises';
import { join, parse } from 'node:path';
import { CtiError } from '../../shared/errors.ts';

export const EXPORTS_FOLDER = 'exports';
const MAX_SAME_NAME = 1000;

export function previewExportPicker(home: string): (suggestedName: string) => Promise<string> {
  const dir = join(home, EXPORTS_FOLDER);
  return async (suggestedName) => {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const { name, ext } = parse(suggestedName);
    for (let n = 1; n <= MAX_SAME_NAME; n++) {
      const candidate = join(dir, n === 1 ? `${name}${ext}` : `${name}-${n}${ext}`);
      if (!(await isTaken(candidate))) return candidate;
    }
    throw new CtiError('STORAGE', `${dir} already holds ${MAX_SAME_NAME} exports named ${suggestedName}: move some away`);
  };
}

async function isTaken(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
