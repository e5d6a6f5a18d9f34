import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { toPem } from '../../../electron/core/pki/certificates.ts';
import { TSPERR_INIT_CERTIFICATE_COMPROMISED, TSPERR_UNKNOWN } from '../../../shared/errors.ts';
import { encodeLabStatusFrame } from '../../../electron/core/ctimanager/lab-status-frame.ts';
import { testSecureConnection, type SecureConnectionTestOptions } from '../../../electron/core/ctimanager/test-connection.ts';
import type { CtiManagerServer, CtiManagerServerOptions } from '../../../electron/lab/ctimanager-server.ts';
import { memoryLogger } from '../../../electron/core/log.ts';
import { closedTcpPort } from '../../helpers/ports.ts';
import { startSilentTcpServer } from '../../helpers/silent-tcp.ts';
import {
  createTestPki,
  LOOPBACK,
  openProviderSession,
  startLabCtiManager,
  startOpensslServer,
  startTlsPeer,
  type Identity,
  type TestPki,
} from './fixtures.ts';

// Generous: a loaded 2-core machine must not turn a slow handshake into a timeout.
const TIMEOUT_MS = 20_000;
// Lab outcomes arrive as a status frame or a close, so a long grace costs nothing there.
const LONG_GRACE_MS = 20_000;

let pki: TestPki;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  pki = await createTestPki();
}, 60_000);

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function labServer(options: Partial<CtiManagerServerOptions> = {}): Promise<CtiManagerServer> {
  const server = await startLabCtiManager(pki, options);
  cleanups.push(() => server.close());
  return server;
}

function probe(port: number, client: Identity, overrides: Partial<SecureConnectionTestOptions> = {}) {
  return testSecureConnection({
    host: LOOPBACK,
    port,
    certificate: client.certificate,
    privateKey: client.privateKey,
    trustedServerCertificates: [pki.otherServer.certificate, pki.callManager.certificate],
    timeoutMs: TIMEOUT_MS,
    graceMs: LONG_GRACE_MS,
    ...overrides,
  });
}

