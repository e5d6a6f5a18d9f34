import net from 'node:net';
import tls from 'node:tls';
import fc from 'fast-check';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testSecureConnection } from '../../../electron/core/ctimanager/test-connection.ts';
import { memoryLogger } from '../../../electron/core/log.ts';
import { toPem } from '../../../electron/core/pki/certificates.ts';
import type { CtiManagerServer, CtiManagerServerOptions } from '../../../electron/lab/ctimanager-server.ts';
import { createTestPki, LOOPBACK, openProviderSession, startLabCtiManager, type TestPki } from './fixtures.ts';

let pki: TestPki;
const servers: CtiManagerServer[] = [];

beforeAll(async () => {
  pki = await createTestPki();
}, 60_000);

afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

async function labServer(options: Partial<CtiManagerServerOptions> = {}): Promise<CtiManagerServer> {
  const server = await startLabCtiManager(pki, options);
  servers.push(server);
  return server;
}

async function stillServes(server: CtiManagerServer): Promise<void> {
  const result = await testSecureConnection({
    host: LOOPBACK,
    port: server.port,
    certificate: pki.clientEc.certificate,
    privateKey: pki.clientEc.privateKey,
    trustedServerCertificates: [pki.callManager.certificate],
    timeoutMs: 20_000,
    graceMs: 20_000,
  });
  expect(result.ok).toBe(true);
}

/** Sends raw bytes over TCP and resolves when the server has closed the connection. */
function sendRaw(port: number, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect(port, LOOPBACK, () => socket.end(bytes));
    socket.on('error', () => {});
    socket.resume();
    socket.once('close', () => resolve());
  });
}

describe('lab CTIManager server under hostile input', () => {
  it('survives random bytes instead of a TLS handshake and keeps serving', async () => {
    const logger = memoryLogger();
    const server = await labServer({ logger });
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 2048 }), async (bytes) => {
        await sendRaw(server.port, bytes);
      }),
      { numRuns: 40 },
    );
    // A TLS record header claiming a huge length, then silence-and-close.
    await sendRaw(server.port, Uint8Array.from([0x16, 0x03, 0x01, 0xff, 0xff, 0x01]));
    expect(server.activeSessions()).toBe(0);
    await stillServes(server);
  });

  it('refuses a TLS client without a certificate', async () => {
    const server = await labServer();
    const error = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      const socket = tls.connect({ host: LOOPBACK, port: server.port, rejectUnauthorized: false });
      socket.on('error', (err) => resolve(err));
      socket.on('data', () => resolve(undefined));
      socket.once('close', () => resolve(undefined));
    });
    expect(error?.code).toBe('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
    expect(server.activeSessions()).toBe(0);
    await stillServes(server);
  });

  it('discards whatever an accepted client sends and keeps the session', async () => {
    const server = await labServer();
    const provider = await openProviderSession(server.port, pki.clientRsa, pki.callManager);
    await new Promise<void>((resolve) => provider.socket.write(Buffer.alloc(256 * 1024, 0x41), () => resolve()));
    expect(server.activeSessions()).toBe(1);
    provider.socket.end();
    await provider.closed;
    await expect.poll(() => server.activeSessions(), { timeout: 20_000 }).toBe(0);
  });

  it('closes a session that stays idle past the idle timeout', async () => {
    const server = await labServer({ idleTimeoutMs: 200 });
    const provider = await openProviderSession(server.port, pki.clientRsa, pki.callManager);
    await provider.closed;
    await expect.poll(() => server.activeSessions(), { timeout: 20_000 }).toBe(0);
  });

  it('drops a TCP client that never starts the handshake', async () => {
    const server = await labServer({ handshakeTimeoutMs: 200 });
    await new Promise<void>((resolve) => {
      const socket = net.connect(server.port, LOOPBACK);
      socket.on('error', () => {});
      socket.once('close', () => resolve());
    });
  });

  it('close() ends open sessions', async () => {
    const server = await startLabCtiManager(pki);
    const provider = await openProviderSession(server.port, pki.clientRsa, pki.callManager);
    await server.close();
    await provider.closed;
  });

  it('rejects a duplicate limit below 1', async () => {
    await expect(labServer({ duplicateLimit: 0 })).rejects.toThrow(/duplicateLimit/);
  });

  it('logs sessions by subject and fingerprint, never key material', async () => {
    const logger = memoryLogger();
    const server = await labServer({ logger });
    await stillServes(server);
    const accepted = logger.lines.find((line) => line.includes('ctimanager.session.accepted'));
    expect(accepted).toContain(pki.clientEc.fingerprint256);
    expect(logger.lines.join('\n')).not.toContain('PRIVATE KEY');
    expect(logger.lines.join('\n')).not.toContain(toPem(pki.callManager.certificate).split('\n')[1]);
  });
});
