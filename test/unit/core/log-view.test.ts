/** Reading the log back for the window: across rotated files, filtered, redacted again, and bounded. */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LOG_DETAILS_MAX_CHARS, LOG_VIEW_LINES } from '../../../shared/fields.ts';
import { fileLogger, withFields } from '../../../electron/core/log.ts';
import { viewLog } from '../../../electron/core/log-view.ts';
import { tempDir } from '../../helpers/temp.ts';

let dir: Awaited<ReturnType<typeof tempDir>>;
let path: string;
beforeEach(async () => {
  dir = await tempDir('log-view');
  path = join(dir.path, 'logs', 'ctiprefs.log');
});
afterEach(() => dir.remove());

const all = { profileId: null, operationId: null };

describe('viewLog', () => {
  it('reads the newest lines across rotated files, oldest first, and filters by profile and operation', async () => {
    const logger = fileLogger(path, 'info', { maxBytes: 2000, keptFiles: 3 });
    for (let i = 0; i < 40; i++) withFields(logger, { profile: i % 2 ? 'odd' : 'even', operation: i < 20 ? 'aaaaaaaaaaaa' : 'bbbbbbbbbbbb' }).log('info', 'step', { i });
    const last = await viewLog(path, { ...all, count: 5 });
    expect(last.map((l) => JSON.parse(l.details))).toEqual([35, 36, 37, 38, 39].map((i) => ({ i })));
    const odd = await viewLog(path, { profileId: 'odd', operationId: null, count: 3 });
    expect(odd.map((l) => l.details)).toEqual(['{"i":35}', '{"i":37}', '{"i":39}']);
    const second = await viewLog(path, { profileId: 'even', operationId: 'bbbbbbbbbbbb', count: LOG_VIEW_LINES.max });
    expect(second.every((l) => l.profile === 'even' && l.operation === 'bbbbbbbbbbbb')).toBe(true);
    expect(second.map((l) => l.details).at(0)).toBe('{"i":20}');
  });

  it('redacts secret-looking fields once more, skips damaged lines, and bounds every line', async () => {
    mkdirSync(join(dir.path, 'logs'));
    writeFileSync(path, `${JSON.stringify({ time: 't', level: 'info', event: 'planted', authString: '12345678', password: 'hunter22' })}\n`);
    appendFileSync(path, 'not json at all\n[1,2]\n');
    appendFileSync(path, `${JSON.stringify({ time: 't', level: 'warn', event: 'x'.repeat(500), message: 'm'.repeat(10_000) })}\n`);
    const lines = await viewLog(path, { ...all, count: 10_000 });
    expect(lines).toHaveLength(2);
    expect(lines[0]!.details).toBe('{"authString":"[redacted]","password":"[redacted]"}');
    expect(lines[1]!.details.length).toBeLessThanOrEqual(LOG_DETAILS_MAX_CHARS);
    expect(lines[1]!.event.length).toBeLessThanOrEqual(80);
  });

  it('answers an empty list when there is no log yet', async () => {
    expect(await viewLog(path, { ...all, count: 10 })).toEqual([]);
  });
});