describe('testSecureConnection against the lab CTIManager', () => {
  it('connects with a certificate from the lab CAPF and says so in plain words', async () => {
    const server = await labServer();
    const result = await probe(server.port, pki.clientEc);
    expect(result).toEqual({
      ok: true,
      message: 'Secure connection established: TLS 1.3 to CN=cucm-test, O=ctiprefs test, client certificate accepted.',
      server: `${LOOPBACK}:${server.port}`,
      serverSubject: 'CN=cucm-test, O=ctiprefs test',
      protocol: 'TLS 1.3',
    });
  });

  it('connects with an RSA 1024 client certificate too', async () => {
    const server = await labServer();
    const result = await probe(server.port, pki.clientRsa);
    expect(result.ok).toBe(true);
  });

  it('closes the session politely, so the lab has no session left open', async () => {
    const server = await labServer();
    await probe(server.port, pki.clientEc);
    await expect.poll(() => server.activeSessions(), { timeout: TIMEOUT_MS }).toBe(0);
    // A second test with the same certificate is no duplicate once the first has ended.
    expect((await probe(server.port, pki.clientEc)).ok).toBe(true);
    expect(server.duplicateCount(pki.clientEc.fingerprint256)).toBe(0);
  });

  it('refuses a server whose certificate the CTL does not list (TLS_UNTRUSTED)', async () => {
    const server = await labServer();
    const result = await probe(server.port, pki.clientEc, { trustedServerCertificates: [pki.otherServer.certificate] });
    expect(result.ok).toBe(false);
    expect(result.code).toBe('TLS_UNTRUSTED');
    expect(result.serverSubject).toBe('CN=cucm-test, O=ctiprefs test');
    expect(result.message).toContain('is not one of the CTL');
  });

  it('does not trust a server by its name: a look-alike with the same subject and another key is refused', async () => {
    const impostor = await startTlsPeer({ identity: { ...pki.otherServer }, clientCa: pki.capfCa });
    cleanups.push(() => impostor.close());
    const result = await probe(impostor.port, pki.clientEc, { trustedServerCertificates: [pki.callManager.certificate] });
    expect(result.code).toBe('TLS_UNTRUSTED');
  });

  it('does not connect at all when the CTL lists no CTIManager certificate', async () => {
    const server = await labServer();
    const result = await probe(server.port, pki.clientEc, { trustedServerCertificates: [] });
    expect(result.code).toBe('TLS_UNTRUSTED');
    expect(result.message).toContain('lists no CTIManager');
    expect(server.activeSessions()).toBe(0);
  });

  it('refuses a client certificate from another CA (the lab, like any Node TLS server, closes without an alert)', async () => {
    const server = await labServer();
    const result = await probe(server.port, pki.strangerClient);
    expect(result.ok).toBe(false);
    expect(result.message).toMatch(/^CTIManager closed the connection: the certificate was not accepted/);
    expect(server.activeSessions()).toBe(0);
    expect(server.compromised.size).toBe(0);
  });

  it('closes both sessions when a second one uses the same certificate', async () => {
    const server = await labServer();
    const provider = await openProviderSession(server.port, pki.clientRsa, pki.callManager);
    expect(server.activeSessions()).toBe(1);

    const result = await probe(server.port, pki.clientRsa);
    expect(result.ok).toBe(false);
    expect(result.message).toMatch(
      /^CTIManager closed the connection: the certificate was not accepted \(maybe another instance uses the same certificate\)/,
    );
    await provider.closed;
    expect(server.duplicateCount(pki.clientRsa.fingerprint256)).toBe(1);
    expect(server.compromised.size).toBe(0);

    // Another instance with its own certificate is unaffected.
    expect((await probe(server.port, pki.clientEc)).ok).toBe(true);
  });

  it('after the duplicate limit the certificate is compromised: TSPERR_INIT_CERTIFICATE_COMPROMISED and what to do', async () => {
    const logger = memoryLogger();
    const server = await labServer({ logger });
    const fingerprint = pki.clientEc.fingerprint256;

    for (let attempt = 1; attempt <= 3; attempt++) {
      expect(server.compromised.has(fingerprint)).toBe(false);
      const provider = await openProviderSession(server.port, pki.clientEc, pki.callManager);
      const duplicate = await probe(server.port, pki.clientEc);
      expect(duplicate.message).toMatch(/^CTIManager closed the connection/);
      await provider.closed;
      expect(server.duplicateCount(fingerprint)).toBe(attempt);
    }
    expect(server.compromised.has(fingerprint)).toBe(true);

    const result = await probe(server.port, pki.clientEc);
    expect(result.ok).toBe(false);
    expect(result.code).toBe('CERT_COMPROMISED');
    expect(result.tspError === TSPERR_INIT_CERTIFICATE_COMPROMISED).toBe(true);
    expect(result.tspError === TSPERR_UNKNOWN).toBe(false);
    expect(result.message).toContain('0x00000011');
    expect(result.message).toContain('Delete the CAPF profile');
    expect(result.message).toContain('new instance ID');
    expect(logger.lines.some((line) => line.includes('ctimanager.certificate.compromised'))).toBe(true);

    // Only that certificate is refused.
    expect((await probe(server.port, pki.clientRsa)).ok).toBe(true);
  });

  it('honours a smaller duplicate limit', async () => {
    const server = await labServer({ duplicateLimit: 1 });
    const provider = await openProviderSession(server.port, pki.clientEc, pki.callManager);
    await probe(server.port, pki.clientEc);
    await provider.closed;
    expect((await probe(server.port, pki.clientEc)).code).toBe('CERT_COMPROMISED');
  });
});

describe('testSecureConnection network failures', () => {
  it('reports a server that is down as NETWORK_UNREACHABLE', async () => {
    const port = await closedTcpPort();
    const result = await probe(port, pki.clientEc);
    expect(result).toMatchObject({ ok: false, code: 'NETWORK_UNREACHABLE', server: `${LOOPBACK}:${port}` });
    expect(result.message).toContain('connection refused');
  });

  it('reports a TCP listener that never speaks TLS as NETWORK_TIMEOUT', async () => {
    const listener = await startSilentTcpServer();
    cleanups.push(() => listener.close());
    const result = await probe(listener.port, pki.clientEc, { timeoutMs: 300 });
    expect(result.code).toBe('NETWORK_TIMEOUT');
    // Which step the 300 ms ran out in depends on scheduling; the code and the limit do not.
    expect(result.message).toContain('within 300 ms');
  });

  it('reports a server that answers with something other than TLS', async () => {
    const listener = await startSilentTcpServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    cleanups.push(() => listener.close());
    const result = await probe(listener.port, pki.clientEc);
    expect(result.code).toBe('NETWORK_UNREACHABLE');
    expect(result.message).toContain('does not speak TLS');
  });

  it('reports a server that hangs up during the handshake', async () => {
    const listener = await startSilentTcpServer((socket) => socket.once('data', () => socket.destroy()));
    cleanups.push(() => listener.close());
    const result = await probe(listener.port, pki.clientEc);
    expect(result.ok).toBe(false);
    expect(result.code).toBe('NETWORK_UNREACHABLE');
  });

  it('returns CANCELLED when the signal aborts mid-handshake', async () => {
    const controller = new AbortController();
    const listener = await startSilentTcpServer(() => controller.abort());
    cleanups.push(() => listener.close());
    const result = await probe(listener.port, pki.clientEc, { signal: controller.signal });
    expect(result.code).toBe('CANCELLED');
  });

  it('returns CANCELLED at once for an already aborted signal', async () => {
    const result = await probe(1, pki.clientEc, { signal: AbortSignal.abort() });
    expect(result.code).toBe('CANCELLED');
  });
});

