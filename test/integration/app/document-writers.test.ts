/** Read-modify-write of settings.json and status.json from several processes at once: nothing is lost. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { openCore } from '../../../electron/core/context.ts';
import { silentLogger } from '../../../electron/core/log.ts';
import { tempDir } from '../../helpers/temp.ts';

const run = promisify(execFile);
const CHILD = fileURLToPath(new URL('./document-writer-child.ts', import.meta.url));
const WRITERS = ['wa', 'wb', 'wc', 'wd'];
const EACH = 15;

describe('settings and status writers in four processes', () => {
  it('keeps every profile and every status', async () => {
    const home = await tempDir('writers');
    await Promise.all(WRITERS.map((prefix) => run(process.execPath, ['--import', 'tsx', CHILD, home.path, prefix, String(EACH)], { timeout: 60_000 })));
    const core = openCore({ home: home.path, logger: silentLogger });
    const ids = WRITERS.flatMap((prefix) => Array.from({ length: EACH }, (_, i) => `${prefix}-${i}`)).sort();
    expect((await core.settings.read()).profiles.map((p) => p.id).sort()).toEqual(ids);
    const status = await core.status.all();
    expect(Object.keys(status).sort()).toEqual(ids);
    expect(Object.values(status).every((s) => s.state === 'succeeded')).toBe(true);
    await home.remove();
  }, 90_000);
});
