/**
 * Reading the app log back: the newest records across the rotated files, for the support bundle and the
 * window's log viewer. Each record is redacted once more on the way out (a second line of defence behind
 * the logger's own), and the window gets lines of a bounded count and size only.
 */
import { readFile } from 'node:fs/promises';
import { LOG_DETAILS_MAX_CHARS, LOG_VIEW_LINES } from '../../shared/fields.ts';
import type { LogLine, LogQuery } from '../../shared/model.ts';
import { logFiles, redact } from './log.ts';

type LogRecord = Record<string, unknown>;

function parseRecords(text: string): LogRecord[] {
  return text
    .split('\n')
    .filter(Boolean)
    .flatMap((line) => {
      try {
        const value: unknown = JSON.parse(line);
        return typeof value === 'object' && value !== null && !Array.isArray(value) ? [redact(value as LogRecord)] : [];
      } catch {
        // A line cut by a crash or written by something else: skipped, the rest still shows.
        return [];
      }
    });
}

/** The newest `count` records that `keep` accepts, oldest first, read from the newest file backwards. */
export async function readLogRecords(logFile: string, count: number, keep: (record: LogRecord) => boolean = () => true): Promise<LogRecord[]> {
  const records: LogRecord[] = [];
  for (const file of logFiles(logFile)) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      continue;
    }
    records.unshift(...parseRecords(text).filter(keep));
    if (records.length >= count) break;
  }
  return records.slice(-count);
}

const shortText = (value: unknown, max: number): string => {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? '';
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
};

/** One record as the window shows it: the fields it filters on, the rest as JSON of bounded length. */
export function toLogLine(record: LogRecord): LogLine {
  const { time, level, event, profile, operation, ...rest } = record;
  return {
    time: shortText(time ?? '', 40),
    level: shortText(level ?? '', 10),
    event: shortText(event ?? '', 80),
    ...(typeof profile === 'string' ? { profile: shortText(profile, 64) } : {}),
    ...(typeof operation === 'string' ? { operation: shortText(operation, 40) } : {}),
    details: Object.keys(rest).length > 0 ? shortText(rest, LOG_DETAILS_MAX_CHARS) : '',
  };
}

/** The log viewer's lines: of one operation, of one profile, or all, at most LOG_VIEW_LINES.max. */
export async function viewLog(logFile: string, query: LogQuery): Promise<LogLine[]> {
  const count = Math.min(Math.max(query.count, LOG_VIEW_LINES.min), LOG_VIEW_LINES.max);
  const keep = (record: LogRecord) =>
    (query.profileId === null || record.profile === query.profileId) && (query.operationId === null || record.operation === query.operationId);
  return (await readLogRecords(logFile, count, keep)).map(toLogLine);
}
