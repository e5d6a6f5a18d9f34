/**
 * The lab's CTIManager TLS endpoint (port 2749 on a real cluster). It does what the connection test needs
 * from CTIManager and nothing more: mutual TLS with client certificates issued by the lab CAPF, one open
 * session per certificate, and the duplicate-certificate rule from the TAPI guide: a second session with
 * a certificate that already has one closes both; after `duplicateLimit` such duplicates the certificate
 * is marked compromised and every later session with it is refused with
 * TSPERR_INIT_CERTIFICATE_COMPROMISED.
 *
 * Real CTIManager speaks Cisco's QBE protocol after TLS; this one only sends the lab status frame (a lab
 * convention, see core/ctimanager/lab-status-frame.ts) and then discards whatever the client sends.
 */
import { type KeyObject } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';
import tls from 'node:tls';
import { CTIMANAGER_TLS_PORT } from '../../shared/fields.ts';
import {
  encodeLabStatusFrame,
  LAB_STATUS_CERTIFICATE_COMPROMISED,
  LAB_STATUS_SESSION_ACCEPTED,
} from '../core/ctimanager/lab-status-frame.ts';
import { silentLogger, type Logger } from '../core/log.ts';
import { toPem } from '../core/pki/certificates.ts';

export const DEFAULT_DUPLICATE_LIMIT = 3;
const DEFAULT_IDLE_TIMEOUT_MS = 5 * 60_000;
const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;
const MAX_CONNECTIONS = 256;

export interface CtiManagerServerOptions {
  host?: string;
  /** 0 picks a free port; default 2749. */
  port?: number;
  /** The server certificate (the lab's CCM+TFTP certificate), DER. */
  certificate: Buffer;
  privateKey: KeyObject;
  /** CA certificates that issue client certificates (the lab CAPF), DER. */
  clientCa: Buffer[];
  /** Duplicate sessions per certificate before it is marked compromised ("CTI InstanceId Retry Count"). */
  duplicateLimit?: number;
  /** An open session with no traffic is closed after this long. */
  idleTimeoutMs?: number;
  handshakeTimeoutMs?: number;
  /** Device names (certificate CN) already marked compromised, as if their duplicates had been seen before. */
  compromisedDevices?: readonly string[];
  logger?: Logger;
}

export interface CtiManagerServer {
  host: string;
  port: number;
  close(): Promise<void>;
  /** SHA-256 fingerprints of compromised client certificates, in Node's "AB:CD:…" form (X509Certificate.fingerprint256). */
  compromised: Set<string>;
  /** Sessions currently open (one at most per certificate). */
  activeSessions(): number;
  /** Duplicate sessions seen so far for a certificate fingerprint. */
  duplicateCount(fingerprint256: string): number;
}

export async function startCtiManagerServer(options: CtiManagerServerOptions): Promise<CtiManagerServer> {
  const logger = options.logger ?? silentLogger;
  const duplicateLimit = options.duplicateLimit ?? DEFAULT_DUPLICATE_LIMIT;
  if (!Number.isInteger(duplicateLimit) || duplicateLimit < 1) {
    throw new RangeError(`duplicateLimit must be a whole number of at least 1, got ${String(duplicateLimit)}`);
  }
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const compromised = new Set<string>();
  const duplicates = new Map<string, number>();
  const sessions = new Map<string, tls.TLSSocket>();
  const connections = new Set<Socket>();

  const server = tls.createServer({
    cert: toPem(options.certificate),
    key: options.privateKey.export({ type: 'pkcs8', format: 'pem' }),
    ca: options.clientCa.map((der) => toPem(der)),
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
    handshakeTimeout: options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS,
  });
  server.maxConnections = MAX_CONNECTIONS;

  server.on('connection', (socket: Socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
  });
  // Failed handshakes (wrong CA, no certificate, garbage, port scans) are logged, never fatal.
  server.on('tlsClientError', (err: NodeJS.ErrnoException, socket: tls.TLSSocket) => {
    logger.log('info', 'ctimanager.handshake.failed', { remote: socket.remoteAddress, error: err.code ?? err.message });
    socket.destroy();
  });
  server.on('error', (err: NodeJS.ErrnoException) => logger.log('error', 'ctimanager.server.error', { error: err.code ?? err.message }));

  server.on('secureConnection', (socket: tls.TLSSocket) => {
    socket.on('error', (err: NodeJS.ErrnoException) => logger.log('debug', 'ctimanager.session.error', { error: err.code ?? err.message }));
    // Nothing the client sends is interpreted; reading keeps its bytes from piling up.
    socket.on('data', () => {});
    const peer = socket.getPeerX509Certificate();
    if (!socket.authorized || !peer) {
      socket.destroy();
      return;
    }
    const fingerprint = peer.fingerprint256;
    const subject = peer.subject.split('\n').reverse().join(', ');

    const commonName = peer.subject.split('\n').find((line) => line.startsWith('CN='))?.slice('CN='.length);
    if (compromised.has(fingerprint) || (commonName !== undefined && options.compromisedDevices?.includes(commonName))) {
      logger.log('warn', 'ctimanager.session.refused-compromised', { subject, fingerprint });
      socket.end(encodeLabStatusFrame(LAB_STATUS_CERTIFICATE_COMPROMISED));
      return;
    }
    const existing = sessions.get(fingerprint);
    // A session whose client already hung up is gone, even if its close event has not run yet.
    if (existing && !existing.destroyed && !existing.readableEnded) {
      // The TAPI guide: CTI Manager disconnects both providers.
      sessions.delete(fingerprint);
      existing.destroy();
      socket.destroy();
      const count = (duplicates.get(fingerprint) ?? 0) + 1;
      duplicates.set(fingerprint, count);
      logger.log('warn', 'ctimanager.session.duplicate', { subject, fingerprint, count, limit: duplicateLimit });
      if (count >= duplicateLimit) {
        compromised.add(fingerprint);
        logger.log('warn', 'ctimanager.certificate.compromised', { subject, fingerprint });
      }
      return;
    }
    sessions.set(fingerprint, socket);
    socket.once('close', () => {
      if (sessions.get(fingerprint) === socket) sessions.delete(fingerprint);
    });
    socket.setTimeout(idleTimeoutMs, () => socket.destroy());
    logger.log('info', 'ctimanager.session.accepted', { subject, fingerprint });
    socket.write(encodeLabStatusFrame(LAB_STATUS_SESSION_ACCEPTED));
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? CTIMANAGER_TLS_PORT, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  logger.log('info', 'ctimanager.listening', { host, port });

  return {
    host,
    port,
    compromised,
    activeSessions: () => sessions.size,
    duplicateCount: (fingerprint256) => duplicates.get(fingerprint256) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of connections) socket.destroy();
      }),
  };
}
