/**
 * The main-process side of the IPC contract: one handler per channel on top of the core. The Electron
 * IPC layer and the browser preview bridge both validate payloads, then call `handle`.
 */
import { CtiError, ERRORS, toCtiError } from '../../shared/errors.ts';
import type { ConnectionTestResult, ProgressEvent } from '../../shared/model.ts';
import type { Channel, RequestOf, ResponseOf } from '../../shared/ipc.ts';
import type { Profile } from '../../shared/profile.ts';
import { CertificateFolderPolicy } from './certificate-folders.ts';
import { listCertificates, storeHolding } from './certificates.ts';
import { openCore, type CoreContext } from './context.ts';
import { forgetTrustedCtl } from './ctl-forget.ts';
import { updateTrustedCtl } from './ctl-update.ts';
import { describeCtl } from './ctl/describe.ts';
import { testPlainConnection } from './ctimanager/plain-connection.ts';
import { ctiManagerEndpoint } from './ctimanager/endpoint.ts';
import { testWithStoredCertificate } from './ctimanager/stored-certificate-test.ts';
import type { Logger } from './log.ts';
import { CertificateOperations } from './operations.ts';
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
  /** Resume interrupted enrollments in the background (the desktop app does; tests may not). */
  resume?: boolean;
  /** The native folder dialog; absent in the browser preview. Resolves null when the user cancels. */
  pickFolder?: () => Promise<string | null>;
}): Promise<AppService> {
  const core = openCore(options);
  const operations = new CertificateOperations(core);
  const folders = new CertificateFolderPolicy(core.layout);

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
      return { outcome: update.outcome, trustList: describeCtl(update.trusted.ctl, update.trusted) };
    },
    'ctl:forget': async ({ profileId }) => {
      const profile = await core.settings.profile(profileId);
      return { forgotten: (await forgetTrustedCtl(core, core.dirOf(profile))).forgotten };
    },
    'connection:test': async ({ profileId }) => testConnection(core, await core.settings.profile(profileId)),
    'folders:pick': async () => {
      if (!options.pickFolder) throw new CtiError('BAD_INPUT', `Choosing a folder needs the desktop app; here, use a folder under ${core.layout.home}`);
      const dir = await options.pickFolder();
      return dir === null ? null : folders.picked(dir);
    },
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
