/**
 * A stub of window.ctiprefs for component tests (the bridge is what these tests do not test).
 * Requests go through structuredClone, as Electron's IPC does, so a reactive proxy sent by mistake fails here too.
 */
import { vi } from 'vitest';
import { ERRORS, type ErrorCode } from '../../shared/errors.ts';
import type { ProgressEvent } from '../../shared/model.ts';
import type { Channel, CtiprefsApi, RequestOf, ResponseOf } from '../../shared/ipc.ts';
import { defaultProfile, type Profile, type Settings } from '../../shared/profile.ts';

type Handler<C extends Channel> = (request: RequestOf<C>) => ResponseOf<C> | Promise<ResponseOf<C>>;
export type Handlers = { [C in Channel]?: Handler<C> };

export interface FakeApi {
  api: CtiprefsApi;
  calls: { channel: Channel; request: unknown }[];
  channels(): Channel[];
  emit(event: ProgressEvent): void;
  listenerCount(): number;
}

export function ipcError(code: ErrorCode, message: string): Error & { code: ErrorCode; hint: string } {
  return Object.assign(new Error(message), { code, hint: ERRORS[code].hint });
}

/** Channels every tab may ask on its own, answered with "nothing there" unless a test says otherwise. */
const QUIET_DEFAULTS: Handlers = {
  'ctl:refused': () => ({ folder: '/home/agent/.config/ctiprefs/certificates', trusted: null, refused: [] }),
};

export function fakeApi(given: Handlers): FakeApi {
  const handlers: Handlers = { ...QUIET_DEFAULTS, ...given };
  const calls: { channel: Channel; request: unknown }[] = [];
  const listeners = new Set<(event: ProgressEvent) => void>();
  const invoke = async (channel: Channel, request?: unknown): Promise<unknown> => {
    calls.push({ channel, request: structuredClone(request) });
    const handler = handlers[channel] as ((request: unknown) => unknown) | undefined;
    if (!handler) throw ipcError('INTERNAL', `No handler for ${channel} in this test`);
    return structuredClone(await handler(request));
  };
  return {
    api: {
      invoke: invoke as CtiprefsApi['invoke'],
      onProgress(listener) {
        listeners.add(listener);
        return () => {
          listeners.delete(listener);
        };
      },
    },
    calls,
    channels: () => calls.map((c) => c.channel),
    emit: (event) => {
      for (const listener of [...listeners]) listener(event);
    },
    listenerCount: () => listeners.size,
  };
}

/** Installs the fake as window.ctiprefs; undo with vi.unstubAllGlobals(). */
export function installFakeApi(handlers: Handlers): FakeApi {
  const fake = fakeApi(handlers);
  vi.stubGlobal('ctiprefs', fake.api);
  return fake;
}

export function labProfile(overrides: Partial<Profile> = {}): Profile {
  return {
    ...defaultProfile('lab'),
    userName: 'labuser',
    instanceId: 'lab1',
    tftpServers: ['127.0.0.1:6969'],
    capfHost: '127.0.0.1',
    capfPort: 3804,
    ...overrides,
  };
}

export function settingsWith(profiles: Profile[], activeProfileId: string | null = profiles[0]?.id ?? null): Settings {
  return { version: 2, profiles, activeProfileId };
}

/** Handlers for a saved-settings round trip: save returns what it was given. */
export function settingsHandlers(initial: Settings): Handlers {
  let current = structuredClone(initial);
  return {
    'settings:get': () => current,
    'settings:save': (next) => {
      current = structuredClone(next);
      return current;
    },
    'status:get': () => ({}),
  };
}
