/** The version a support person is told, from the package.json the caller locates (its place differs per build). */
import { readFile } from 'node:fs/promises';
import { toCtiError } from '../../shared/errors.ts';

export async function readAppVersion(packageJson: URL): Promise<string> {
  try {
    const pkg = JSON.parse(await readFile(packageJson, 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown (package.json has no version)';
  } catch (err) {
    return `unknown (${toCtiError(err).message})`;
  }
}
