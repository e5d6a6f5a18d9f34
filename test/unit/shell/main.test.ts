/**
 * main.ts has no Electron binary to run against here, so this test bundles it exactly as the build does and
 * runs it with a stand-in 'electron' module that records what main asks of Electron: the window's security
 * settings, the app:// protocol, the permission and navigation handlers, and the IPC handlers (which reach a
 * real AppService on a temporary home folder).
 */
import { EventEmitter } from 'node:events';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CHANNELS } from '../../../shared/ipc.ts';

type Listener = (...args: unknown[]) => unknown;

function fakeElectron(appPath: string) {
  let settle: (outcome: string) => void = () => {};
  /** Resolves with the first loaded URL, or with "exit N" when main gives up. */
  const started = new Promise<string>((resolve) => (settle = resolve));
  const app = Object.assign(new EventEmitter(), {
    isPackaged: false,
    paths: {} as Record<string, string>,
    quitCalls: 0,
    exitCode: null as number | null,
    setPath(name: string, value: string) {
      this.paths[name] = value;
    },
    getAppPath: () => appPath,
    getVersion: () => '0.0.0-test',
    requestSingleInstanceLock: () => true,
    whenReady: () => Promise.resolve(),
    quit() {
      this.quitCalls += 1;
    },
    exit(code: number) {
      this.exitCode = code;
      settle(`exit ${code}`);
    },
  });
  const protocol = {
    privileged: [] as unknown[],
    handlers: new Map<string, (request: Request) => Promise<Response>>(),
    registerSchemesAsPrivileged(schemes: unknown[]) {
      this.privileged.push(...schemes);
    },
    handle(scheme: string, handler: (request: Request) => Promise<Response>) {
      this.handlers.set(scheme, handler);
    },
  };
  const session = {
    defaultSession: {
      permissionRequest: null as Listener | null,
      permissionCheck: null as Listener | null,
      beforeRequest: null as { filter: { urls: string[] }; listener: Listener } | null,
      setPermissionRequestHandler(handler: Listener) {
        this.permissionRequest = handler;
      },
      setPermissionCheckHandler(handler: Listener) {
        this.permissionCheck = handler;
      },
      webRequest: {
        onBeforeRequest: (filter: { urls: string[] }, listener: Listener) => {
          session.defaultSession.beforeRequest = { filter, listener };
        },
      },
    },
  };
  const ipcMain = {
    handlers: new Map<string, Listener>(),
    handle(channel: string, handler: Listener) {
      this.handlers.set(channel, handler);
    },
    removeHandler(channel: string) {
      this.handlers.delete(channel);
    },
  };
  const windows: FakeWindow[] = [];
  class FakeWindow extends EventEmitter {
    loaded: string[] = [];
    readonly webContents = Object.assign(new EventEmitter(), {
      mainFrame: { url: 'app://ctiprefs/index.html' },
      sent: [] as unknown[],
      send(...args: unknown[]) {
        this.sent.push(args);
      },
      isDestroyed: () => false,
    });
    constructor(readonly options: { webPreferences: Record<string, unknown> }) {
      super();
      windows.push(this);
    }
    async loadURL(url: string) {
      this.loaded.push(url);
      settle(url);
    }
    isMinimized = () => false;
    restore() {}
    focus() {}
    show() {}
  }
  return { app, protocol, session, ipcMain, BrowserWindow: FakeWindow, windows, started };
}

/** Bundles main.ts as scripts/build-electron.mjs does and runs it with the stand-in 'electron' and this argv. */
async function runBundledMain(electron: ReturnType<typeof fakeElectron>, appDir: string, args: string[]): Promise<void> {
  const bundle = await build({
    entryPoints: ['electron/main.ts'],
    bundle: true,
    write: false,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    external: ['electron', '@napi-rs/keyring'],
    logLevel: 'silent',
  });
  const realRequire = createRequire(import.meta.url);
  const fakeRequire = (id: string) => (id === 'electron' ? electron : realRequire(id));
  const module = { exports: {} };
  const argv = process.argv;
  process.argv = ['electron', '.', ...args];
  try {
    new Function('require', 'module', 'exports', '__dirname', '__filename', bundle.outputFiles[0]!.text)(
      fakeRequire,
      module,
      module.exports,
      join(appDir, 'dist-electron'),
      join(appDir, 'dist-electron', 'main.cjs'),
    );
  } finally {
    process.argv = argv;
  }
}

