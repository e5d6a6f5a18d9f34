import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EnrollStep, OperationStatus } from '../../../shared/model.ts';
import { defaultProfile } from '../../../shared/profile.ts';
import { SettingsStore } from '../../../electron/core/settings.ts';
import { StatusStore } from '../../../electron/core/status.ts';

const profile = { ...defaultProfile('p1'), userName: 'alice', instanceId: 'inst1', tftpServers: ['127.0.0.1:69'], capfHost: '127.0.0.1' };

describe('SettingsStore', () => {
  it('starts empty, saves atomically and reads back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'settings-'));
    const store = new SettingsStore(join(dir, 'settings.json'));
    expect(await store.read()).toEqual({ version: 2, profiles: [], activeProfileId: null });
    await store.upsertProfile(profile);
    expect((await store.read()).profiles).toEqual([profile]);
    expect(await store.profile('p1')).toEqual(profile);
    await expect(store.profile('nope')).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });

  it('never writes an invalid document and keeps the good one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'settings-'));
    const path = join(dir, 'settings.json');
    const store = new SettingsStore(path);
    await store.upsertProfile(profile);
    const before = await readFile(path, 'utf8');
    await expect(store.write({ version: 2, profiles: [{ ...profile, retries: 9 }], activeProfileId: null })).rejects.toMatchObject({
      code: 'BAD_INPUT',
      message: 'Profile 1: Retries must be 0 to 3',
    });
    expect(await readFile(path, 'utf8')).toBe(before);
  });

  it('reads a version 1 settings file with the old default device name as CTI-{instance}, and writes version 2', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'settings-'));
    const path = join(dir, 'settings.json');
    await writeFile(path, JSON.stringify({ version: 1, profiles: [{ ...profile, deviceNameTemplate: '{instance}' }], activeProfileId: 'p1' }));
    const store = new SettingsStore(path);
    expect((await store.profile('p1')).deviceNameTemplate).toBe('CTI-{instance}');
    await store.upsertProfile({ ...profile, deviceNameTemplate: '{instance}' });
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ version: 2, profiles: [{ deviceNameTemplate: '{instance}' }] });
    expect((await store.profile('p1')).deviceNameTemplate).toBe('{instance}');
  });

  it('reports a damaged settings file by name', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'settings-'));
    const path = join(dir, 'settings.json');
    await writeFile(path, '{"version":1,');
    await expect(new SettingsStore(path).read()).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringContaining('settings.json') });
  });
});

describe('StatusStore', () => {
  it('keeps each profile status and lists interrupted ones', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'status-'));
    const store = new StatusStore(join(dir, 'status.json'));
    await Promise.all([
      store.set('a', { state: 'in-progress', since: 'x', step: 'capf-connect', attempt: 1, maxAttempts: 1 }),
      store.set('b', { state: 'succeeded', at: 'y', outcome: 'installed' }),
      store.set('c', { state: 'pending', since: 'z' }),
    ]);
    expect(Object.keys(await store.all()).sort()).toEqual(['a', 'b', 'c']);
    expect((await store.interrupted()).sort()).toEqual(['a', 'c']);
    expect(await store.get('zzz')).toEqual({ state: 'none' });
  });

  it('writes changes that arrive during a write together in the next, in order, each on disk when its promise resolves', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'status-'));
    const path = join(dir, 'status.json');
    const store = new StatusStore(path);
    const step = (name: EnrollStep): OperationStatus => ({
      state: 'in-progress',
      since: 'x',
      step: name,
      attempt: 1,
      maxAttempts: 1,
    });
    const first = store.set('a', step('capf-connect'));
    await Promise.resolve(); // the first write has begun: what follows waits for the next one
    const later = [store.set('a', step('capf-authenticate')), store.set('b', step('capf-connect')), store.set('a', step('key-generate'))];
    await first;
    expect(await new StatusStore(path).get('a')).toMatchObject({ step: 'capf-connect' });
    await Promise.all(later);
    expect(await new StatusStore(path).all()).toEqual({ a: step('key-generate'), b: step('capf-connect') });
    await store.set('a', step('certificate-store'));
    expect(await new StatusStore(path).get('a')).toEqual(step('certificate-store'));
  });

  it('drops malformed entries from a damaged file instead of failing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'status-'));
    const path = join(dir, 'status.json');
    await writeFile(path, JSON.stringify({ version: 1, profiles: { ok: { state: 'pending', since: 'x' }, bad: { state: 'exploded' }, 'BAD ID': {} } }));
    expect(await new StatusStore(path).all()).toEqual({ ok: { state: 'pending', since: 'x' } });
  });
});
