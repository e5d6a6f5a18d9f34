/**
 * "Test secure connection": a mutual-TLS handshake with CTIManager (port 2749) using the stored
 * certificate, the server checked against the CTL's CCM and CCM+TFTP records, and the outcome in plain
 * words. Expected outcomes (unreachable, untrusted, rejected, compromised, ...) are results, not throws.
 *
 * A real CTIManager speaks Cisco's QBE protocol after TLS and stays silent until the client opens a
 * provider, so success means: the handshake completed, the server is one the CTL lists, and the server
 * did not close the connection within a short grace period. The lab CTIManager also sends one status
 * frame (see lab-status-frame.ts), which lets the test answer at once and report a compromised
 * certificate.
 */
import { X509Certificate, type KeyObject } from 'node:crypto';
import tls from 'node:tls';
import { CtiError } from '../../../shared/errors.ts';
import { CTIMANAGER_TLS_PORT } from '../../../shared/fields.ts';
import type { ConnectionTestResult } from '../../../shared/model.ts';
import { decodeLabStatusFrame, LAB_STATUS_CERTIFICATE_COMPROMISED, LAB_STATUS_FRAME_LENGTH, LAB_STATUS_SESSION_ACCEPTED } from './lab-status-frame.ts';
import {
  cancelledOutcome,
  closedByServerOutcome,
  compromisedOutcome,
  connectedOutcome,
  failureOutcome,
  noTrustAnchorsOutcome,
  refusedWithStatusOutcome,
  timeoutOutcome,
  untrustedOutcome,
  unusableClientCertificateOutcome,
  type ProbePhase,
} from './outcomes.ts';
import { CLIENT_TLS_POLICY, NO_CA_LIST } from '../tls-policy.ts';
import { checkServerCertificate } from './server-trust.ts';

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_GRACE_MS = 1_500;
/** How long a polite close may take before the socket is simply destroyed. */
const CLOSE_TIMEOUT_MS = 1_000;

export interface SecureConnectionTestOptions {
  host: string;
  /** CTIManager's TLS port, normally 2749. */
  port: number;
  /** The client certificate (LSC), DER. */
  certificate: Buffer;
  privateKey: KeyObject;
  /** Intermediate certificates to send after the client certificate, DER. */
  chain?: Buffer[];
  /** The CTL's CTIManager certificates (roles CCM = 1 and CCM+TFTP = 2), DER. */
  trustedServerCertificates: Buffer[];
  /** Limit for the TCP connection and the TLS handshake together. */
  timeoutMs?: number;
  /** How long the server must keep the session open after the handshake to count as accepted. */
  graceMs?: number;
  signal?: AbortSignal;
}

export async function testSecureConnection(options: SecureConnectionTestOptions): Promise<ConnectionTestResult> {
  checkOptions(options);
  const server = formatServer(options.host, options.port);
  if (options.trustedServerCertificates.length === 0) return noTrustAnchorsOutcome(server);
  if (options.signal?.aborted) return cancelledOutcome(server);

  let secureContext: tls.SecureContext;
  try {
    // OpenSSL would silently drop a key that does not match and fail later in the handshake.
    if (!new X509Certificate(options.certificate).checkPrivateKey(options.privateKey)) {
      return unusableClientCertificateOutcome(server, 'the private key does not belong to the certificate');
    }
    secureContext = createClientContext(options.certificate, options.chain ?? [], options.privateKey);
  } catch (err) {
    return unusableClientCertificateOutcome(server, describeContextError(err));
  }
  return new ConnectionProbe(server, options, secureContext).run();
}

function checkOptions(options: SecureConnectionTestOptions): void {
  if (typeof options.host !== 'string' || options.host.trim() === '') {
    throw new CtiError('BAD_INPUT', 'CTIManager host must be a host name or IP address, got an empty value');
  }
  if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535) {
    throw new CtiError('BAD_INPUT', `CTIManager port must be 1 to 65535 (TLS default ${CTIMANAGER_TLS_PORT}), got ${String(options.port)}`);
  }
  for (const [name, value] of [
    ['timeoutMs', options.timeoutMs],
    ['graceMs', options.graceMs],
  ] as const) {
    if (value !== undefined && (!Number.isInteger(value) || value < 1 || value > 600_000)) {
      throw new CtiError('BAD_INPUT', `${name} must be 1 to 600000 milliseconds, got ${String(value)}`);
    }
  }
}

