/**
 * The CAPF client against the lab CAPF server over real TLS on 127.0.0.1: every operation, every
 * refusal, and a dropped connection at every step.
 */
import { createPublicKey, X509Certificate } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { classifyRetryable, runCapfSession, type CapfSessionOptions, type CapfStep } from '../../../electron/core/capf/client.ts';
import type { CapfCommandName } from '../../../electron/core/capf/constants.ts';
import { createCertificate } from '../../../electron/core/pki/certificate-builder.ts';
import { generateKeyPair, type KeySpec } from '../../../electron/core/pki/certificates.ts';
import { startCapfServer, type CapfServerOptions, type LabCapfServer } from '../../../electron/lab/capf-server.ts';
import type { LabCapfProfile } from '../../../electron/lab/profiles.ts';
import { capfSessionOptions, makeCapfIdentity, publicKeyOf, recordingStore, timelineLogger, type Identity } from './fixtures.ts';
import { ctiRejection } from '../../helpers/rejection.ts';
import { makeIdentity } from '../../helpers/certificates.ts';

const AUTH = '48151623';
let capf: Identity;
let servers: LabCapfServer[] = [];

beforeAll(async () => {
  capf = await makeCapfIdentity();
});

afterEach(async () => {
  await Promise.all(servers.map((server) => server.close()));
  servers = [];
});

async function lab(profiles: LabCapfProfile[], extra: Partial<CapfServerOptions> = {}): Promise<LabCapfServer> {
  const server = await startCapfServer({ certificate: capf.certificate, privateKey: capf.privateKey, profiles, ...extra });
  servers.push(server);
  return server;
}

function profile(key: KeySpec, overrides: Partial<LabCapfProfile> = {}): LabCapfProfile {
  return { deviceName: 'inst1', authString: AUTH, key, operation: 'install', ...overrides };
}

function sessionOptions(server: LabCapfServer, overrides: Partial<CapfSessionOptions> = {}): CapfSessionOptions {
  return capfSessionOptions(capf, server, AUTH, overrides);
}

