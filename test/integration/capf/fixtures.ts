/** Shared set-up for the CAPF integration tests: a CAPF CA, a lab server on 127.0.0.1, a recording store. */
import { X509Certificate, type KeyObject } from 'node:crypto';
import * as tls from 'node:tls';
import type { CapfSessionOptions, IssuedCertificate } from '../../../electron/core/capf/client.ts';
import type { Logger } from '../../../electron/core/log.ts';
import { toPem } from '../../../electron/core/pki/certificates.ts';
import { makeIdentity } from '../../helpers/certificates.ts';

export interface Identity {
  certificate: Buffer;
  privateKey: KeyObject;
}

/** A self-signed CA certificate, like the CAPF certificate of Unified CM 14SU2+. */
export async function makeCapfIdentity(cn = 'CAPF-test'): Promise<Identity> {
  const { certificate, privateKey } = await makeIdentity(
    { type: 'ec', curve: 'P-256' },
    { subject: { CN: cn, O: 'ctiprefs tests' }, isCa: true, validityDays: 30 },
  );
  return { certificate, privateKey };
}

/** Session options for device inst1 that trust `capf`, with a timeout generous enough for a loaded machine. */
export function capfSessionOptions(
  capf: Identity,
  server: { host: string; port: number },
  authString: string,
  overrides: Partial<CapfSessionOptions> = {},
): CapfSessionOptions {
  return {
    host: server.host,
    port: server.port,
    trustedCapfCertificates: [capf.certificate],
    deviceName: 'inst1',
    authString,
    timeoutMs: 20_000,
    storeCertificate: async () => {},
    ...overrides,
  };
}

/** A logger that appends `event` names to a shared timeline (and keeps whole lines for secret checks). */
export function timelineLogger(timeline: string[], lines: string[] = []): Logger {
  return {
    log(level, event, fields = {}) {
      timeline.push(event);
      lines.push(JSON.stringify({ level, event, ...fields }));
    },
  };
}

/** A storeCertificate callback that records what it got and when it finished on the timeline. */
export function recordingStore(timeline: string[]): {
  stored: IssuedCertificate[];
  storeCertificate: (issued: IssuedCertificate) => Promise<void>;
} {
  const stored: IssuedCertificate[] = [];
  return {
    stored,
    async storeCertificate(issued) {
      // Yield to the event loop several times, as a real durable write does: a client that sent the
      // store response early would let the server record it before this finishes.
      for (let i = 0; i < 20; i += 1) await new Promise((resolve) => setImmediate(resolve));
      stored.push(issued);
      timeline.push('client.stored');
    },
  };
}

export function publicKeyOf(certificate: Buffer): Buffer {
  return new X509Certificate(certificate).publicKey.export({ type: 'spki', format: 'der' });
}

/**
 * A TLS server with the CAPF certificate that runs a hand-written script per connection: for the
 * protocol faults the lab server never commits.
 */
export async function startScriptedServer(
  identity: Identity,
  script: (socket: tls.TLSSocket) => void,
): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<tls.TLSSocket>();
  const server = tls.createServer({
    cert: toPem(identity.certificate),
    key: identity.privateKey.export({ type: 'pkcs8', format: 'pem' }),
  });
  server.on('secureConnection', (socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    script(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