export function formatServer(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * The TLS context with the client's certificate and key. The key goes to OpenSSL as PEM bytes built in a
 * Buffer that is wiped right after, so no copy stays in JavaScript memory longer than needed.
 */
function createClientContext(certificate: Buffer, chain: Buffer[], privateKey: KeyObject): tls.SecureContext {
  const keyDer = privateKey.export({ type: 'pkcs8', format: 'der' });
  const keyPem = pemBytes(keyDer, 'PRIVATE KEY');
  try {
    return tls.createSecureContext({
      cert: [certificate, ...chain].map((der) => pemBytes(der, 'CERTIFICATE').toString('ascii')).join(''),
      key: keyPem,
      // The server is judged by its certificate alone (onServerCertificate).
      ...NO_CA_LIST,
      ...CLIENT_TLS_POLICY,
    });
  } finally {
    keyDer.fill(0);
    keyPem.fill(0);
  }
}

function pemBytes(der: Buffer, label: string): Buffer {
  const base64 = der.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < base64.length; i += 64) lines.push(base64.slice(i, i + 64));
  return Buffer.from(`-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`, 'ascii');
}

function describeContextError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (/KEY_VALUES_MISMATCH/.test(code)) return 'the private key does not belong to the certificate';
  return 'the certificate or the key could not be read';
}

function tlsVersionLabel(protocol: string | null): string {
  const match = /^TLSv(\d(?:\.\d)?)$/.exec(protocol ?? '');
  if (!match?.[1]) return protocol ?? 'TLS';
  return `TLS ${match[1].includes('.') ? match[1] : `${match[1]}.0`}`;
}

/** One connection attempt: every event ends in exactly one outcome, and the socket is closed before it is returned. */
class ConnectionProbe {
  private phase: ProbePhase = 'tcp';
  private socket: tls.TLSSocket | undefined;
  private settled = false;
  private received = Buffer.alloc(0);
  private serverSubject = '';
  private presented: Buffer | undefined;
  private protocol = '';
  private readonly timers: NodeJS.Timeout[] = [];
  private resolve: (result: ConnectionTestResult) => void = () => {};
  private readonly onAbort = (): void => this.finish(cancelledOutcome(this.server), 'destroy');

  constructor(
    private readonly server: string,
    private readonly options: SecureConnectionTestOptions,
    private readonly secureContext: tls.SecureContext,
  ) {}

  run(): Promise<ConnectionTestResult> {
    return new Promise<ConnectionTestResult>((resolve) => {
      this.resolve = resolve;
      const timeoutMs = this.options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
      this.timers.push(setTimeout(() => this.finish(timeoutOutcome(this.server, this.phase, timeoutMs), 'destroy'), timeoutMs));
      this.options.signal?.addEventListener('abort', this.onAbort, { once: true });

      const socket = tls.connect({
        host: this.options.host,
        port: this.options.port,
        secureContext: this.secureContext,
        // The server is checked against the CTL in onServerCertificate, by certificate; never by a public CA
        // or a host name (users type IP addresses).
        rejectUnauthorized: false,
        checkServerIdentity: () => undefined,
        // Node verifies servers only after the handshake, when the client certificate has already gone out.
        // Asking for OCSP stapling makes OpenSSL call back into JavaScript once the server's certificate has
        // arrived and before the client answers: the one point where an untrusted server can be dropped in time.
        requestOCSP: true,
      } as tls.ConnectionOptions);
      socket.once('OCSPResponse', () => this.onServerCertificate(socket));
      this.socket = socket;
      socket.once('connect', () => {
        if (this.phase === 'tcp') this.phase = 'handshake';
      });
      socket.once('secureConnect', () => this.onHandshakeDone(socket));
      socket.on('data', (chunk: Buffer) => this.onData(chunk));
      socket.on('error', (err: NodeJS.ErrnoException) => this.onError(err));
      socket.on('end', () => this.onServerClosed());
      socket.on('close', () => this.onServerClosed());
    });
  }

