/** What the CLI prints: one JSON object with --json, readable lines otherwise; errors on stderr. */
import { ERRORS, exitCodeOf, type CtiError } from '../../shared/errors.ts';

export interface Output {
  json: boolean;
  /** A progress line (stderr; silent in JSON mode so stdout stays one object). */
  progress(line: string): void;
  /** A warning the user must see even with --json (stderr, so stdout stays one object). */
  warn(line: string): void;
  /** The command's result: an object for --json, text lines otherwise. */
  result(value: unknown, text: string): void;
  failure(error: CtiError): number;
}

/**
 * Text for a terminal: control characters other than newline and tab shown as `\xNN`. Names and reasons
 * can come from a hostile server's bytes (a refused trust list), and an escape sequence or a carriage
 * return must not repaint what the user reads, such as a fingerprint line.
 */
export function terminalText(text: string): string {
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export function createOutput(json: boolean, stdout = process.stdout, stderr = process.stderr): Output {
  // A step reported again with more detail in its status (the stored certificate's fingerprint) tells a
  // person nothing new: the same line twice in a row is printed once.
  let lastProgress: string | undefined;
  return {
    json,
    progress(line) {
      if (json || line === lastProgress) return;
      lastProgress = line;
      stderr.write(`${terminalText(line)}\n`);
    },
    warn(line) {
      stderr.write(`ctiprefs: warning: ${terminalText(line)}\n`);
    },
    result(value, text) {
      stdout.write(json ? `${JSON.stringify(value)}\n` : `${terminalText(text)}\n`);
    },
    failure(error) {
      if (json) stdout.write(`${JSON.stringify({ error: { code: error.code, message: error.message } })}\n`);
      // The sentence a person acts on first, then the code and the detail (as the app's error notice does).
      else stderr.write(`ctiprefs: ${ERRORS[error.code].hint}\n  ${error.code}: ${terminalText(error.message)}\n`);
      return exitCodeOf(error.code);
    },
  };
}
