/**
 * The plain words of a secure-connection test: one builder per outcome, and the mapping from socket and
 * TLS failures to those outcomes. Messages name the server and what to do; they never carry key material.
 */
import { TSPERR_INIT_CERTIFICATE_COMPROMISED } from '../../../shared/errors.ts';
import type { ConnectionTestResult } from '../../../shared/model.ts';
import { COMPROMISED_ADVICE } from '../../../shared/texts.ts';

/** Where the test was when something went wrong: it changes what a failure means. */
export type ProbePhase = 'tcp' | 'handshake' | 'session';

export function connectedOutcome(server: string, serverSubject: string, protocol: string): ConnectionTestResult {
  return {
    ok: true,
    message: `Secure connection established: ${protocol} to ${serverSubject}, client certificate accepted.`,
    server,
    serverSubject,
    protocol,
  };
}

export function untrustedOutcome(server: string, reason: string, serverSubject?: string, protocol?: string): ConnectionTestResult {
  return {
    ok: false,
    code: 'TLS_UNTRUSTED',
    message: `Not connected to ${server}: ${reason}. It may be another server, or the CTL is out of date.`,
    server,
    ...(serverSubject === undefined ? {} : { serverSubject }),
    ...(protocol === undefined ? {} : { protocol }),
  };
}

export function noTrustAnchorsOutcome(server: string): ConnectionTestResult {
  return {
    ok: false,
    code: 'TLS_UNTRUSTED',
    message: `Not connected to ${server}: the trusted CTL lists no CTIManager (CCM or CCM+TFTP) certificate to check the server against.`,
    server,
  };
}

export function compromisedOutcome(server: string, serverSubject: string, protocol: string): ConnectionTestResult {
  return {
    ok: false,
    code: 'CERT_COMPROMISED',
    tspError: TSPERR_INIT_CERTIFICATE_COMPROMISED,
    message:
      'CTIManager marked this certificate compromised (TSPERR_INIT_CERTIFICATE_COMPROMISED, 0x00000011): ' +
      `another instance used the same certificate at the same time. ${COMPROMISED_ADVICE}`,
    server,
    serverSubject,
    protocol,
  };
}

export function refusedWithStatusOutcome(server: string, status: number, serverSubject: string, protocol: string): ConnectionTestResult {
  return {
    ok: false,
    code: 'CERT_REJECTED',
    tspError: status,
    message: `CTIManager refused the session with TSP error ${formatTspError(status)}.`,
    server,
    serverSubject,
    protocol,
  };
}

export function closedByServerOutcome(server: string, serverSubject: string, protocol: string): ConnectionTestResult {
  return {
    ok: false,
    code: 'CERT_REJECTED',
    message:
      'CTIManager closed the connection: the certificate was not accepted (maybe another instance uses the same ' +
      "certificate). Make sure each running instance has its own instance ID and certificate, and that the certificate " +
      "was issued by this cluster's CAPF, then try again.",
    server,
    serverSubject,
    protocol,
  };
}

export function cancelledOutcome(server: string): ConnectionTestResult {
  return { ok: false, code: 'CANCELLED', message: `The connection test to ${server} was cancelled.`, server };
}

export function timeoutOutcome(server: string, phase: ProbePhase, timeoutMs: number): ConnectionTestResult {
  const what =
    phase === 'tcp'
      ? `${server} did not accept a TCP connection within ${timeoutMs} ms`
      : `${server} accepted the TCP connection but did not complete a TLS handshake within ${timeoutMs} ms (is it the secure CTIManager port, 2749?)`;
  return { ok: false, code: 'NETWORK_TIMEOUT', message: `Not connected: ${what}.`, server };
}

export function unusableClientCertificateOutcome(server: string, detail: string): ConnectionTestResult {
  return {
    ok: false,
    code: 'KEYSTORE',
    message: `The stored certificate and key cannot be used for TLS (${detail}). Enroll again to get a new certificate.`,
    server,
  };
}

const UNREACHABLE_ERRNO: Record<string, string> = {
  ECONNREFUSED: 'nothing is listening there (connection refused)',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  EADDRNOTAVAIL: 'the address is not available',
  ENOTFOUND: 'the host name could not be resolved',
  EAI_AGAIN: 'the host name could not be resolved (DNS did not answer)',
};

