/**
 * A stub of window.ctiprefs for component tests (the bridge is what these tests do not test).
 * Requests go through structuredClone, as Electron's IPC does, so a reactive proxy sent by mistake fails here too.
 */
import { vi } from 'vitest';
import { ctiosFileNames } from '../../shared/ctios-file-names.ts';
import type { CtiosFolderState } from '../../shared/ctios-model.ts';
import { ERRORS, type ErrorCode } from '../../shared/errors.ts';
import type { AboutInfo, CertificateInfo, DoctorReport, LogLine, ProgressEvent } from '../../shared/model.ts';
import type { Channel, CtiprefsApi, RequestOf, ResponseOf } from '../../shared/ipc.ts';
import { defaultProfile, type Profile, type Settings } from '../../shared/profile.ts';
import { prepareImport } from '../../electron/core/import/plan.ts';
import { loadSettings } from '../../renderer/src/state/settings.svelte.ts';
import { loadStatus } from '../../renderer/src/state/status.svelte.ts';

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

/** The fake API with these handlers, and the renderer's settings and status loaded through it. */
export async function installLoadedFakeApi(handlers: Handlers): Promise<FakeApi> {
  const fake = installFakeApi(handlers);
  await loadSettings();
  await loadStatus();
  return fake;
}

/** An element's text with each run of white space as one space. */
export const visibleText = (el: HTMLElement) => (el.textContent ?? '').replace(/\s+/g, ' ');

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
    'history:get': () => [],
    'vault:status': () => ({ available: true, kind: 'os-vault' }),
  };
}

/** A doctor report as the core returns it: pass, warn and fail, in their order. */
export function doctorReport(): DoctorReport {
  return {
    checks: [
      { id: 'tftp-reachable', status: 'pass', message: 'TFTP server 127.0.0.1:6969 answered.', fix: '' },
      { id: 'ctl-present', status: 'warn', message: 'CTLFile.tlv is signed with SHA-1.', fix: 'Ask the administrator to regenerate the CTL with SHA-256.' },
      { id: 'capf-reachable', status: 'fail', message: 'CAPF 127.0.0.1:3804 refused the connection.', fix: 'Check the CAPF address and that the CAPF service runs.' },
    ],
  };
}

export function aboutInfo(overrides: Partial<AboutInfo> = {}): AboutInfo {
  return {
    version: '1.2.3',
    home: '/home/agent/.config/ctiprefs',
    logFile: '/home/agent/.config/ctiprefs/logs/ctiprefs.log',
    certificateFolders: ['/home/agent/.config/ctiprefs/certificates', '/srv/certs'],
    vault: 'os-vault',
    ...overrides,
  };
}

/** The Diagnostics tab's channels with fixed answers; log lines are filtered like the core does. */
export function supportHandlers(lines: LogLine[] = []): Handlers {
  return {
    'doctor:run': () => doctorReport(),
    'about:get': () => aboutInfo(),
    'support:bundle': () => ({ fileName: 'ctiprefs-support-2026-12-01T22-00-00-000Z.json', text: '{"kind":"ctiprefs support bundle"}\n' }),
    'log:lines': ({ profileId, operationId, count }) =>
      lines.filter((l) => (profileId === null || l.profile === profileId) && (operationId === null || l.operation === operationId)).slice(-count),
  };
}

export const CERTIFICATE_FOLDER_ID = '0123456789abcdef';

/** A readable stored certificate as certs:list reports it (lab1 belongs to profile "lab", others to "second"). */
export function certificateInfo(instanceId: string, overrides: Partial<CertificateInfo> = {}): CertificateInfo {
  return {
    folderId: CERTIFICATE_FOLDER_ID,
    instanceId,
    profileIds: [instanceId === 'lab1' ? 'lab' : 'second'],
    subject: `CN=${instanceId}`,
    issuer: 'CN=CAPF-lab',
    serialNumber: '0a1b',
    validFrom: '2026-01-01T00:00:00Z',
    validTo: '2027-01-01T00:00:00Z',
    daysLeft: 40,
    expired: false,
    expiringSoon: false,
    keyType: 'RSA',
    keySize: '2048',
    fingerprintSha256: 'ab'.repeat(32),
    ...overrides,
  };
}

/**
 * import:preview and import:apply on the core's own parser, over settings kept here: the window sees
 * exactly the plans (and refusals) the main process would send, without a main process.
 */
export function importHandlers(initial: Settings): Handlers & { saved(): Settings } {
  let current = structuredClone(initial);
  return {
    ...settingsHandlers(initial),
    'settings:get': () => current,
    'import:preview': async (request) => (await prepareImport(request, current)).plan,
    'import:apply': async (request) => {
      const prepared = await prepareImport(request, current);
      if (prepared.plan.refusals.length > 0) throw ipcError('BAD_INPUT', `Nothing was imported: ${prepared.plan.refusals.join('; ')}`);
      const ids = new Set(prepared.profiles.map((p) => p.id));
      current = { ...current, profiles: [...current.profiles.filter((p) => !ids.has(p.id)), ...prepared.profiles], activeProfileId: current.activeProfileId ?? prepared.profiles[0]!.id };
      return { plan: prepared.plan, settings: current };
    },
    saved: () => current,
  };
}

/** A folder's CTI OS state as the core reports it, with the named files present (no subjects). */
export function ctiosFolder(dir: string, present: string[] = []): CtiosFolderState {
  const files = ctiosFileNames().map((file) => ({ ...file, present: present.includes(file.name) }));
  return { dir, files };
}
