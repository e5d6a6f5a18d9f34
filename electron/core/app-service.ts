/**
 * The main-process side of the IPC contract: one handler per channel on top of the core. The Electron
 * IPC layer and the browser preview bridge both validate payloads, then call `handle`.
 */
import { CtiError, ERRORS, toCtiError } from '../../shared/errors.ts';
import { toErrorPayload } from '../../shared/ipc-error.ts';
import type { ConnectionTestResult, ProgressEvent, VaultStatus } from '../../shared/model.ts';
import type { Channel, RequestOf, ResponseOf } from '../../shared/ipc.ts';
import type { Profile } from '../../shared/profile.ts';
import { describeApp } from './about.ts';
import { CertificateFolderPolicy } from './certificate-folders.ts';
import { listCertificates, storeHolding } from './certificates.ts';
import { openCore, type CoreContext } from './context.ts';
import { forgetTrustedCtl } from './ctl-forget.ts';
import { adoptRefusedCtl, refusedCtlReport } from './ctl-adopt.ts';
import { updateTrustedCtl } from './ctl-update.ts';
import { requirePinnedSigner } from './ctl/trust-store.ts';
import { describeCtl } from './ctl/describe.ts';
import { ctiosHandlers } from './ctios/app-channels.ts';
import { testPlainConnection } from './ctimanager/plain-connection.ts';
import { ctiManagerEndpoint } from './ctimanager/endpoint.ts';
import { testWithStoredCertificate } from './ctimanager/stored-certificate-test.ts';
import { runDoctor } from './doctor/run-doctor.ts';
import type { Logger } from './log.ts';
import { viewLog } from './log-view.ts';
import { applyImport } from './import/apply.ts';
import { prepareImport } from './import/plan.ts';
import { CertificateOperations } from './operations.ts';
import { supportBundleFile } from './support-bundle.ts';
import { presetFirstUse } from './preset.ts';

export interface AppService {
  handle<C extends Channel>(channel: C, request: RequestOf<C>): Promise<ResponseOf<C>>;
  onProgress(listener: (event: ProgressEvent) => void): () => void;
  close(): Promise<void>;
}

type Handlers = { [C in Channel]: (request: RequestOf<C>) => Promise<ResponseOf<C>> };