/** Alerts a server sends when it does not accept the client certificate. */
const CLIENT_CERTIFICATE_ALERTS = new Set([
  'bad certificate',
  'unsupported certificate',
  'certificate revoked',
  'certificate expired',
  'certificate unknown',
  'unknown ca',
  'access denied',
  'certificate required',
  'decrypt error',
]);

const NOT_TLS_CODES = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG', 'ERR_SSL_RECORD_LAYER_FAILURE']);
const PROTOCOL_VERSION_CODES = new Set([
  'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION',
  'ERR_SSL_UNSUPPORTED_PROTOCOL',
  'ERR_SSL_NO_PROTOCOLS_AVAILABLE',
]);

/** "ERR_SSL_TLSV1_ALERT_UNKNOWN_CA" → "unknown ca"; undefined when the code is not a received alert. */
export function alertDescription(code: string | undefined): string | undefined {
  const match = /^ERR_SSL_(?:SSLV3|TLSV1|TLSV13)_ALERT_([A-Z0-9_]+)$/.exec(code ?? '');
  return match?.[1]?.toLowerCase().replaceAll('_', ' ');
}

function clientCertificateRejected(server: string, alert: string): ConnectionTestResult {
  const advice =
    alert === 'certificate expired'
      ? 'The certificate has expired: enroll again to get a new one.'
      : alert === 'certificate revoked'
        ? 'The certificate was revoked: enroll again to get a new one.'
        : "Check that the certificate was issued by this cluster's CAPF (enroll again if the cluster or the CAPF profile changed).";
  return {
    ok: false,
    code: 'CERT_REJECTED',
    message: `CTIManager at ${server} rejected the client certificate (TLS alert: ${alert}). ${advice}`,
    server,
  };
}

/** Turns a socket or TLS error into an outcome, given where the test was when it happened. */
export function failureOutcome(server: string, phase: ProbePhase, err: NodeJS.ErrnoException): ConnectionTestResult {
  const code = err.code ?? '';
  const unreachable = UNREACHABLE_ERRNO[code];
  if (unreachable !== undefined) {
    return { ok: false, code: 'NETWORK_UNREACHABLE', message: `Not connected to ${server}: ${unreachable}.`, server };
  }
  if (code === 'ETIMEDOUT') {
    return { ok: false, code: 'NETWORK_TIMEOUT', message: `Not connected to ${server}: the connection timed out.`, server };
  }
  if (PROTOCOL_VERSION_CODES.has(code)) {
    return {
      ok: false,
      code: 'NETWORK_UNREACHABLE',
      message: `Not connected to ${server}: the server does not offer TLS 1.2 or newer, which this client requires.`,
      server,
    };
  }
  if (NOT_TLS_CODES.has(code)) {
    return {
      ok: false,
      code: 'NETWORK_UNREACHABLE',
      message: `Not connected to ${server}: the server does not speak TLS there (the plain CTIManager port is 2748, the secure one 2749).`,
      server,
    };
  }
  const alert = alertDescription(code);
  if (alert !== undefined && CLIENT_CERTIFICATE_ALERTS.has(alert)) return clientCertificateRejected(server, alert);
  if (alert !== undefined) {
    return { ok: false, message: `The TLS handshake with ${server} failed: the server sent the alert "${alert}".`, server };
  }
  if (phase !== 'tcp' && (code === 'ECONNRESET' || code === 'EPIPE')) {
    return {
      ok: false,
      code: 'NETWORK_UNREACHABLE',
      message:
        `${server} closed the connection during the TLS handshake: it is not the secure CTIManager port (2749), ` +
        "or it did not accept this client certificate (check that this cluster's CAPF issued it).",
      server,
    };
  }
  return {
    ok: false,
    code: 'NETWORK_UNREACHABLE',
    message: `Not connected to ${server}: ${code ? `${code}: ` : ''}${err.message}`,
    server,
  };
}

export function formatTspError(value: number): string {
  return `0x${value.toString(16).toUpperCase().padStart(8, '0')}`;
}
