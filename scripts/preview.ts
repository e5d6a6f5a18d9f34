/**
 * `npm run preview [-- --lab] [--profile ID:AUTHSTRING[:KEY]]... [--home DIR] [--port N]`
 * Serves the desktop app's renderer to a browser on 127.0.0.1 with the real core behind a local bridge
 * (the same window.ctiprefs contract as the Electron preload). Prints `Preview: http://127.0.0.1:PORT/`
 * once it accepts connections; with --lab it first starts the built-in lab and points profile "lab" at it.
 */
import { fileURLToPath } from 'node:url';
import { exitCodeOf, toCtiError } from '../shared/errors.ts';
import { createAppService } from '../electron/core/app-service.ts';
import { readAppVersion } from '../electron/core/app-version.ts';
import { fileLogger } from '../electron/core/log.ts';
import { homeLayout } from '../electron/core/paths.ts';
import { sessionHome, sessionVaultService, startLabSession } from '../electron/lab-session.ts';
import { startBridgeServer } from '../electron/preview/bridge-server.ts';
import { bundleBrowserBridge, ensureRendererBuilt } from '../electron/preview/assets.ts';
import { previewExportPicker } from '../electron/preview/export-folder.ts';
import { parseShellArgs } from '../electron/shell-args.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

async function main(): Promise<void> {
  const started = performance.now();
  const args = parseShellArgs(process.argv.slice(2), { strict: true });
  const home = sessionHome(args);
  const logger = fileLogger(homeLayout(home).logFile);

  const [renderer, bridgeScript, service] = await Promise.all([
    ensureRendererBuilt(ROOT),
    bundleBrowserBridge(ROOT),
    readAppVersion(new URL('../package.json', import.meta.url)).then((appVersion) =>
      createAppService({ home, logger, resume: true, vaultService: sessionVaultService(args), pickExportFile: previewExportPicker(home), appVersion }),
    ),
  ]);
  const closers: (() => Promise<void>)[] = [() => service.close()];
  const stop = async (code: number) => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    process.exit(code);
  };
  process.once('SIGINT', () => void stop(0));
  process.once('SIGTERM', () => void stop(0));

  try {
    if (args.lab) {
      const lab = await startLabSession({ home, service, profiles: args.profiles, logger });
      closers.push(() => lab.close());
      const devices = lab.profiles.map((p) => p.deviceName).join(', ');
      console.log(`Lab: TFTP ${lab.tftp.host}:${lab.tftp.port}, CAPF ${lab.capf.host}:${lab.capf.port}, CTIManager ${lab.ctiManager.host}:${lab.ctiManager.port}; CAPF profiles ${devices}; profile "lab" is active`);
    }
    const server = await startBridgeServer({ service, rendererDir: renderer.dir, bridgeScript, port: args.port ?? 0, logger });
    closers.push(() => server.close());
    console.log(`Home: ${home}${args.lab ? ` (the lab's own; secrets under vault service "${sessionVaultService(args)}")` : ''}`);
    console.log(`Ready in ${Math.round(performance.now() - started)} ms${renderer.rebuilt ? ' (renderer rebuilt)' : ''}`);
    console.log(`Preview: ${server.url}`);
    // Said once the start-up probe answers, without holding the start: one sentence, never D-Bus's message.
    void service.handle('vault:status', { recheck: false }).then((vault) => {
      if (!vault.available) console.log(`No OS credential vault: ${vault.error.hint}`);
    });
  } catch (err) {
    const error = toCtiError(err);
    console.error(`Preview could not start: ${error.message}`);
    await stop(exitCodeOf(error.code));
  }
}

main().catch((err: unknown) => {
  const error = toCtiError(err);
  console.error(`Preview could not start: ${error.message}`);
  process.exit(exitCodeOf(error.code));
});