describe('testSecureConnection against a real-CTIManager-like server (no lab status frame)', () => {
  it('counts a server that stays silent after the handshake for the grace period as connected', async () => {
    const peer = await startTlsPeer({ identity: pki.callManager, clientCa: pki.capfCa });
    cleanups.push(() => peer.close());
    const result = await probe(peer.port, pki.clientEc, { graceMs: 300 });
    expect(result.ok).toBe(true);
    expect(result.protocol).toBe('TLS 1.3');
    expect(peer.sessions).toHaveLength(1);
  });

  it('works over TLS 1.2', async () => {
    const peer = await startTlsPeer({ identity: pki.callManager, clientCa: pki.capfCa, maxVersion: 'TLSv1.2' });
    cleanups.push(() => peer.close());
    const result = await probe(peer.port, pki.clientRsa, { graceMs: 300 });
    expect(result).toMatchObject({ ok: true, protocol: 'TLS 1.2' });
  });

  for (const version of ['-tls1_2', '-tls1_3'] as const) {
    it(`reports a client certificate rejected with a TLS alert (openssl s_server ${version})`, async () => {
      const peer = await startOpensslServer({ identity: pki.callManager, clientCa: pki.capfCa, version });
      cleanups.push(() => peer.close());
      const result = await probe(peer.port, pki.strangerClient);
      expect(result.ok).toBe(false);
      expect(result.message).toMatch(/^CTIManager at 127\.0\.0\.1:\d+ rejected the client certificate \(TLS alert: unknown ca\)/);
      expect(result.message).toContain("issued by this cluster's CAPF");
    });

    it(`connects to openssl s_server ${version}, which stays silent after the handshake`, async () => {
      const peer = await startOpensslServer({ identity: pki.callManager, clientCa: pki.capfCa, version });
      cleanups.push(() => peer.close());
      // EC: Debian's OpenSSL policy (security level 2) refuses RSA 1024 client keys.
      const result = await probe(peer.port, pki.clientEc, { graceMs: 300 });
      expect(result).toMatchObject({ ok: true, protocol: version === '-tls1_2' ? 'TLS 1.2' : 'TLS 1.3' });
    });
  }

  it('reports a Node-style server that drops a TLS 1.2 client certificate without an alert', async () => {
    const peer = await startTlsPeer({ identity: pki.callManager, clientCa: pki.capfCa, maxVersion: 'TLSv1.2' });
    cleanups.push(() => peer.close());
    const result = await probe(peer.port, pki.strangerClient);
    expect(result.ok).toBe(false);
    expect(result.message).toContain('closed the connection during the TLS handshake');
    expect(result.message).toContain('did not accept this client certificate');
  });

  it('reports a server that closes right after the handshake as not accepting the certificate', async () => {
    const peer = await startTlsPeer({ identity: pki.callManager, clientCa: pki.capfCa, onSession: (socket) => socket.end() });
    cleanups.push(() => peer.close());
    const result = await probe(peer.port, pki.clientEc);
    expect(result.ok).toBe(false);
    expect(result.message).toMatch(/^CTIManager closed the connection: the certificate was not accepted/);
    expect(result.serverSubject).toBe('CN=cucm-test, O=ctiprefs test');
  });

  it('counts bytes that are not a lab frame as a server that is talking, so connected', async () => {
    const peer = await startTlsPeer({ identity: pki.callManager, clientCa: pki.capfCa, onSession: (socket) => socket.write('QBE?') });
    cleanups.push(() => peer.close());
    expect((await probe(peer.port, pki.clientEc)).ok).toBe(true);
  });

  it('reports any other lab status as a refusal with its TSP error', async () => {
    const peer = await startTlsPeer({
      identity: pki.callManager,
      clientCa: pki.capfCa,
      // Split across two writes: the client must reassemble the frame.
      onSession: (socket) => {
        const frame = encodeLabStatusFrame(TSPERR_UNKNOWN);
        socket.write(frame.subarray(0, 3));
        setImmediate(() => socket.write(frame.subarray(3)));
      },
    });
    cleanups.push(() => peer.close());
    const result = await probe(peer.port, pki.clientEc);
    expect(result.ok).toBe(false);
    expect(result.tspError === TSPERR_UNKNOWN).toBe(true);
    expect(result.code).toBe('CERT_REJECTED');
    expect(result.message).toContain('0x00000010');
  });
});

