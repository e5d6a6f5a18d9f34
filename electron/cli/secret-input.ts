/**
 * Reads a secret the user hands over as `--FLAG FILE|-` (an authentication string, a CA password) up to a
 * small cap: a huge file, a device or an endless pipe stops there instead of being read whole. Secrets come
 * this way, never as flag values, which other local users can see in the process list.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { CtiError } from '../../shared/errors.ts';

export interface SecretInput {
  /** The flag, for messages: `--auth-string-file`. */
  flag: string;
  maxBytes: number;
  /** What the file must hold, for the too-long message: "the authentication string (4 to 10 digits)". */
  holds: string;
}

/** The file's text (or standard input's for `-`), with one trailing newline removed. */
export async function readSecretInput(file: string, input: SecretInput): Promise<string> {
  const what = file === '-' ? 'standard input' : `"${file}"`;
  const stream: Readable = file === '-' ? process.stdin : createReadStream(file, { end: input.maxBytes });
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      size += (chunk as Buffer).length;
      if (size > input.maxBytes) {
        throw new CtiError('BAD_INPUT', `${input.flag}: ${what} is longer than ${input.maxBytes} bytes; it must hold only ${input.holds}`);
      }
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    if (err instanceof CtiError) throw err;
    throw new CtiError('BAD_INPUT', `${input.flag}: cannot read ${what} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err });
  } finally {
    if (stream !== process.stdin) stream.destroy();
  }
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}
