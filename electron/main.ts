/**
 * The Electron main process: the app's lifecycle, the CLI dispatch, one window (window.ts) and the IPC
 * handlers in front of the AppService, and nothing else. All logic lives in electron/core.
 * Bundled to CommonJS (dist-electron/main.cjs) by scripts/build-electron.mjs.
 */
import { join } from 'node:path';
import { app, dialog, ipcMain, protocol, type BrowserWindow } from 'electron';
import { toCtiError } from '../shared/errors.ts';
import { APP_SCHEME, APP_URL } from './app-protocol.ts';
import { cliArguments, runCliAndExit } from './cli-dispatch.ts';
import { createAppService, type AppService } from './core/app-service.ts';
import { fileLogger } from './core/log.ts';
import { homeLayout } from './core/paths.ts';
import { registerIpcHandlers } from './ipc.ts';
import { sessionHome, sessionVaultService, startLabSession } from './lab-session.ts';
import type { Lab } from './lab/lab.ts';
import { windowArgs } from './shell-args.ts';
import { openSecureWindow } from './window.ts';

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

// `ctiprefs COMMAND ...` through the installed app: answered by the CLI, with no window (cli-dispatch.ts).
const cliArgv = cliArguments(process.argv.slice(app.isPackaged ? 1 : 2));
const args = cliArgv ? windowArgs([], false) : readArgs();
const home = sessionHome(args);
const logger = fileLogger(homeLayout(home).logFile);
// Chromium's caches stay out of the folder the CLI shares with the app.
app.setPath('sessionData', join(home, 'session'));

let window: BrowserWindow | null = null;
let service: AppService | null = null;
let lab: Lab | null = null;

async function start(): Promise<void> {
  window = openSecureWindow();
  service = await createAppService({ home, logger, resume: true, vaultService: sessionVaultService(args), pickFolder, pickExportFile, appVersion: app.getVersion() });
  if (args.lab) lab = await startLabSession({ home, service, profiles: args.profiles, logger });

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

/** The PKCS#12 export's file: the person picks it here, so the key goes from main to disk, never via the page. */
async function pickExportFile(suggestedName: string): Promise<string | null> {
  const options = {
    title: 'Export certificate and key (PKCS#12)',
    defaultPath: join(app.getPath('documents'), suggestedName),
    filters: [{ name: 'PKCS#12', extensions: ['p12', 'pfx'] }],
  } satisfies Electron.SaveDialogOptions;
  const picked = window ? await dialog.showSaveDialog(window, options) : await dialog.showSaveDialog(options);
  return picked.canceled || !picked.filePath ? null : picked.filePath;
}

async function shutdown(): Promise<void> {
  await Promise.allSettled([service?.close(), lab?.close()]);
}

if (cliArgv) {
  void runCliAndExit(cliArgv, (code) => app.exit(code));
} else if (!app.requestSingleInstanceLock()) {
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
