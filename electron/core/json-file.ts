/** Reads and writes the small JSON documents under the home folder (settings, status), schema-checked. */
import { readFile } from 'node:fs/promises';
import { CtiError, toCtiError } from '../../shared/errors.ts';
import { writeFileAtomic } from './fs/atomic-file.ts';
import { fileSystemError } from './fs/fs-errors.ts';

const MAX_JSON_BYTES = 4 * 1024 * 1024;

/** Returns the parsed document, `fallback` when the file does not exist, or throws BAD_INPUT naming the file. */
export async function readJsonFile<T>(path: string, check: (value: unknown) => T, fallback: T): Promise<T> {
  let text: string;
  try {
    const bytes = await readFile(path);
    if (bytes.length > MAX_JSON_BYTES) throw new CtiError('BAD_INPUT', `${path} is larger than ${MAX_JSON_BYTES} bytes`);
    text = bytes.toString('utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return fallback;
    throw toCtiError(err, { path });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CtiError('BAD_INPUT', `${path} is not valid JSON; fix or remove it`);
  }
  return check(value);
}

export async function writeJsonFile(path: string, value: unknown): Promise<void> {
  try {
    await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
  } catch (err) {
    throw fileSystemError(err, `Cannot write ${path}`);
  }
}
