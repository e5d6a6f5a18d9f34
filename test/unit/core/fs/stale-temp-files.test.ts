/** removeStaleTempFiles: which leftovers of writeFileAtomic count as stale, on a real folder. */
import { readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeStaleTempFiles, STALE_TEMP_AGE_MS, tempPathFor, writeFileAtomic } from '../../../../electron/core/fs/atomic-file.ts';
import { tempDir } from '../../../helpers/temp.ts';

let dir: Awaited<ReturnType<typeof tempDir>>;
beforeEach(async () => {
  dir = await tempDir('stale-temp');
});
afterEach(async () => {
  await dir.remove();
});

async function aged(name: string, ageMs: number): Promise<string> {
  const path = join(dir.path, name);
  await writeFile(path, 'x');
  const when = new Date(Date.now() - ageMs);
  await utimes(path, when, when);
  return name;
}

describe('removeStaleTempFiles', () => {
  it('names temp files after the target and the writer pid', () => {
    expect(tempPathFor(join(dir.path, 'settings.json'))).toMatch(new RegExp(`/\\.settings\\.json\\.${process.pid}\\.[0-9a-f]{12}\\.tmp$`));
  });

  it('removes those older than a minute, with or without a pid, and keeps fresh ones of a live writer', async () => {
    const oldOfLiveWriter = await aged(`.a.p12.${process.pid}.aaaaaaaaaaaa.tmp`, STALE_TEMP_AGE_MS + 5000);
    const oldWithoutPid = await aged('.settings.json.bbbbbbbbbbbb.tmp', STALE_TEMP_AGE_MS + 5000);
    const freshWithoutPid = await aged('.status.json.cccccccccccc.tmp', 0);
    const freshOfLiveWriter = await aged(`.status.json.${process.pid}.dddddddddddd.tmp`, 0);
    const other = await aged('keep.tmp', STALE_TEMP_AGE_MS + 5000);
    expect(removeStaleTempFiles(dir.path).sort()).toEqual([oldOfLiveWriter, oldWithoutPid].sort());
    expect((await readdir(dir.path)).sort()).toEqual([freshWithoutPid, freshOfLiveWriter, other].sort());
  });

  it('leaves nothing behind after a completed write, and a missing folder is no error', async () => {
    await writeFileAtomic(join(dir.path, 'f.json'), '{}');
    expect(await readdir(dir.path)).toEqual(['f.json']);
    expect(removeStaleTempFiles(join(dir.path, 'missing'))).toEqual([]);
  });
});
