/**
 * A small structured logger. Lines are JSON, one per event; secrets are never passed to it, and as a
 * second line of defence any field whose name looks secret is replaced before writing.
 */
import { closeSync, constants, mkdirSync, openSync, writeSync } from 'node:fs';
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

/** Appends JSON lines to a file (the app log under the home folder). */
export function fileLogger(path: string, minLevel: LogLevel = 'info'): Logger {
  const order: LogLevel[] = ['debug', 'info', 'warn', 'error'];
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  } catch {
    // No log folder (a file in its place, a full disk): the appends below fail quietly, the command runs.
  }
  return {
    log(level, event, fields = {}) {
      if (order.indexOf(level) < order.indexOf(minLevel)) return;
      const line = JSON.stringify({ time: new Date().toISOString(), level, event, ...redact(fields) });
      try {
        const fd = openSync(path, APPEND_NO_FOLLOW, 0o600);
        try {
          writeSync(fd, `${line}\n`);
        } finally {
          closeSync(fd);
        }
      } catch {
        // Logging must never break an enrollment.
      }
    },
  };
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
