import { runInNewContext } from 'node:vm';
import { describe, expect, it, vi } from 'vitest';
import { CtiError } from '../../../shared/errors.ts';
import type { ProgressEvent } from '../../../shared/model.ts';
import { CHANNELS, PROGRESS_EVENT, type Channel, type CtiprefsApi, type IpcEnvelope } from '../../../shared/ipc.ts';
import { isTrustedSender, registerIpcHandlers } from '../../../electron/ipc.ts';
import type { IpcService } from '../../../electron/ipc-dispatch.ts';
import { installCtiprefsApi, type EnvelopeTransport } from '../../../electron/preload-main-world.ts';

type Handler = (event: { senderFrame: unknown }, ...args: unknown[]) => Promise<IpcEnvelope<unknown>>;

/** Stand-ins for ipcMain and the window's webContents: only what the wiring touches. */
function fakeElectron() {
  const handlers = new Map<string, Handler>();
  const sent: [string, unknown][] = [];
  const mainFrame = { url: 'app://ctiprefs/index.html' };
  const contents = { mainFrame, destroyed: false, isDestroyed() { return this.destroyed; }, send: (channel: string, payload: unknown) => void sent.push([channel, payload]) };
  const ipcMain = {
    handle: (channel: string, handler: Handler) => void handlers.set(channel, handler),
    removeHandler: (channel: string) => void handlers.delete(channel),
  };
  return { handlers, sent, mainFrame, contents, ipcMain };
}

function fakeService() {
  let progress: ((event: ProgressEvent) => void) | null = null;
  const calls: [Channel, unknown][] = [];
  const service: IpcService = {
    handle: vi.fn(async (channel: Channel, request: unknown) => {
      calls.push([channel, request]);
      if (channel === 'certs:delete') throw new CtiError('KEYSTORE', 'No certificate is stored for instance ID "x"');
      if (channel === 'ctl:get') throw new TypeError('boom');
      return { ok: channel } as never;
    }) as IpcService['handle'],
    onProgress(listener) {
      progress = listener;
      return () => (progress = null);
    },
  };
  return { service, calls, emit: (e: ProgressEvent) => progress?.(e), subscribed: () => progress !== null };
}

const PROGRESS: ProgressEvent = { profileId: 'p1', status: { state: 'none' }, message: 'idle' };

