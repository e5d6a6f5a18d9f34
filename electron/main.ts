/**
 * The Electron main process: one locked-down window showing the renderer from `app://ctiprefs/`, IPC
 * handlers in front of the AppService, and nothing else. All logic lives in electron/core.
 * Bundled to CommonJS (dist-electron/main.cjs) by scripts/build-electron.mjs.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, protocol, session } from 'electron';
import { toCtiError } from '../shared/errors.ts';
import { APP_HOST, APP_SCHEME, APP_URL, CONTENT_SECURITY_POLICY, contentTypeOf, resolveRendererFile } from './app-protocol.ts';
import { createAppService, type AppService } from './core/app-service.ts';
import { fileLogger } from './core/log.ts';
import { defaultHome, homeLayout } from './core/paths.ts';
import { registerIpcHandlers } from './ipc.ts';
import { startLabSession } from './lab-session.ts';
import type { Lab } from './lab/lab.ts';
import { windowArgs } from './shell-args.ts';

// Must happen before 'ready': a standard, secure scheme gets a real origin, so 'self' in the CSP means us.
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true } }]);

function readArgs() {
  try {
    return windowArgs(process.argv.slice(app.isPackaged ? 1 : 2), app.isPackaged);
  } catch (err) {
    console.error(toCtiError(err).message);
    process.exit(2);
  }
}

const args = readArgs();
const home = args.home ?? defaultHome();
const logger = fileLogger(homeLayout(home).logFile);
// Chromium's caches stay out of the folder the CLI shares with the app.
app.setPath('sessionData', join(home, 'session'));

let window: BrowserWindow | null = null;
let service: AppService | null = null;
let lab: Lab | null = null;

function serveRenderer(rendererDir: string) {
  return async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const file = url.host === APP_HOST && request.method === 'GET' ? resolveRendererFile(rendererDir, url.pathname) : null;
    if (!file) return new Response('Not found', { status: 404 });
    try {
      return new Response(await readFile(file), {
        headers: {
          'content-type': contentTypeOf(file) ?? 'application/octet-stream',
          'content-security-policy': CONTENT_SECURITY_POLICY,
          'x-content-type-options': 'nosniff',
        },
      });
    } catch {
      return new Response('Not found', { status: 404 });
    }
  };
}

function lockDownSessionAndContents(): void {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  // The renderer talks to nothing on the network; everything goes through IPC.
  ses.webRequest.onBeforeRequest({ urls: ['http://*/*', 'https://*/*', 'ws://*/*', 'wss://*/*', 'file://*/*'] }, (_details, callback) =>
    callback({ cancel: true }),
  );
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event) => event.preventDefault());
    contents.on('will-redirect', (event) => event.preventDefault());
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 960,
    height: 720,
    minWidth: 640,
    minHeight: 480,
    show: false,
    autoHideMenuBar: true,
    title: 'ctiprefs',
    webPreferences: {
      preload: join(__dirname, 'preload.cjs'),
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      devTools: !app.isPackaged,
    },
  });
  win.once('ready-to-show', () => win.show());
  return win;
}

async function start(): Promise<void> {
  lockDownSessionAndContents();
  protocol.handle(APP_SCHEME, serveRenderer(join(app.getAppPath(), 'dist', 'renderer')));
  service = await createAppService({ home, logger, resume: true, pickFolder });
  if (args.lab) lab = await startLabSession({ home, service, profiles: args.profiles, logger });

  window = createWindow();
  const unregister = registerIpcHandlers({ ipcMain, contents: window.webContents, service, logger });
  window.on('closed', () => {
    unregister();
    window = null;
  });
  await window.loadURL(`${APP_URL}index.html`);
}

async function pickFolder(): Promise<string | null> {
  const options = { title: 'Certificate folder', properties: ['openDirectory', 'createDirectory'] } satisfies Electron.OpenDialogOptions;
  const picked = window ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options);
  return picked.canceled ? null : (picked.filePaths[0] ?? null);
}

async function shutdown(): Promise<void> {
  await Promise.allSettled([service?.close(), lab?.close()]);
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!window) return;
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  app.on('window-all-closed', () => app.quit());
  let cleanedUp = false;
  app.on('will-quit', (event) => {
    if (cleanedUp) return;
    event.preventDefault();
    void shutdown().finally(() => {
      cleanedUp = true;
      app.quit();
    });
  });
  app
    .whenReady()
    .then(start)
    .catch((err: unknown) => {
      logger.log('error', 'app.start.failed', { message: toCtiError(err).message });
      console.error(`ctiprefs could not start: ${toCtiError(err).message}`);
      app.exit(1);
    });
}
