/**
 * `ctios test`: the mutual-TLS handshake a CTI OS client makes, with the client set from a folder and the
 * client's HandShakeTime, and the outcome in words. Expected failures are results, not throws.
 *
 * The test speaks TLS 1.2 on purpose: there the server's Finished message comes only after it has accepted
 * the client certificate, so a completed handshake proves acceptance without waiting for an alert (in
 * TLS 1.3 the client finishes first and a refusal arrives later, if at all).
 */
import tls from 'node:tls';
import { CTIOS_TEST_OUTCOMES, type CtiosTestOutcome, type CtiosTestResult } from '../../../shared/ctios-model.ts';
import { CLIENT_TLS_POLICY } from '../tls-policy.ts';
import { loadCtiosIdentity } from './identity.ts';

export { CTIOS_TEST_OUTCOMES, type CtiosTestOutcome, type CtiosTestResult };

export const DEFAULT_CTIOS_CONNECT_TIMEOUT_MS = 10_000;

export interface CtiosTestOptions {
  host: string;
  port: number;
  /** The folder with CtiosClient.pem and CtiosRootCert.pem. */
  dir: string;
  /** The client's HandShakeTime: how long it waits for the TLS handshake, in seconds. */
  handShakeTimeSeconds: number;
  connectTimeoutMs?: number;
}

// TLS alerts a server sends about the client's certificate (RFC 5246 7.2.2, RFC 8446 6.2).
const CERTIFICATE_ALERT = /ALERT_(BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_UNKNOWN|CERTIFICATE_REQUIRED|CERTIFICATE_EXPIRED|CERTIFICATE_REVOKED|UNSUPPORTED_CERTIFICATE|ACCESS_DENIED|HANDSHAKE_FAILURE|DECRYPT_ERROR)$/;

export async function testCtiosConnection(options: CtiosTestOptions): Promise<CtiosTestResult> {
  const identity = await loadCtiosIdentity(options.dir, 'client');
  const server = `${options.host}:${options.port}`;
  const base = { server, clientSubject: identity.subject };
  const result = (outcome: CtiosTestOutcome, message: string, extra: Partial<CtiosTestResult> = {}): CtiosTestResult => ({
    ok: outcome === 'connected',
    outcome,
    message,
    ...base,
    ...extra,
  });

  return new Promise<CtiosTestResult>((resolve) => {
    let settled = false;
    let serverCertificateSeen = false;
    let serverSubject: string | undefined;
    const timers: NodeJS.Timeout[] = [];
    const socket = tls.connect({
      host: options.host,
      port: options.port,
      cert: identity.certificatePem,
      key: identity.keyPem,
      ca: identity.rootPem,
      ...CLIENT_TLS_POLICY,
      maxVersion: 'TLSv1.2',
      // The server is judged against CtiosRootCert.pem below, not by host name (CTI OS servers are addressed by IP).
      rejectUnauthorized: false,
      checkServerIdentity: () => undefined,
      // Makes OpenSSL call back once the server's certificate is in, before the client's goes out (see
      // ctimanager/test-connection.ts): an untrusted server is dropped in time.
      requestOCSP: true,
    } as tls.ConnectionOptions);

    const finish = (value: CtiosTestResult): void => {
      if (settled) return;
      settled = true;
      for (const timer of timers) clearTimeout(timer);
      socket.destroy();
      resolve(value);
    };
    const judgeServer = (): boolean => {
      const peer = socket.getPeerX509Certificate();
      if (!peer) return true;
      serverCertificateSeen = true;
      serverSubject = peer.subject.split('\n').join(', ');
      const now = new Date();
      if (!(peer.checkIssued(identity.root) && peer.verify(identity.root.publicKey))) {
        finish(result('server-not-signed-by-ca', `The server's certificate (${serverSubject}) is not signed by CtiosRootCert.pem: this is not a CTI OS server of this CA, or it has another CA's certificate`, { serverSubject }));
        return false;
      }
      if (now < new Date(peer.validFrom) || now > new Date(peer.validTo)) {
        finish(result('server-not-signed-by-ca', `The server's certificate (${serverSubject}) is outside its validity (${peer.validFrom} to ${peer.validTo})`, { serverSubject }));
        return false;
      }
      return true;
    };

    timers.push(
      setTimeout(
        () => finish(result('connect-timeout', `No TCP connection to ${server} within ${(options.connectTimeoutMs ?? DEFAULT_CTIOS_CONNECT_TIMEOUT_MS) / 1000} s`)),
        options.connectTimeoutMs ?? DEFAULT_CTIOS_CONNECT_TIMEOUT_MS,
      ),
    );
    socket.once('connect', () => {
      for (const timer of timers.splice(0)) clearTimeout(timer);
      timers.push(
        setTimeout(
          () => finish(result('handshake-too-slow', `The TLS handshake with ${server} did not complete within HandShakeTime (${options.handShakeTimeSeconds} s): the CTI OS client would give up; raise HandShakeTime or check the server's load`, serverSubject ? { serverSubject } : {})),
          options.handShakeTimeSeconds * 1000,
        ),
      );
    });
    socket.once('OCSPResponse', () => judgeServer());
    socket.once('secureConnect', () => {
      if (settled || !judgeServer()) return;
      const protocol = socket.getProtocol() ?? undefined;
      finish(result('connected', `Mutual TLS with ${server} succeeded (${protocol}): the server accepted the client certificate and its certificate is signed by CtiosRootCert.pem`, { serverSubject: serverSubject!, ...(protocol ? { protocol } : {}) }));
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? '';
      if (code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'ENOTFOUND') {
        finish(result('unreachable', `Nothing accepts connections at ${server} (${code})`));
      } else if (serverCertificateSeen && (CERTIFICATE_ALERT.test(code) || code === 'ECONNRESET')) {
        const alert = /ALERT_(\w+)$/.exec(code)?.[1]?.toLowerCase().replace(/_/g, ' ');
        finish(result('client-refused', `The server refused the client certificate (${alert ? `TLS alert "${alert}"` : 'it closed the connection'}): sign CtiosClient.pem with the CA the server trusts (its CtiosRootCert.pem)`, serverSubject ? { serverSubject } : {}));
      } else {
        finish(result('handshake-failed', `The TLS handshake with ${server} failed (${code || err.message})`, serverSubject ? { serverSubject } : {}));
      }
    });
    socket.once('close', () => finish(result('handshake-failed', `${server} closed the connection during the TLS handshake`, serverSubject ? { serverSubject } : {})));
  });
}