describe('install', () => {
  it('installs an RSA 2048 LSC: stored before the store response reaches the server, key and certificate match', async () => {
    const timeline: string[] = [];
    const clientLines: string[] = [];
    const server = await lab([profile({ type: 'rsa', bits: 2048 })], { logger: timelineLogger(timeline) });
    const store = recordingStore(timeline);
    const steps: CapfStep[] = [];

    const result = await runCapfSession(
      sessionOptions(server, {
        storeCertificate: store.storeCertificate,
        onStep: (step) => steps.push(step),
        logger: timelineLogger([], clientLines),
      }),
    );

    expect(result.outcome).toBe('installed');
    expect(result.keySpec).toEqual({ type: 'rsa', bits: 2048 });
    expect(steps).toEqual(['capf-connect', 'capf-authenticate', 'key-generate', 'certificate-store']);
    expect(store.stored).toHaveLength(1);
    const issued = store.stored[0]!;
    expect(issued.certificate.equals(server.issued.get('inst1')!)).toBe(true);
    expect(result.certificate!.equals(issued.certificate)).toBe(true);
    // The stored private key belongs to the certificate's public key.
    expect(createPublicKey(issued.privateKey).export({ type: 'spki', format: 'der' }).equals(publicKeyOf(issued.certificate))).toBe(true);
    const x509 = new X509Certificate(issued.certificate);
    expect(x509.subject).toBe('CN=inst1');
    expect(x509.verify(new X509Certificate(capf.certificate).publicKey)).toBe(true);
    expect(x509.keyUsage).toContain('1.3.6.1.5.5.7.3.2');
    // Durable store first, then the server sees the store response.
    expect(timeline.indexOf('client.stored')).toBeGreaterThanOrEqual(0);
    expect(timeline.indexOf('client.stored')).toBeLessThan(timeline.indexOf('capf.lab.store-response'));
    // The authentication string never reaches a log line.
    expect(clientLines.length).toBeGreaterThan(0);
    expect(clientLines.join('\n')).not.toContain(AUTH);
  });

  it('installs an EC P-256 LSC whose key matches', async () => {
    const server = await lab([profile({ type: 'ec', curve: 'P-256' })]);
    const store = recordingStore([]);
    const result = await runCapfSession(sessionOptions(server, { storeCertificate: store.storeCertificate }));
    expect(result).toMatchObject({ outcome: 'installed', keySpec: { type: 'ec', curve: 'P-256' } });
    const issued = store.stored[0]!;
    expect(issued.privateKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(createPublicKey(issued.privateKey).export({ type: 'spki', format: 'der' }).equals(publicKeyOf(issued.certificate))).toBe(true);
  });

  it('installs P-384, P-521 and RSA 1024 keys from one server', async () => {
    const specs: KeySpec[] = [
      { type: 'ec', curve: 'P-384' },
      { type: 'ec', curve: 'P-521' },
      { type: 'rsa', bits: 1024 },
    ];
    const server = await lab(specs.map((key, i) => profile(key, { deviceName: `dev${i}`, authString: `12340${i}` })));
    for (const [i, key] of specs.entries()) {
      const store = recordingStore([]);
      const result = await runCapfSession(
        sessionOptions(server, { deviceName: `dev${i}`, authString: `12340${i}`, storeCertificate: store.storeCertificate }),
      );
      expect(result.keySpec).toEqual(key);
      const details = store.stored[0]!.privateKey.asymmetricKeyDetails;
      if (key.type === 'rsa') expect(details?.modulusLength).toBe(key.bits);
      else expect(details?.namedCurve).toBe({ 'P-256': 'prime256v1', 'P-384': 'secp384r1', 'P-521': 'secp521r1' }[key.curve]);
      expect(store.stored[0]!.certificate.equals(server.issued.get(`dev${i}`)!)).toBe(true);
    }
  });

  it('installs an RSA 4096 LSC (slow key generation, one test only)', { timeout: 120_000 }, async () => {
    const server = await lab([profile({ type: 'rsa', bits: 4096 })]);
    const store = recordingStore([]);
    const result = await runCapfSession(sessionOptions(server, { storeCertificate: store.storeCertificate, timeoutMs: 60_000 }));
    expect(result.keySpec).toEqual({ type: 'rsa', bits: 4096 });
    expect(store.stored[0]!.privateKey.asymmetricKeyDetails?.modulusLength).toBe(4096);
  });

  it('installs without an authentication string (empty password element)', async () => {
    const server = await lab([profile({ type: 'ec', curve: 'P-256' }, { authString: undefined })]);
    const result = await runCapfSession(sessionOptions(server, { authString: undefined }));
    expect(result.outcome).toBe('installed');
    expect(server.issued.has('inst1')).toBe(true);
  });
});

describe('protocol versions', () => {
  for (const version of [1, 2] as const) {
    it(`installs an RSA LSC from a version ${version} server, as JTAPI 15 does`, async () => {
      const server = await lab([profile({ type: 'rsa', bits: 1024 })], { version });
      const store = recordingStore([]);
      const result = await runCapfSession(sessionOptions(server, { storeCertificate: store.storeCertificate }));
      expect(result).toMatchObject({ outcome: 'installed', keySpec: { type: 'rsa', bits: 1024 } });
      expect(store.stored[0]!.certificate.equals(server.issued.get('inst1')!)).toBe(true);
    });
  }

  it('a version 1 or 2 lab server refuses to start, or to take a profile, that needs an EC key', async () => {
    for (const version of [1, 2] as const) {
      const start = startCapfServer({ certificate: capf.certificate, privateKey: capf.privateKey, profiles: [profile({ type: 'ec', curve: 'P-384' })], version });
      await expect(start).rejects.toMatchObject({
        code: 'BAD_INPUT',
        message: `Lab CAPF server: CAPF protocol version ${version} allows RSA keys only, but profile inst1 asks for EC P-384`,
      });
    }
    const server = await lab([profile({ type: 'rsa', bits: 1024 })], { version: 1 });
    expect(() => server.setProfile(profile({ type: 'ec', curve: 'P-256' }))).toThrow(/version 1 allows RSA keys only/);
  });
});

describe('refusals after authentication', () => {
  it('wrong authentication string → CAPF_AUTH_FAILED, nothing stored', async () => {
    const server = await lab([profile({ type: 'ec', curve: 'P-256' })]);
    const store = recordingStore([]);
    const err = await ctiRejection(runCapfSession(sessionOptions(server, { authString: '9999', storeCertificate: store.storeCertificate })));
    expect(err.code).toBe('CAPF_AUTH_FAILED');
    expect(err.message).not.toContain('9999');
    expect(classifyRetryable(err)).toBe(false);
    expect(store.stored).toHaveLength(0);
    expect(server.issued.size).toBe(0);
  });

  it('a used authentication string → CAPF_AUTH_FAILED the second time', async () => {
    const server = await lab([profile({ type: 'ec', curve: 'P-256' })]);
    await runCapfSession(sessionOptions(server));
    server.setProfile(profile({ type: 'ec', curve: 'P-256' })); // administrator schedules install again, same string
    const err = await ctiRejection(runCapfSession(sessionOptions(server)));
    expect(err.code).toBe('CAPF_AUTH_FAILED');
  });

  it('unknown device name → CAPF_UNKNOWN_DEVICE', async () => {
    const server = await lab([profile({ type: 'ec', curve: 'P-256' })]);
    const err = await ctiRejection(runCapfSession(sessionOptions(server, { deviceName: 'someoneElse' })));
    expect(err.code).toBe('CAPF_UNKNOWN_DEVICE');
  });

  it('operation none → CAPF_NOTHING_TO_DO', async () => {
    const server = await lab([profile({ type: 'ec', curve: 'P-256' }, { operation: 'none' })]);
    const err = await ctiRejection(runCapfSession(sessionOptions(server)));
    expect(err.code).toBe('CAPF_NOTHING_TO_DO');
  });

  it('server busy (retry later) → retryable NETWORK_TIMEOUT', async () => {
    const server = await lab([profile({ type: 'ec', curve: 'P-256' })], { faults: { busy: true, closeTimes: 1 } });
    const err = await ctiRejection(runCapfSession(sessionOptions(server)));
    expect(err.code).toBe('NETWORK_TIMEOUT');
    expect(err.message).toContain('server busy: retry later');
    expect(classifyRetryable(err)).toBe(true);
    // The next session is served normally.
    expect((await runCapfSession(sessionOptions(server))).outcome).toBe('installed');
  });
});

describe('fetch and delete', () => {
  it('fetch sends the stored certificate', async () => {
    const server = await lab([profile({ type: 'ec', curve: 'P-256' })]);
    const store = recordingStore([]);
    await runCapfSession(sessionOptions(server, { storeCertificate: store.storeCertificate }));
    const mine = store.stored[0]!.certificate;

    server.setProfile(profile({ type: 'ec', curve: 'P-256' }, { operation: 'fetch', authString: '5555' }));
    const result = await runCapfSession(sessionOptions(server, { authString: '5555', loadCertificate: async () => mine }));
    expect(result.outcome).toBe('fetched');
    expect(result.certificate!.equals(mine)).toBe(true);
    expect(server.fetched.get('inst1')!.equals(mine)).toBe(true);
  });

  it('fetch without a stored certificate ends normally and sends none', async () => {
    const server = await lab([profile({ type: 'ec', curve: 'P-256' }, { operation: 'fetch' })]);
    const result = await runCapfSession(sessionOptions(server, { loadCertificate: async () => undefined }));
    expect(result).toEqual({ outcome: 'fetched' });
    expect(server.fetched.size).toBe(0);
  });

  it('delete calls deleteCertificate and the server forgets the LSC', async () => {
    const server = await lab([profile({ type: 'ec', curve: 'P-256' })]);
    await runCapfSession(sessionOptions(server));
    expect(server.issued.has('inst1')).toBe(true);

    server.setProfile(profile({ type: 'ec', curve: 'P-256' }, { operation: 'delete', authString: '7777' }));
    let deleted = 0;
    const result = await runCapfSession(sessionOptions(server, { authString: '7777', deleteCertificate: async () => void (deleted += 1) }));
    expect(result.outcome).toBe('deleted');
    expect(deleted).toBe(1);
    expect(server.issued.has('inst1')).toBe(false);
  });
});

describe('trust', () => {
  it('a server certificate that is not a CTL CAPF record → TLS_UNTRUSTED', async () => {
    const server = await lab([profile({ type: 'ec', curve: 'P-256' })]);
    const other = await makeCapfIdentity('CAPF-other');
    const store = recordingStore([]);
    const err = await ctiRejection(
      runCapfSession(sessionOptions(server, { trustedCapfCertificates: [other.certificate], storeCertificate: store.storeCertificate })),
    );
    expect(err.code).toBe('TLS_UNTRUSTED');
    expect(classifyRetryable(err)).toBe(false);
    expect(server.issued.size).toBe(0);
    expect(server.messagesReceived).toBe(0);
  });

  it('a server certificate issued by the trusted CAPF CA (e.g. a client LSC) → TLS_UNTRUSTED: the CAPF is pinned', async () => {
    const keys = await generateKeyPair({ type: 'ec', curve: 'P-256' });
    const lsc = createCertificate({
      subject: { CN: 'another-client' },
      publicKey: keys.publicKey,
      issuer: { certificate: capf.certificate, privateKey: capf.privateKey },
      extendedKeyUsage: ['serverAuth', 'clientAuth'],
    });
    const impostor = await startCapfServer({ certificate: lsc, privateKey: keys.privateKey, profiles: [profile({ type: 'ec', curve: 'P-256' })] });
    servers.push(impostor);
    const store = recordingStore([]);
    const err = await ctiRejection(runCapfSession(capfSessionOptions(capf, impostor, AUTH, { storeCertificate: store.storeCertificate })));
    expect(err.code).toBe('TLS_UNTRUSTED');
    expect(impostor.issued.size).toBe(0);
  });

  it("the CTL's own CAPF certificate, expired → TLS_UNTRUSTED (CERT_HAS_EXPIRED), and the server hears nothing", async () => {
    const expired = await makeIdentity(
      { type: 'ec', curve: 'P-256' },
      { subject: { CN: 'CAPF-expired', O: 'ctiprefs tests' }, isCa: true, notBefore: new Date(Date.now() - 3 * 86_400_000), validityDays: 1 },
    );
    const server = await startCapfServer({ certificate: expired.certificate, privateKey: expired.privateKey, profiles: [profile({ type: 'ec', curve: 'P-256' })] });
    servers.push(server);
    const store = recordingStore([]);
    const err = await ctiRejection(runCapfSession(capfSessionOptions(expired, server, AUTH, { storeCertificate: store.storeCertificate })));
    expect(err.code).toBe('TLS_UNTRUSTED');
    expect(err.message).toContain('CERT_HAS_EXPIRED');
    expect(server.issued.size).toBe(0);
    expect(server.messagesReceived).toBe(0);
  });

  it('no trusted CAPF certificates → CTL_NONE before any connection', async () => {
    const server = await lab([profile({ type: 'ec', curve: 'P-256' })]);
    const err = await ctiRejection(runCapfSession(sessionOptions(server, { trustedCapfCertificates: [] })));
    expect(err.code).toBe('CTL_NONE');
    expect(server.sessions).toBe(0);
  });
});

describe('the server drops the connection', () => {
  const beforeStore: CapfCommandName[] = [
    'authRequest',
    'authResponse',
    'keyGenRequest',
    'requestInProgress',
    'keyGenResponse',
  ];

  it.each(beforeStore)('right after %s → network error, nothing stored, and a retry succeeds', async (closeAfter) => {
    const server = await lab([profile({ type: 'ec', curve: 'P-256' })], { faults: { closeAfter, closeTimes: 1 } });
    const store = recordingStore([]);
    const err = await ctiRejection(runCapfSession(sessionOptions(server, { storeCertificate: store.storeCertificate })));
    expect(err.code).toBe('NETWORK_UNREACHABLE');
    expect(classifyRetryable(err)).toBe(true);
    expect(store.stored).toHaveLength(0);
    expect(server.issued.size).toBe(0);

    // The authentication string was not spent by the broken session.
    const retry = await runCapfSession(sessionOptions(server, { storeCertificate: store.storeCertificate }));
    expect(retry.outcome).toBe('installed');
    expect(store.stored).toHaveLength(1);
  });

  it('right after the store request: the LSC arrived whole, so it is stored, but the session fails and is retried', async () => {
    const server = await lab([profile({ type: 'ec', curve: 'P-256' })], { faults: { closeAfter: 'storeCertificateRequest', closeTimes: 1 } });
    const store = recordingStore([]);
    const err = await ctiRejection(runCapfSession(sessionOptions(server, { storeCertificate: store.storeCertificate })));
    expect(err.code).toBe('NETWORK_UNREACHABLE');
    expect(store.stored).toHaveLength(1);
    expect(server.issued.size).toBe(0);

    const retry = await runCapfSession(sessionOptions(server, { storeCertificate: store.storeCertificate }));
    expect(retry.outcome).toBe('installed');
    expect(store.stored[1]!.certificate.equals(server.issued.get('inst1')!)).toBe(true);
  });

  it('right after the store response: the certificate is stored and the install counts', async () => {
    const server = await lab([profile({ type: 'ec', curve: 'P-256' })], { faults: { closeAfter: 'storeCertificateResponse' } });
    const store = recordingStore([]);
    const result = await runCapfSession(sessionOptions(server, { storeCertificate: store.storeCertificate }));
    expect(result.outcome).toBe('installed');
    expect(store.stored).toHaveLength(1);
  });
});

describe('cancellation', () => {
  it('an abort during key generation → CANCELLED and nothing stored', async () => {
    const server = await lab([profile({ type: 'rsa', bits: 2048 })]);
    const controller = new AbortController();
    const store = recordingStore([]);
    const err = await ctiRejection(
      runCapfSession(
        sessionOptions(server, {
          signal: controller.signal,
          storeCertificate: store.storeCertificate,
          onStep: (step) => step === 'key-generate' && controller.abort(),
        }),
      ),
    );
    expect(err.code).toBe('CANCELLED');
    expect(classifyRetryable(err)).toBe(false);
    expect(store.stored).toHaveLength(0);
  });

  it('an already aborted signal never connects', async () => {
    const server = await lab([profile({ type: 'ec', curve: 'P-256' })]);
    const err = await ctiRejection(runCapfSession(sessionOptions(server, { signal: AbortSignal.abort() })));
    expect(err.code).toBe('CANCELLED');
    expect(server.sessions).toBe(0);
  });
});
