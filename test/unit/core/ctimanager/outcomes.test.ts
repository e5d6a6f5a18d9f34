import { COMPROMISED_ADVICE } from '../../../../shared/texts.ts';
import { describe, expect, it } from 'vitest';
import { ERRORS, TSPERR_INIT_CERTIFICATE_COMPROMISED } from '../../../../shared/errors.ts';
import {
  alertDescription,
  closedByServerOutcome,
  compromisedOutcome,
  failureOutcome,
  formatTspError,
  timeoutOutcome,
} from '../../../../electron/core/ctimanager/outcomes.ts';

const SERVER = '10.0.0.5:2749';

function errnoError(code: string, message = code): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

describe('failureOutcome', () => {
  it.each([
    ['ECONNREFUSED', 'NETWORK_UNREACHABLE', 'connection refused'],
    ['EHOSTUNREACH', 'NETWORK_UNREACHABLE', 'host is unreachable'],
    ['ENOTFOUND', 'NETWORK_UNREACHABLE', 'could not be resolved'],
    ['ETIMEDOUT', 'NETWORK_TIMEOUT', 'timed out'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'NETWORK_UNREACHABLE', 'does not speak TLS'],
    ['ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', 'NETWORK_UNREACHABLE', 'TLS 1.2 or newer'],
  ] as const)('%s → %s', (code, expectedCode, words) => {
    const result = failureOutcome(SERVER, 'tcp', errnoError(code));
    expect(result).toMatchObject({ ok: false, code: expectedCode, server: SERVER });
    expect(result.message).toContain(words);
  });

  it('names the alert and what to do when the server rejects the client certificate', () => {
    const unknownCa = failureOutcome(SERVER, 'session', errnoError('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA'));
    expect(unknownCa.message).toBe(
      `CTIManager at ${SERVER} rejected the client certificate (TLS alert: unknown ca). Check that the certificate was issued by this cluster's CAPF (enroll again if the cluster or the CAPF profile changed).`,
    );
    expect(failureOutcome(SERVER, 'handshake', errnoError('ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED')).message).toContain(
      'has expired: enroll again',
    );
    expect(failureOutcome(SERVER, 'session', errnoError('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED')).message).toContain(
      'certificate required',
    );
  });

  it('reports any other alert by name', () => {
    const result = failureOutcome(SERVER, 'handshake', errnoError('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE'));
    expect(result.message).toContain('"handshake failure"');
  });

  it('reports a reset during the handshake as a hang-up, not as unreachable words', () => {
    expect(failureOutcome(SERVER, 'handshake', errnoError('ECONNRESET')).message).toContain('closed the connection during the TLS handshake');
  });

  it('falls back to the code and message for anything else', () => {
    expect(failureOutcome(SERVER, 'tcp', errnoError('EWEIRD', 'weird')).message).toBe(`Not connected to ${SERVER}: EWEIRD: weird`);
  });
});

describe('outcome builders', () => {
  it('a compromised certificate carries TSPERR_INIT_CERTIFICATE_COMPROMISED and the fix', () => {
    const result = compromisedOutcome(SERVER, 'CN=cucm1', 'TLS 1.3');
    expect(result.code).toBe('CERT_COMPROMISED');
    expect(result.tspError === TSPERR_INIT_CERTIFICATE_COMPROMISED).toBe(true);
    expect(result.message).toContain(COMPROMISED_ADVICE);
    expect(ERRORS.CERT_COMPROMISED.hint).toContain('new instance ID');
  });

  it('a server hang-up after the handshake uses the words users are told to expect', () => {
    expect(closedByServerOutcome(SERVER, 'CN=cucm1', 'TLS 1.3').message).toMatch(
      /^CTIManager closed the connection: the certificate was not accepted \(maybe another instance uses the same certificate\)\./,
    );
  });

  it('a timeout says which step did not finish', () => {
    expect(timeoutOutcome(SERVER, 'tcp', 500).message).toContain('did not accept a TCP connection within 500 ms');
    expect(timeoutOutcome(SERVER, 'handshake', 500).message).toContain('did not complete a TLS handshake within 500 ms');
  });
});

describe('helpers', () => {
  it('alertDescription reads OpenSSL alert codes only', () => {
    expect(alertDescription('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA')).toBe('unknown ca');
    expect(alertDescription('ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE')).toBe('bad certificate');
    expect(alertDescription('ECONNRESET')).toBeUndefined();
    expect(alertDescription(undefined)).toBeUndefined();
  });

  it('formatTspError writes eight hex digits', () => {
    expect(formatTspError(0x11)).toBe('0x00000011');
    expect(formatTspError(0xfffffffe)).toBe('0xFFFFFFFE');
  });
});
