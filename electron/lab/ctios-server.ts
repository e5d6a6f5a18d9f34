/**
 * The lab's CTI OS server TLS endpoint: it presents CtiosServer.pem, accepts only client certificates
 * signed by CtiosRootCert.pem (CTI OS supports no chain), and drops a client whose handshake takes longer
 * than HandShakeTime. After the handshake it says nothing (the CTI OS protocol is not implemented) and
 * keeps the session until the client leaves or it idles out.
 *
 * Node's TLS server judges the client certificate once OpenSSL has finished the handshake and then resets
 * the connection, where a CTI OS server (OpenSSL verifying in the handshake) sends an alert; a refused
 * client here sees ECONNRESET. `ctios test` cannot meet this case with a set that passes `check` (its
 * certificate and the lab's are then signed by the same CtiosRootCert.pem), so its words stay exact.
 */
import type { AddressInfo, Socket } from 'node:net';
import tls from 'node:tls';
import { CTIOS_CLIENT_VALUES } from '../../shared/ctios-fields.ts';
import { loadCtiosIdentity } from '../core/ctios/identity.ts';
import { silentLogger, type Logger } from '../core/log.ts';

const IDLE_TIMEOUT_MS = 5 * 60_000;
const MAX_CONNECTIONS = 256;

export interface CtiosLabServerOptions {
  /** The folder with CtiosServer.pem and CtiosRootCert.pem. */
  dir: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Handshakes slower than this are dropped, in seconds. */
  handShakeTimeSeconds?: number;
  logger?: Logger;
}

export interface CtiosLabServer {
  host: string;
  port: number;
  serverSubject: string;
  /** Handshakes that failed, with OpenSSL's reason, oldest first (for support staff and tests). */
  refused: string[];
  accepted(): number;
  close(): Promise<void>;
}

export async function startCtiosLabServer(options: CtiosLabServerOptions): Promise<CtiosLabServer> {
  const logger = options.logger ?? silentLogger;
  const identity = await loadCtiosIdentity(options.dir, 'server');
  const handShakeTimeSeconds = options.handShakeTimeSeconds ?? CTIOS_CLIENT_VALUES.HandShakeTime.default;
  const connections = new Set<Socket>();
  const refused: string[] = [];
  let accepted = 0;

  const server = tls.createServer({
    cert: identity.certificatePem,
    key: identity.keyPem,
    ca: identity.rootPem,
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
    handshakeTimeout: handShakeTimeSeconds * 1000,
  });
  server.maxConnections = MAX_CONNECTIONS;
  server.on('connection', (socket: Socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
  });
  server.on('tlsClientError', (err: NodeJS.ErrnoException, socket: tls.TLSSocket) => {
    const reason = err.code ?? err.message;
    refused.push(reason);
    logger.log('info', 'ctios.handshake.refused', { remote: socket.remoteAddress, error: reason });
    socket.destroy();
  });
  server.on('error', (err: NodeJS.ErrnoException) => logger.log('error', 'ctios.server.error', { error: err.code ?? err.message }));
  server.on('secureConnection', (socket: tls.TLSSocket) => {
    socket.on('error', () => socket.destroy());
    socket.on('data', () => {});
    socket.setTimeout(IDLE_TIMEOUT_MS, () => socket.destroy());
    accepted += 1;
    logger.log('info', 'ctios.session.accepted', { subject: socket.getPeerX509Certificate()?.subject.split('\n').join(', ') });
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    host,
    port: (server.address() as AddressInfo).port,
    serverSubject: identity.subject,
    refused,
    accepted: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of connections) socket.destroy();
      }),
  };
}