/** A TLS server that asks for a client certificate, accepts any, and records which it received. */
async function recordingServer(identity: Identity, tlsOptions: tls.TlsOptions = {}) {
  const received: string[] = [];
  const handshakes: string[] = [];
  const server = tls.createServer({
    cert: toPem(identity.certificate),
    key: identity.privateKey.export({ type: 'pkcs8', format: 'pem' }),
    requestCert: true,
    rejectUnauthorized: false,
    ...tlsOptions,
  });
  server.on('tlsClientError', (err) => handshakes.push(`error ${(err as NodeJS.ErrnoException).code ?? err.message}`));
  server.on('secureConnection', (socket) => {
    socket.on('error', () => {});
    handshakes.push(`${socket.getProtocol()} ${socket.getCipher().name}`);
    const peer = socket.getPeerX509Certificate();
    if (peer) received.push(peer.subject);
  });
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, () => resolve()));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port: (server.address() as AddressInfo).port, received, handshakes };
}

describe('testSecureConnection: what an untrusted server gets', () => {
  it('never sends the client certificate to a server the CTL does not list', async () => {
    for (const maxVersion of ['TLSv1.2', 'TLSv1.3'] as const) {
      const impostor = await recordingServer(pki.otherServer, { maxVersion });
      const result = await probe(impostor.port, pki.clientEc, { trustedServerCertificates: [pki.callManager.certificate] });
      expect(result.code).toBe('TLS_UNTRUSTED');
      expect(impostor.received).toEqual([]);
    }
  });

  it('sends it to the listed server (the recording server sees it)', async () => {
    const listed = await recordingServer(pki.callManager);
    await probe(listed.port, pki.clientEc, { graceMs: 50 });
    expect(listed.received).toEqual(['CN=instance2']);
  });
});

describe('testSecureConnection: TLS policy', () => {
  it.each([
    ['TLS 1.1', { minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' }],
    ['TLS 1.2 with static RSA key exchange', { maxVersion: 'TLSv1.2', ciphers: 'AES128-GCM-SHA256' }],
    ['TLS 1.2 with a CBC suite', { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA256' }],
  ] as const)('refuses a server that offers only %s', async (_label, tlsOptions) => {
    const server = await recordingServer(pki.callManager, tlsOptions as tls.TlsOptions);
    const result = await probe(server.port, pki.clientEc, { graceMs: 50 });
    expect(result.ok).toBe(false);
    expect(server.received).toEqual([]);
  });

  it('negotiates ECDHE with AES-GCM on TLS 1.2 and an AEAD suite on TLS 1.3', async () => {
    const tls12 = await recordingServer(pki.callManager, { maxVersion: 'TLSv1.2' });
    const tls13 = await recordingServer(pki.callManager);
    expect((await probe(tls12.port, pki.clientEc, { graceMs: 50 })).ok).toBe(true);
    expect((await probe(tls13.port, pki.clientEc, { graceMs: 50 })).ok).toBe(true);
    expect(tls12.handshakes[0]).toMatch(/^TLSv1\.2 ECDHE-(ECDSA|RSA)-(AES\d+-GCM-SHA\d+|CHACHA20-POLY1305)$/);
    expect(tls13.handshakes[0]).toMatch(/^TLSv1\.3 TLS_(AES_\d+_GCM_SHA\d+|CHACHA20_POLY1305_SHA256)$/);
  });
});

describe('testSecureConnection input', () => {
  it('returns KEYSTORE when the key does not belong to the certificate', async () => {
    const result = await probe(1, pki.clientEc, { privateKey: pki.clientRsa.privateKey });
    expect(result.code).toBe('KEYSTORE');
    expect(result.message).toContain('does not belong to the certificate');
  });

  it('throws BAD_INPUT for a port or host that cannot be right', async () => {
    await expect(probe(0, pki.clientEc)).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringContaining('1 to 65535') });
    await expect(probe(1, pki.clientEc, { host: ' ' })).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(probe(1, pki.clientEc, { graceMs: 0 })).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });
});
