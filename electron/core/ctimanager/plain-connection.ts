/**
 * The connection test of a profile with secure connection off: a plain TCP connection to CTIManager
 * (port 2748), no TLS and no certificate. It proves only that CTIManager accepts connections there, and
 * says so, because nothing on a plain connection proves who answered.
 */
import { connect } from 'node:net';
import type { ConnectionTestResult } from '../../../shared/model.ts';
import { failureOutcome, timeoutOutcome } from './outcomes.ts';
import { DEFAULT_CONNECT_TIMEOUT_MS } from './test-connection.ts';

export function testPlainConnection(options: { host: string; port: number; timeoutMs?: number }): Promise<ConnectionTestResult> {
  const server = `${options.host}:${options.port}`;
  const timeoutMs = options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  return new Promise((resolve) => {
    const socket = connect({ host: options.host, port: options.port });
    const finish = (result: ConnectionTestResult) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish(timeoutOutcome(server, 'tcp', timeoutMs)), timeoutMs);
    socket.once('connect', () =>
      finish({
        ok: true,
        protocol: 'plain TCP',
        server,
        message: `CTIManager at ${server} accepted a plain TCP connection. Secure connection is off for this profile: no TLS, no certificate, and the server's identity is not checked.`,
      }),
    );
    socket.once('error', (err: NodeJS.ErrnoException) => finish(failureOutcome(server, 'tcp', err)));
  });
}