describe('the Electron main process (bundled, with a stand-in electron module)', () => {
  let dir: string;
  let electron: ReturnType<typeof fakeElectron>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ctiprefs-main-'));
    await mkdir(join(dir, 'app', 'dist', 'renderer'), { recursive: true });
    await writeFile(join(dir, 'app', 'dist', 'renderer', 'index.html'), '<html><head></head><body>app</body></html>');
    await writeFile(join(dir, 'app', 'secret.js'), 'outside the renderer');
    electron = fakeElectron(join(dir, 'app'));
    await runBundledMain(electron, join(dir, 'app'), ['--home', join(dir, 'home')]);
    expect(await electron.started).toBe('app://ctiprefs/index.html');
  });

  afterAll(async () => {
    electron?.app.emit('will-quit', { preventDefault() {} });
    await rm(dir, { recursive: true, force: true });
  });

  it('registers app:// as a standard, secure scheme and keeps Chromium data in the home folder', () => {
    expect(electron.protocol.privileged).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true } }]);
    expect(electron.app.paths.sessionData).toBe(join(dir, 'home', 'session'));
  });

  it('opens one sandboxed, context-isolated window without Node, showing app://ctiprefs/', () => {
    expect(electron.windows).toHaveLength(1);
    const prefs = electron.windows[0]!.options.webPreferences;
    expect(prefs).toMatchObject({ sandbox: true, contextIsolation: true, nodeIntegration: false, webviewTag: false, webSecurity: true });
    expect(prefs.preload).toBe(join(dir, 'app', 'dist-electron', 'preload.cjs'));
    expect(electron.windows[0]!.loaded).toEqual(['app://ctiprefs/index.html']);
  });

  it('serves the renderer with the CSP and nothing outside it', async () => {
    const handler = electron.protocol.handlers.get('app')!;
    const page = await handler(new Request('app://ctiprefs/index.html'));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('app');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    for (const url of ['app://ctiprefs/../secret.js', 'app://ctiprefs/%2e%2e/secret.js', 'app://other/index.html', 'app://ctiprefs/missing.js']) {
      expect((await handler(new Request(url))).status, url).toBe(404);
    }
  });

  it('denies permissions, navigation, new windows, webviews and network requests', () => {
    const ses = electron.session.defaultSession;
    let granted: unknown = 'unset';
    ses.permissionRequest!(null, 'media', (allowed: unknown) => (granted = allowed));
    expect(granted).toBe(false);
    expect(ses.permissionCheck!(null, 'clipboard-read')).toBe(false);
    let cancelled: unknown;
    ses.beforeRequest!.listener({ url: 'https://example.com/' }, (response: { cancel: boolean }) => (cancelled = response.cancel));
    expect(cancelled).toBe(true);
    expect(ses.beforeRequest!.filter.urls).toEqual(expect.arrayContaining(['http://*/*', 'https://*/*', 'file://*/*']));

    const contents = Object.assign(new EventEmitter(), { openHandler: null as Listener | null, setWindowOpenHandler(h: Listener) { this.openHandler = h; } });
    electron.app.emit('web-contents-created', {}, contents);
    for (const event of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
      let prevented = false;
      contents.emit(event, { preventDefault: () => (prevented = true) });
      expect(prevented, event).toBe(true);
    }
    expect(contents.openHandler!({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
  });

  it('answers every channel through the shared validation and the real AppService', async () => {
    expect([...electron.ipcMain.handlers.keys()].sort()).toEqual([...CHANNELS].sort());
    const contents = electron.windows[0]!.webContents;
    const fromWindow = { senderFrame: contents.mainFrame };
    expect(await electron.ipcMain.handlers.get('settings:get')!(fromWindow)).toEqual({ result: { version: 2, profiles: [], activeProfileId: null } });
    expect(await electron.ipcMain.handlers.get('ctl:get')!(fromWindow, { profileId: 'Nope!' })).toMatchObject({ error: { code: 'BAD_INPUT' } });
    expect(await electron.ipcMain.handlers.get('settings:get')!({ senderFrame: { url: 'app://ctiprefs/index.html' } })).toMatchObject({
      error: { code: 'BAD_INPUT', message: 'IPC from an untrusted frame was refused' },
    });
  });
});

describe('the Electron main process given CLI arguments (the installed ctiprefs command)', () => {
  it.each([
    [['--json', '--version'], (out: Record<string, unknown>) => expect(out).toEqual({ version: expect.stringMatching(/^\d+\.\d+\.\d+/) })],
    [['--json', 'status'], (out: Record<string, unknown>) => expect(out).toEqual({ status: [] })],
  ])('answers %j on stdout and exits, without a window or the single-instance lock', async (args, check) => {
    const dir = await mkdtemp(join(tmpdir(), 'ctiprefs-main-cli-'));
    const electron = fakeElectron(join(dir, 'app'));
    const lock = vi.spyOn(electron.app, 'requestSingleInstanceLock');
    const written: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      await runBundledMain(electron, join(dir, 'app'), ['--home', join(dir, 'home'), ...args]);
      expect(await electron.started).toBe('exit 0');
    } finally {
      write.mockRestore();
      await rm(dir, { recursive: true, force: true });
    }
    check(JSON.parse(written.join('')) as Record<string, unknown>);
    expect(electron.windows).toHaveLength(0);
    expect(lock).not.toHaveBeenCalled();
  });
});
