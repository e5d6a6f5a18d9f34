/**
 * A small structured logger. Lines are JSON, one per event; secrets are never passed to it, and as a
 * second line of defence any field whose name looks secret is replaced before writing.
 */
import { closeSync, constants, fstatSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export interface Logger {
  log(level: LogLevel, event: string, fields?: Record<string, unknown>): void;
}

const SECRET_FIELD = /pass|secret|auth.?string|private|token/i;

export function redact(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) out[key] = SECRET_FIELD.test(key) ? '[redacted]' : value;
  return out;
}

/** Never through a symbolic link: a link planted as the log would make log lines land in any file we can write. */
const APPEND_NO_FOLLOW = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0);

/** The log is rotated at this size: `ctiprefs.log`, then `.1` (newest) to `.N` (oldest) are kept. */
export const LOG_ROTATION = { maxBytes: 1024 * 1024, keptFiles: 3 } as const;

/** The rotated files of a log, newest first, the live file included. */
export function logFiles(path: string, keptFiles: number = LOG_ROTATION.keptFiles): string[] {
  return [path, ...Array.from({ length: keptFiles }, (_, i) => `${path}.${i + 1}`)];
}

/** Shifts .1 → .2 …, the live file to .1; renames move links themselves, never what they point at. */
function rotate(path: string, keptFiles: number): void {
  const files = logFiles(path, keptFiles);
  rmSync(files[files.length - 1]!, { force: true });
  for (let i = files.length - 2; i >= 0; i--) {
    try {
      renameSync(files[i]!, files[i + 1]!);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}

/** Appends JSON lines to a file (the app log under the home folder), rotating it at a size cap. */
export function fileLogger(path: string, minLevel: LogLevel = 'info', rotation: { maxBytes: number; keptFiles: number } = LOG_ROTATION): Logger {
  const order: LogLevel[] = ['debug', 'info', 'warn', 'error'];
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  } catch {
    // No log folder (a file in its place, a full disk): the appends below fail quietly, the command runs.
  }
  const append = (text: string): void => {
    let fd = openSync(path, APPEND_NO_FOLLOW, 0o600);
    try {
      const size = fstatSync(fd).size;
      if (size > 0 && size + Buffer.byteLength(text) > rotation.maxBytes) {
        closeSync(fd);
        fd = -1;
        rotate(path, rotation.keptFiles);
        fd = openSync(path, APPEND_NO_FOLLOW, 0o600);
      }
      writeSync(fd, text);
    } finally {
      if (fd >= 0) closeSync(fd);
    }
  };
  return {
    log(level, event, fields = {}) {
      if (order.indexOf(level) < order.indexOf(minLevel)) return;
      const line = JSON.stringify({ time: new Date().toISOString(), level, event, ...redact(fields) });
      try {
        append(`${line}\n`);
      } catch {
        // Logging must never break an enrollment.
      }
    },
  };
}

/** A logger that adds fixed fields to every line (an operation's id and profile), so its lines can be found again. */
export function withFields(logger: Logger, fixed: Record<string, unknown>): Logger {
  return { log: (level, event, fields = {}) => logger.log(level, event, { ...fixed, ...fields }) };
}

export const silentLogger: Logger = { log() {} };

/** Collects lines in memory: for tests that assert what was (and was not) logged. */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    log(level, event, fields = {}) {
      lines.push(JSON.stringify({ level, event, ...redact(fields) }));
    },
  };
}
