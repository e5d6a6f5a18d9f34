/**
 * The main-process side of the IPC contract: one handler per channel on top of the core. The Electron
 * IPC layer and the browser preview bridge both validate payloads, then call `handle`.
 */
import { EventEmitter } from 'node:events';
import { CtiError, ERRORS, toCtiError } from '../../shared/errors.ts';
import type {
  CertificateInfo,
  Channel,
  ConnectionTestResult,
  OperationStatus,
  ProgressEvent,
  RequestOf,
  ResponseOf,
} from '../../shared/ipc.ts';
import type { Profile } from '../../shared/profile.ts';
import { CertificateFolderPolicy } from './certificate-folders.ts';
import { openCore, type CoreContext } from './context.ts';
import { updateTrustedCtl } from './ctl-update.ts';
import { describeCtl } from './ctl/describe.ts';
import { CTIMANAGER_ROLES } from './ctl/tags.ts';
import { trustAnchorsByRole } from './ctl/trust-store.ts';
import { ctiManagerEndpoint } from './ctimanager/endpoint.ts';
import { testSecureConnection } from './ctimanager/test-connection.ts';
import { enrollCertificate, resumeInterruptedEnrollments } from './enroll.ts';
import type { Logger } from './log.ts';

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
  const folders = new CertificateFolderPolicy(core.layout);
  const events = new EventEmitter();
  const running = new Map<string, AbortController>();
  const emit = (profileId: string, status: OperationStatus, message: string) =>
    events.emit('progress', { profileId, status, message } satisfies ProgressEvent);

  const handlers: Handlers = {
    'settings:get': () => core.settings.read(),
    'settings:save': async (settings) => {
      folders.check(settings.profiles, (await core.settings.read()).profiles);
      return core.settings.write(settings);
    },
    'status:get': () => core.status.all(),
    'enroll:start': async ({ profileId, authString }) => {
      if (running.has(profileId)) throw new CtiError('BAD_INPUT', `A certificate update is already running for profile "${profileId}"`);
      // Claimed before the first await, so two quick clicks cannot both start.
      const controller = new AbortController();
      running.set(profileId, controller);
      try {
        const profile = await core.settings.profile(profileId);
        return await enrollCertificate(core, {
          profile,
          authString,
          signal: controller.signal,
          onProgress: (status, message) => emit(profileId, status, message),
        });
      } finally {
        running.delete(profileId);
      }
    },
    'enroll:cancel': async ({ profileId }) => {
      running.get(profileId)?.abort();
    },
    'certs:list': () => listCertificates(core),
    'certs:export-pem': async ({ instanceId }) => (await storeHolding(core, instanceId)).exportPem(instanceId),
    'certs:delete': async ({ instanceId }) => {
      const store = await storeHolding(core, instanceId);
      await store.delete(instanceId);
      core.logger.log('info', 'certificate.deleted', { instanceId });
    },
    'ctl:get': async ({ profileId }) => {
      const profile = await core.settings.profile(profileId);
      const trusted = await (await core.trustStore(core.dirOf(profile))).current();
      return trusted ? describeCtl(trusted.ctl, trusted) : null;
    },
    'ctl:check-update': async ({ profileId }) => {
      const profile = await core.settings.profile(profileId);
      const store = await core.trustStore(core.dirOf(profile));
      const update = await updateTrustedCtl({ servers: profile.tftpServers, capfHost: profile.capfHost, store, logger: core.logger });
      return { outcome: update.outcome, trustList: describeCtl(update.trusted.ctl, update.trusted) };
    },
    'connection:test': async ({ profileId }) => testConnection(core, await core.settings.profile(profileId)),
    'folders:pick': async () => {
      if (!options.pickFolder) throw new CtiError('BAD_INPUT', `Choosing a folder needs the desktop app; here, use a folder under ${core.layout.home}`);
      const dir = await options.pickFolder();
      return dir === null ? null : folders.picked(dir);
    },
  };

  if (options.resume) {
    void resumeInterruptedEnrollments(core, emit).catch((err) =>
      core.logger.log('error', 'enroll.resume.failed', { message: toCtiError(err).message }),
    );
  }

  return {
    async handle(channel, request) {
      const handler = handlers[channel] as (request: unknown) => Promise<ResponseOf<typeof channel>>;
      if (!handler) throw new CtiError('BAD_INPUT', `Unknown channel "${String(channel)}"`);
      return handler(request);
    },
    onProgress(listener) {
      events.on('progress', listener);
      return () => events.off('progress', listener);
    },
    async close() {
      for (const controller of running.values()) controller.abort();
    },
  };
}

async function listCertificates(core: CoreContext): Promise<CertificateInfo[]> {
  const settings = await core.settings.read();
  const out: CertificateInfo[] = [];
  for (const dir of core.certificateDirs(settings.profiles)) {
    const store = await core.certificateStore(dir);
    for (const stored of await store.list()) {
      if (!('subject' in stored) || stored.subject === undefined) continue;
      const profileIds = settings.profiles
        .filter((p) => p.instanceId === stored.instanceId && core.dirOf(p) === dir)
        .map((p) => p.id);
      out.push({ ...(stored as CertificateInfo), profileIds });
    }
  }
  return out;
}

async function storeHolding(core: CoreContext, instanceId: string) {
  const settings = await core.settings.read();
  for (const dir of core.certificateDirs(settings.profiles)) {
    const store = await core.certificateStore(dir);
    if (await store.loadCertificate(instanceId)) return store;
  }
  throw new CtiError('KEYSTORE', `No certificate is stored for instance ID "${instanceId}"`);
}

async function testConnection(core: CoreContext, profile: Profile): Promise<ConnectionTestResult> {
  const endpoint = ctiManagerEndpoint(profile);
  if ('error' in endpoint) throw new CtiError('BAD_INPUT', endpoint.error);
  const server = `${endpoint.host}:${endpoint.port}`;
  const failed = (code: CtiError['code'], message: string): ConnectionTestResult => ({ ok: false, message: `${message} ${ERRORS[code].hint}`, server, code });
  const trusted = await (await core.trustStore(core.dirOf(profile))).current();
  if (!trusted) return failed('CTL_NONE', 'No trusted CTL is stored, so CTIManager cannot be verified.');
  const identity = await (await core.certificateStore(core.dirOf(profile))).load(profile.instanceId);
  if (!identity) return failed('KEYSTORE', `No certificate is stored for instance ID "${profile.instanceId}".`);
  const result = await testSecureConnection({
    host: endpoint.host,
    port: endpoint.port,
    certificate: identity.certificate,
    privateKey: identity.privateKey,
    chain: identity.chain,
    trustedServerCertificates: trustAnchorsByRole(trusted.ctl, [...CTIMANAGER_ROLES]),
  });
  core.logger.log(result.ok ? 'info' : 'warn', 'connection.test', { server, ok: result.ok, code: result.code });
  return result;
}
