/**
 * Everything the core needs for one home folder, opened once and shared by the CLI, the app service
 * and the preview: settings, status, logger, the OS vault, and the stores of each certificate folder.
 */
import { join } from 'node:path';
import { homeLayout, certificateDir, folderId, type HomeLayout } from './paths.ts';
import { removeStaleTempFiles } from './fs/atomic-file.ts';
import { prepareHomeFolder } from './fs/home-folder.ts';
import { ensurePrivateHome } from './fs/private-folder.ts';
import { fileLogger, type Logger } from './log.ts';
import { SettingsStore } from './settings.ts';
import { StatusStore } from './status.ts';
import { HistoryStore } from './history.ts';
import { CtlTrustStore } from './ctl/trust-store.ts';
import { RefusedCtlStore } from './ctl/refused-store.ts';
import { CertificateStore } from './keystore/certificate-store.ts';
import { integrityKey, openVault, type SecretVault } from './keystore/vault.ts';
import type { Profile } from '../../shared/profile.ts';
import type { Preset } from '../../shared/preset.ts';
import { presetDir, readPreset } from './preset.ts';

export interface CoreContext {
  layout: HomeLayout;
  logger: Logger;
  env: NodeJS.ProcessEnv;
  settings: SettingsStore;
  /** The machine-wide preset (read each time: an administrator may change it while the app runs); null when there is none. */
  preset(): Promise<Preset | null>;
  status: StatusStore;
  /** The last operations of each profile. */
  history: HistoryStore;
  /** Opened on first use: commands that never touch secrets work without a vault. */
  vault(): Promise<SecretVault>;
  trustStore(dir: string): Promise<CtlTrustStore>;
  /** The updates of a folder's trust list that were refused, kept aside in the home. */
  refusedStore(dir: string): Promise<RefusedCtlStore>;
  certificateStore(dir: string): Promise<CertificateStore>;
  /** The certificate folder of a profile. */
  dirOf(profile: Pick<Profile, 'certificatePath'>): string;
  /** Every certificate folder the profiles use, plus the default one. */
  certificateDirs(profiles: readonly Pick<Profile, 'certificatePath'>[]): string[];
}

export function openCore(options: { home: string; env?: NodeJS.ProcessEnv; logger?: Logger; vaultService?: string }): CoreContext {
  prepareHomeFolder(options.home);
  const layout = homeLayout(options.home);
  ensurePrivateHome(layout.home);
  const env = options.env ?? process.env;
  const logger = options.logger ?? fileLogger(layout.logFile);
  // Temp files of writes a kill cut short: the home now, each certificate folder when first opened.
  const swept = new Set<string>();
  const sweepOnce = (dir: string): void => {
    if (swept.has(dir)) return;
    swept.add(dir);
    const removed = removeStaleTempFiles(dir);
    if (removed.length > 0) logger.log('warn', 'fs.stale-temp-files-removed', { dir, files: removed });
  };
  sweepOnce(layout.home);
  sweepOnce(layout.trustMarkersDir);
  sweepOnce(layout.resumeDir);
  let vaultPromise: Promise<SecretVault> | undefined;
  const vault = (): Promise<SecretVault> => {
    if (!vaultPromise) {
      const opening = openVault(env, { logger, ...(options.vaultService ? { service: options.vaultService } : {}) });
      // A failed probe is retried next time: the user may unlock the vault meanwhile.
      opening.catch(() => (vaultPromise = undefined));
      vaultPromise = opening;
    }
    return vaultPromise;
  };
  const refusedStoreOf = (dir: string, key: Buffer): RefusedCtlStore => {
    const keptIn = join(layout.trustMarkersDir, 'refused', folderId(dir));
    sweepOnce(keptIn);
    return new RefusedCtlStore({ dir: keptIn, folder: dir, integrityKey: key });
  };
  const preset = () => readPreset(presetDir(env));
  return {
    layout,
    logger,
    env,
    settings: new SettingsStore(layout.settingsFile, join(layout.locksDir, 'settings.lock'), async () => (await preset())?.settings ?? null),
    preset,
    status: new StatusStore(layout.statusFile, join(layout.locksDir, 'status.lock')),
    history: new HistoryStore(join(layout.home, 'history.json')),
    vault,
    async trustStore(dir) {
      sweepOnce(dir);
      const markerFile = join(layout.trustMarkersDir, `${folderId(dir)}.json`);
      const key = await integrityKey(await vault());
      return new CtlTrustStore({ dir, markerFile, integrityKey: key, logger, refused: refusedStoreOf(dir, key) });
    },
    refusedStore: async (dir) => refusedStoreOf(dir, await integrityKey(await vault())),
    async certificateStore(dir) {
      sweepOnce(dir);
      return new CertificateStore({ dir, vault: await vault(), logger });
    },
    dirOf: (profile) => certificateDir(layout, profile.certificatePath),
    certificateDirs: (profiles) => [
      ...new Set([layout.defaultCertificateDir, ...profiles.map((p) => certificateDir(layout, p.certificatePath))]),
    ],
  };
}