export async function createAppService(options: {
  home: string;
  logger?: Logger;
  env?: NodeJS.ProcessEnv;
  /** The OS vault service of this session's secrets (a lab session has its own). */
  vaultService?: string;
  /** Resume interrupted enrollments in the background (the desktop app does; tests may not). */
  resume?: boolean;
  /** The native folder dialog; absent in the browser preview. Resolves null when the user cancels. */
  pickFolder?: () => Promise<string | null>;
  /** Shown in About and the support bundle (Electron's app version, or package.json's in the preview). */
  appVersion?: string;
  /** Where a PKCS#12 export goes: the app's save dialog, the preview's exports folder. Null: cancelled. */
  pickExportFile?: (suggestedName: string) => Promise<string | null>;
}): Promise<AppService> {
  const core = openCore(options);
  const operations = new CertificateOperations(core);
  const folders = new CertificateFolderPolicy(core.layout);
  const appVersion = options.appVersion ?? 'unknown (not given to the app service)';
  // Probed now, so the Certificates tab can say at once that there is no vault instead of "Loading…".
  let vaultAnswer: Promise<VaultStatus> | undefined;
  const vaultStatus = (recheck: boolean): Promise<VaultStatus> => {
    if (!vaultAnswer || recheck) {
      vaultAnswer = core.vault().then(
        (vault): VaultStatus => ({ available: true, kind: vault.kind }),
        (err: unknown): VaultStatus => ({ available: false, error: toErrorPayload(err) }),
      );
    }
    return vaultAnswer;
  };
  void vaultStatus(false);

  const handlers: Handlers = {
    'settings:get': () => core.settings.read(),
    'settings:save': async (settings) => {
      folders.check(settings.profiles, (await core.settings.read()).profiles);
      return operations.saveSettings(settings);
    },
    'status:get': () => core.status.all(),
    'enroll:start': ({ profileId, authString }) => operations.start({ profileId, authString }),
    'enroll:cancel': async ({ profileId }) => operations.cancel(profileId),
    'certs:list': () => listCertificates(core),
    'certs:export-pem': async ({ folderId, instanceId }) => (await storeHolding(core, instanceId, { folderId })).exportPem(instanceId),
    'certs:export-p12': async ({ folderId, instanceId, password }) => {
      if (!options.pickExportFile) throw new CtiError('BAD_INPUT', 'Exporting PKCS#12 needs the desktop app or the preview; use ctiprefs certs export --format p12');
      const store = await storeHolding(core, instanceId, { folderId });
      const path = await options.pickExportFile(`${instanceId}.p12`);
      if (path === null) return null;
      await store.exportP12(instanceId, path, password);
      return { savedAs: path };
    },
    'certs:delete': async ({ folderId, instanceId }) => {
      await (await storeHolding(core, instanceId, { folderId })).delete(instanceId);
    },
    'ctl:get': async ({ profileId }) => {
      const profile = await core.settings.profile(profileId);
      const trusted = await (await core.trustStore(core.dirOf(profile))).current();
      return trusted ? describeCtl(trusted.ctl, trusted) : null;
    },
    'ctl:check-update': async ({ profileId }) => {
      const profile = await core.settings.profile(profileId);
      const store = await core.trustStore(core.dirOf(profile));
      const firstUse = presetFirstUse(await core.preset(), profileId);
      const update = await updateTrustedCtl({ servers: profile.tftpServers, capfHost: profile.capfHost, store, logger: core.logger, firstUse });
      requirePinnedSigner(update.trusted, firstUse, core.dirOf(profile));
      return { outcome: update.outcome, trustList: describeCtl(update.trusted.ctl, update.trusted) };
    },
    'ctl:forget': async ({ profileId }) => {
      const profile = await core.settings.profile(profileId);
      return { forgotten: (await forgetTrustedCtl(core, core.dirOf(profile))).forgotten };
    },
    'ctl:refused': async ({ profileId }) => refusedCtlReport(core, core.dirOf(await core.settings.profile(profileId))),
    'ctl:adopt': async ({ profileId, fingerprint, sha256 }) => adoptRefusedCtl(core, core.dirOf(await core.settings.profile(profileId)), { fingerprint, fileSha256: sha256 }),
    'connection:test': async ({ profileId }) => testConnection(core, await core.settings.profile(profileId)),
    'vault:status': ({ recheck }) => vaultStatus(recheck),
    'folders:pick': async () => {
      if (!options.pickFolder) throw new CtiError('BAD_INPUT', `Choosing a folder needs the desktop app; here, use a folder under ${core.layout.home}`);
      const dir = await options.pickFolder();
      return dir === null ? null : folders.picked(dir);
    },
    'doctor:run': ({ profileId }) =>
      runDoctor({ home: core.layout.home, target: { profileId }, core }),
    'history:get': ({ profileId }) => core.history.of(profileId),
    'log:lines': (query) => viewLog(core.layout.logFile, query),
    'about:get': () => describeApp(core, appVersion),
    'support:bundle': () => supportBundleFile(core, appVersion),
    // Only the plan crosses to the window: the file's auth codes stay here and are dropped.
    'import:preview': async (request) => (await prepareImport(request, await core.settings.read())).plan,
    'import:apply': async (request) => {
      const { prepared, settings } = await applyImport(core, request);
      return { plan: prepared.plan, settings };
    },
    ...ctiosHandlers({ home: core.layout.home, folders, logger: core.logger }),
  };

  if (options.resume) {
    void operations.resumeInterrupted().catch((err: unknown) =>
      core.logger.log('error', 'enroll.resume.failed', { message: toCtiError(err).message }),
    );
  }

  return {
    async handle(channel, request) {
      const handler = handlers[channel] as (request: unknown) => Promise<ResponseOf<typeof channel>>;
      if (!handler) throw new CtiError('BAD_INPUT', `Unknown channel "${String(channel)}"`);
      return handler(request);
    },
    onProgress: (listener: (event: ProgressEvent) => void) => operations.onProgress(listener),
    close: () => operations.close(),
  };
}

async function testConnection(core: CoreContext, profile: Profile): Promise<ConnectionTestResult> {
  const endpoint = ctiManagerEndpoint(profile);
  if ('error' in endpoint) throw new CtiError('BAD_INPUT', endpoint.error);
  const server = `${endpoint.host}:${endpoint.port}`;
  if (!profile.secureConnection) {
    const plain = await testPlainConnection(endpoint);
    core.logger.log(plain.ok ? 'info' : 'warn', 'connection.test', { server, ok: plain.ok, code: plain.code, secure: false });
    return plain;
  }
  const failed = (code: CtiError['code'], message: string): ConnectionTestResult => ({ ok: false, message: `${message} ${ERRORS[code].hint}`, server, code });
  const trusted = await (await core.trustStore(core.dirOf(profile))).current();
  if (!trusted) return failed('CTL_NONE', 'No trusted CTL is stored, so CTIManager cannot be verified.');
  const identity = await (await core.certificateStore(core.dirOf(profile))).load(profile.instanceId);
  if (!identity) return failed('KEYSTORE', `No certificate is stored for instance ID "${profile.instanceId}".`);
  const result = await testWithStoredCertificate(endpoint, identity, trusted.ctl);
  core.logger.log(result.ok ? 'info' : 'warn', 'connection.test', { server, ok: result.ok, code: result.code });
  return result;
}
