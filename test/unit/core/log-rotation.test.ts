/** The log rotates at its size cap into a few files, and still never writes through a planted link. */
import { lstatSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fileLogger, logFiles } from '../../../electron/core/log.ts';
import { tempDir } from '../../helpers/temp.ts';

let dir: Awaited<ReturnType<typeof tempDir>>;
beforeEach(async () => {
  dir = await tempDir('log');
});
afterEach(() => dir.remove());

describe('fileLogger rotation', () => {
  it('keeps the live file under the cap and at most the kept files, newest lines last in the live file', () => {
    const path = join(dir.path, 'logs', 'ctiprefs.log');
    const logger = fileLogger(path, 'info', { maxBytes: 1000, keptFiles: 2 });
    for (let i = 0; i < 100; i++) logger.log('info', 'line', { i });
    const names = readdirSync(join(dir.path, 'logs')).sort();
    expect(names).toEqual(['ctiprefs.log', 'ctiprefs.log.1', 'ctiprefs.log.2']);
    for (const file of logFiles(path, 2)) expect(lstatSync(file).size).toBeLessThanOrEqual(1000);
    const live = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { i: number });
    expect(live.at(-1)?.i).toBe(99);
    const older = readFileSync(`${path}.1`, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { i: number });
    expect(older.at(-1)?.i).toBe(live[0]!.i - 1);
  });

  it('does not follow a symbolic link planted as the log, before or after a rotation', () => {
    const victim = join(dir.path, 'victim');
    writeFileSync(victim, 'untouched\n');
    const path = join(dir.path, 'ctiprefs.log');
    symlinkSync(victim, path);
    const logger = fileLogger(path, 'info', { maxBytes: 200, keptFiles: 2 });
    for (let i = 0; i < 20; i++) logger.log('info', 'line', { i });
    expect(readFileSync(victim, 'utf8')).toBe('untouched\n');
  });
});
