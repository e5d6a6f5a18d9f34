/** Option checks and error classification; the conversation itself is tested over real TLS in integration. */
import { describe, expect, it } from 'vitest';
import { CtiError, ERRORS, type ErrorCode } from '../../../../shared/errors.ts';
import { classifyRetryable, runCapfSession, type CapfSessionOptions } from '../../../../electron/core/capf/client.ts';
import { memoryLogger } from '../../../../electron/core/log.ts';
import { createCertificate } from '../../../../electron/core/pki/certificate-builder.ts';
import { generateKeyPair } from '../../../../electron/core/pki/certificates.ts';

async function someCertificate(): Promise<Buffer> {
  const keys = await generateKeyPair({ type: 'ec', curve: 'P-256' });
  return createCertificate({ subject: { CN: 'CAPF-unit' }, publicKey: keys.publicKey, selfSigningKey: keys.privateKey, isCa: true });
}

function base(overrides: Partial<CapfSessionOptions>): CapfSessionOptions {
  // Port 1 on loopback is never reached: every case here fails before connecting.
  return { host: '127.0.0.1', port: 1, trustedCapfCertificates: [], deviceName: 'inst1', storeCertificate: async () => {}, ...overrides };
}

async function codeOf(promise: Promise<unknown>): Promise<{ code: ErrorCode; message: string }> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(CtiError);
  return err as CtiError;
}

describe('runCapfSession option checks', () => {
  it('refuses to run without trusted CAPF certificates (CTL_NONE)', async () => {
    expect((await codeOf(runCapfSession(base({})))).code).toBe('CTL_NONE');
  });

  it('refuses trusted certificates that are not X.509 (CTL_INVALID)', async () => {
    expect((await codeOf(runCapfSession(base({ trustedCapfCertificates: [Buffer.from('junk')] })))).code).toBe('CTL_INVALID');
  });

  it('refuses a malformed authentication string without echoing it', async () => {
    const logger = memoryLogger();
    const err = await codeOf(runCapfSession(base({ trustedCapfCertificates: [await someCertificate()], authString: '12ab', logger })));
    expect(err.code).toBe('BAD_INPUT');
    expect(err.message).toContain('4 to 10 digits');
    expect(err.message).not.toContain('12ab');
    expect(logger.lines.join('')).not.toContain('12ab');
  });

  it('refuses a bad port and an empty or NUL-carrying device name', async () => {
    const trusted = [await someCertificate()];
    expect((await codeOf(runCapfSession(base({ trustedCapfCertificates: trusted, port: 0 })))).message).toContain('1 to 65535');
    expect((await codeOf(runCapfSession(base({ trustedCapfCertificates: trusted, deviceName: '' })))).code).toBe('BAD_INPUT');
    expect((await codeOf(runCapfSession(base({ trustedCapfCertificates: trusted, deviceName: 'a\0b' })))).code).toBe('BAD_INPUT');
  });
});

describe('classifyRetryable', () => {
  it('retries network-class failures only', () => {
    const retryable = (Object.keys(ERRORS) as ErrorCode[]).filter((code) => classifyRetryable(new CtiError(code, 'x')));
    expect(retryable.sort()).toEqual(['NETWORK_TIMEOUT', 'NETWORK_UNREACHABLE']);
  });
});
