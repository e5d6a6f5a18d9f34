/**
 * What both import parsers read the same way: the text as lines (any line ending, a byte order mark
 * allowed), port fields, and the limits that keep a hostile file from costing more than a glance.
 */
import { checkPort } from '../../../shared/fields.ts';
import { checkImportText } from '../../../shared/import.ts';

/** More lines than any real jtapi.ini or options export; a longer file is refused, not read. */
export const MAX_LINES = 20_000;
/** A record or an option value longer than this is not a host, a port or an ID. */
export const MAX_VALUE_LENGTH = 4096;
/** The settings hold at most 100 profiles: a file with more cannot be imported whole. */
export const MAX_IMPORTED_PROFILES = 100;

export type Lines = { lines: string[] } | { refusal: string };

export function sourceLines(text: string): Lines {
  const textError = checkImportText(text);
  if (textError) return { refusal: textError };
  if (text.includes('\0')) return { refusal: 'Import file holds NUL characters: save it as UTF-8 text' };
  if (text.includes('\uFFFD')) return { refusal: 'Import file is not valid UTF-8 text (it holds replacement characters); save it as UTF-8' };
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  if (lines.length > MAX_LINES) return { refusal: `Import file has more than ${MAX_LINES} lines: this is not a jtapi.ini or an options export` };
  return { lines };
}

/** A value as shown in a message: cut short, control characters made visible. */
export function shown(value: string): string {
  const cut = value.length > 64 ? `${value.slice(0, 64)}…` : value;
  // A Windows path keeps its backslashes; a control character cannot rewrite the terminal line.
  return `"${cut.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}"`;
}

/** A port field: empty means the default; otherwise the shared port rule, naming where it came from. */
export function portField(text: string, defaultPort: number, label: string): number | { error: string } {
  if (text === '') return defaultPort;
  const port = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  const error = checkPort(port, label);
  return error ? { error: `${error}, got ${shown(text)}` } : port;
}