  /** During the handshake, before the client certificate is sent: an untrusted server gets nothing. */
  private onServerCertificate(socket: tls.TLSSocket): void {
    if (this.settled) return;
    // Kept: with OCSP requested, Node no longer returns the peer certificate once the handshake is done.
    this.presented = socket.getPeerX509Certificate()?.raw;
    const decision = checkServerCertificate(this.presented, this.options.trustedServerCertificates);
    if (!decision.trusted) this.finish(untrustedOutcome(this.server, decision.reason, decision.subject), 'destroy');
  }

  private onHandshakeDone(socket: tls.TLSSocket): void {
    if (this.settled) return;
    this.clearTimers();
    this.protocol = tlsVersionLabel(socket.getProtocol());
    const decision = checkServerCertificate(this.presented ?? socket.getPeerX509Certificate()?.raw, this.options.trustedServerCertificates);
    if (!decision.trusted) {
      this.finish(untrustedOutcome(this.server, decision.reason, decision.subject, this.protocol), 'destroy');
      return;
    }
    this.serverSubject = decision.subject;
    this.phase = 'session';
    const graceMs = this.options.graceMs ?? DEFAULT_GRACE_MS;
    // Silence for the whole grace period is what a real CTIManager that accepted us looks like.
    this.timers.push(setTimeout(() => this.finish(this.accepted(), 'end'), graceMs));
    if (this.received.length > 0) this.onData(Buffer.alloc(0));
  }

  private onData(chunk: Buffer): void {
    if (this.settled) return;
    // Only the first frame matters; never buffer more than that from the server.
    if (this.received.length < LAB_STATUS_FRAME_LENGTH) {
      this.received = Buffer.concat([this.received, chunk.subarray(0, LAB_STATUS_FRAME_LENGTH - this.received.length)]);
    }
    if (this.phase !== 'session') return;
    const decoded = decodeLabStatusFrame(this.received);
    if (decoded.kind === 'incomplete') return;
    if (decoded.kind === 'foreign') {
      this.finish(this.accepted(), 'end');
    } else if (decoded.status === LAB_STATUS_SESSION_ACCEPTED) {
      this.finish(this.accepted(), 'end');
    } else if (decoded.status === LAB_STATUS_CERTIFICATE_COMPROMISED) {
      this.finish(compromisedOutcome(this.server, this.serverSubject, this.protocol), 'destroy');
    } else {
      this.finish(refusedWithStatusOutcome(this.server, decoded.status, this.serverSubject, this.protocol), 'destroy');
    }
  }

  private onError(err: NodeJS.ErrnoException): void {
    if (this.settled) return;
    const resetBySession = this.phase === 'session' && (err.code === 'ECONNRESET' || err.code === 'EPIPE');
    this.finish(
      resetBySession ? closedByServerOutcome(this.server, this.serverSubject, this.protocol) : failureOutcome(this.server, this.phase, err),
      'destroy',
    );
  }

  private onServerClosed(): void {
    if (this.settled) return;
    if (this.phase === 'session') {
      this.finish(closedByServerOutcome(this.server, this.serverSubject, this.protocol), 'destroy');
    } else {
      const err: NodeJS.ErrnoException = new Error('the server closed the connection before the TLS handshake completed');
      err.code = 'ECONNRESET';
      this.finish(failureOutcome(this.server, this.phase, err), 'destroy');
    }
  }

  private accepted(): ConnectionTestResult {
    return connectedOutcome(this.server, this.serverSubject, this.protocol);
  }

  /** Records the first outcome, closes the socket (politely after success) and resolves once it is closed. */
  private finish(result: ConnectionTestResult, close: 'end' | 'destroy'): void {
    if (this.settled) return;
    this.settled = true;
    this.clearTimers();
    this.options.signal?.removeEventListener('abort', this.onAbort);
    const socket = this.socket;
    if (!socket || socket.closed) {
      this.resolve(result);
      return;
    }
    socket.once('close', () => this.resolve(result));
    if (close === 'destroy') {
      socket.destroy();
      return;
    }
    socket.end();
    setTimeout(() => socket.destroy(), CLOSE_TIMEOUT_MS).unref();
  }

  private clearTimers(): void {
    for (const timer of this.timers.splice(0)) clearTimeout(timer);
  }
}