describe('Electron IPC handlers', () => {
  it('registers one handler per channel and removes them all', () => {
    const electron = fakeElectron();
    const { service, subscribed } = fakeService();
    const unregister = registerIpcHandlers({ ipcMain: electron.ipcMain as never, contents: electron.contents as never, service });
    expect([...electron.handlers.keys()].sort()).toEqual([...CHANNELS].sort());
    unregister();
    expect(electron.handlers.size).toBe(0);
    expect(subscribed()).toBe(false);
  });

  it('calls the service with a validated payload and returns an envelope', async () => {
    const electron = fakeElectron();
    const { service, calls } = fakeService();
    registerIpcHandlers({ ipcMain: electron.ipcMain as never, contents: electron.contents as never, service });
    const event = { senderFrame: electron.mainFrame };
    expect(await electron.handlers.get('enroll:start')!(event, { profileId: 'p1', authString: '123456' })).toEqual({ result: { ok: 'enroll:start' } });
    expect(await electron.handlers.get('settings:get')!(event)).toEqual({ result: { ok: 'settings:get' } });
    expect(calls).toEqual([
      ['enroll:start', { profileId: 'p1', authString: '123456' }],
      ['settings:get', undefined],
    ]);
  });

  it('answers bad payloads with BAD_INPUT without calling the service', async () => {
    const electron = fakeElectron();
    const { service, calls } = fakeService();
    registerIpcHandlers({ ipcMain: electron.ipcMain as never, contents: electron.contents as never, service });
    const event = { senderFrame: electron.mainFrame };
    const bad = await electron.handlers.get('enroll:start')!(event, { profileId: 'p1', authString: 'abc', admin: true });
    expect(bad).toMatchObject({ error: { code: 'BAD_INPUT' } });
    const extraArg = await electron.handlers.get('ctl:get')!(event, { profileId: 'p1' }, 'second');
    expect(extraArg).toMatchObject({ error: { code: 'BAD_INPUT', message: 'ctl:get: a request takes one payload' } });
    expect(calls).toEqual([]);
  });

  it('turns thrown errors into envelopes with code and hint', async () => {
    const electron = fakeElectron();
    const { service } = fakeService();
    registerIpcHandlers({ ipcMain: electron.ipcMain as never, contents: electron.contents as never, service });
    const event = { senderFrame: electron.mainFrame };
    expect(await electron.handlers.get('certs:delete')!(event, { folderId: '0123456789abcdef', instanceId: 'x' })).toMatchObject({ error: { code: 'KEYSTORE', hint: expect.stringContaining('keystore') } });
    expect(await electron.handlers.get('ctl:get')!(event, { profileId: 'p1' })).toMatchObject({ error: { code: 'INTERNAL', message: 'boom' } });
  });

  it('refuses senders other than the main frame of our window on our origin', async () => {
    const electron = fakeElectron();
    const { service, calls } = fakeService();
    registerIpcHandlers({ ipcMain: electron.ipcMain as never, contents: electron.contents as never, service });
    const handler = electron.handlers.get('settings:get')!;
    for (const senderFrame of [null, undefined, { url: 'app://ctiprefs/index.html' }]) {
      expect(await handler({ senderFrame })).toMatchObject({ error: { code: 'BAD_INPUT', message: 'IPC from an untrusted frame was refused' } });
    }
    electron.mainFrame.url = 'https://evil.example/';
    expect(await handler({ senderFrame: electron.mainFrame })).toMatchObject({ error: { code: 'BAD_INPUT' } });
    electron.mainFrame.url = 'app://ctiprefs/index.html';
    electron.contents.destroyed = true;
    expect(isTrustedSender(electron.mainFrame, electron.contents)).toBe(false);
    expect(calls).toEqual([]);
  });

  it('forwards progress events to the window only while it lives', () => {
    const electron = fakeElectron();
    const { service, emit } = fakeService();
    registerIpcHandlers({ ipcMain: electron.ipcMain as never, contents: electron.contents as never, service });
    emit(PROGRESS);
    electron.contents.destroyed = true;
    emit(PROGRESS);
    expect(electron.sent).toEqual([[PROGRESS_EVENT, PROGRESS]]);
  });
});

describe('the main-world half of the preload', () => {
  // Electron serializes the function into the page: run its source text alone in a fresh context to prove
  // it refers to nothing outside its body.
  function installInFreshWorld(transport: EnvelopeTransport): CtiprefsApi {
    const window: { ctiprefs?: CtiprefsApi } = {};
    runInNewContext(`(${installCtiprefsApi.toString()})(transport)`, { window, transport });
    return window.ctiprefs!;
  }

  it('returns results and throws errors carrying code, message and hint', async () => {
    const api = installInFreshWorld({
      invoke: async (channel, ...request) =>
        channel === 'certs:list'
          ? { result: request }
          : { error: { code: 'CAPF_AUTH_FAILED', message: 'refused', hint: 'check it' } },
      onProgress: () => () => undefined,
    });
    expect(await api.invoke('certs:list')).toEqual([]);
    await expect(api.invoke('enroll:start', { profileId: 'p1', authString: '1234' })).rejects.toMatchObject({
      name: 'IpcError',
      code: 'CAPF_AUTH_FAILED',
      message: 'refused',
      hint: 'check it',
    });
    expect(Object.isFrozen(api)).toBe(true);
  });

  it('passes progress listeners through and returns the unsubscribe function', () => {
    const listeners = new Set<(e: ProgressEvent) => void>();
    const api = installInFreshWorld({
      invoke: async () => ({ result: null }),
      onProgress: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    });
    const seen: ProgressEvent[] = [];
    const off = api.onProgress((e) => seen.push(e));
    for (const l of listeners) l(PROGRESS);
    off();
    expect(listeners.size).toBe(0);
    expect(seen).toEqual([PROGRESS]);
  });
});
