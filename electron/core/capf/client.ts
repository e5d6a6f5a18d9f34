/**
 * The CAPF client: one TLS session with the cluster's CAPF service that installs, fetches or deletes
 * this instance's certificate (LSC), whichever operation the server has scheduled. Retries are the
 * caller's business; `classifyRetryable` tells it which failures are worth another try.
 */
import { X509Certificate, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import * as tls from 'node:tls';
import { CtiError, type ErrorCode } from '../../../shared/errors.ts';
import { checkAuthString } from '../../../shared/fields.ts';
import { silentLogger, type Logger } from '../log.ts';
import { ON_DEMAND_KEY_PAIRS, type KeyPairSource } from '../pki/key-pair-ahead.ts';
import {
  describeKeySpec,
  EC_CURVES,
  RSA_KEY_SIZES,
  type KeySpec,
  type RsaKeySize,
} from '../pki/certificates.ts';
import { CapfChannel } from './channel.ts';
import { capfServerCertificateProblem } from './server-certificate.ts';
import {
  certificateElement,
  findElement,
  readU16,
  readU8,
  readVersion,
  requireElement,
  stringElement,
  u8Element,
  unwrapCertificate,
  versionElement,
  type CapfMessage,
} from './codec.ts';
import { CLIENT_TLS_POLICY, NO_CA_LIST } from '../tls-policy.ts';
import {
  CAPF_FIRST_EC_VERSION,
  CapfCertificateType,
  CapfCommand,
  CapfElement,
  CapfKeyType,
  CapfReason,
  curveFromCode,
  describeCommand,
  describeReason,
  describeVersionKeys,
  versionAllowsEc,
  type CapfVersion,
} from './constants.ts';

export type CapfStep = 'capf-connect' | 'capf-authenticate' | 'key-generate' | 'certificate-store';

export interface IssuedCertificate {
  certificate: Buffer;
  privateKey: KeyObject;
  keySpec: KeySpec;
}

export interface CapfSessionOptions {
  host: string;
  port: number;
  /** DER certificates of the CTL's CAPF records (role 4); the server must present one of them. */
  trustedCapfCertificates: Buffer[];
  /** NUL-terminated on the wire; the issued LSC's common name. */
  deviceName: string;
  /** The one-time authentication string (4 to 10 digits); undefined sends an empty password element. */
  authString?: string;
  /** Limit for the connection and for every read; default 15000 ms. */
  timeoutMs?: number;
  signal?: AbortSignal;
  onStep?: (step: CapfStep) => void;
  /** Called with the issued certificate and its key BEFORE the store-certificate response is sent; must persist durably. */
  storeCertificate: (issued: IssuedCertificate) => Promise<void>;
  /** For the fetch flow: the currently stored certificate (DER), or undefined when there is none. */
  loadCertificate?: () => Promise<Buffer | undefined>;
  /** For the delete flow. */
  deleteCertificate?: () => Promise<void>;
  /** Where the key pair comes from: generated when the server asks (default), or started ahead. */
  keyPairs?: KeyPairSource;
  logger?: Logger;
}

export interface CapfSessionResult {
  outcome: 'installed' | 'fetched' | 'deleted';
  certificate?: Buffer;
  keySpec?: KeySpec;
}

export const DEFAULT_CAPF_TIMEOUT_MS = 15_000;

const RETRYABLE: ReadonlySet<ErrorCode> = new Set(['NETWORK_UNREACHABLE', 'NETWORK_TIMEOUT']);

/** Network-class failures are worth retrying; refusals, trust failures and cancellation are not. */
export function classifyRetryable(err: CtiError): boolean {
  return RETRYABLE.has(err.code);
}

const ALLOWED_KEYS = `RSA ${RSA_KEY_SIZES.join(', ')} bits or EC ${EC_CURVES.join(', ')}`;

function checkOptions(options: CapfSessionOptions): void {
  if (options.trustedCapfCertificates.length === 0) {
    throw new CtiError('CTL_NONE', 'The trusted CTL lists no CAPF certificate (role 4): fetch the CTL first');
  }
  options.trustedCapfCertificates.forEach((der, index) => {
    try {
      new X509Certificate(der);
    } catch (err) {
      throw new CtiError('CTL_INVALID', `Trusted CAPF certificate ${index + 1} is not a valid X.509 certificate`, { cause: err });
    }
  });
  if (typeof options.host !== 'string' || options.host.length === 0) throw new CtiError('BAD_INPUT', 'CAPF host must not be empty');
  if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535) {
    throw new CtiError('BAD_INPUT', `CAPF port must be 1 to 65535, got ${options.port}`);
  }
  if (options.deviceName.length === 0 || options.deviceName.includes('\0') || Buffer.byteLength(options.deviceName) > 255) {
    throw new CtiError('BAD_INPUT', 'Device name must be 1 to 255 bytes without NUL characters');
  }
  if (options.authString !== undefined) {
    const error = checkAuthString(options.authString);
    if (error) throw new CtiError('BAD_INPUT', error); // the message never repeats the value
  }
}

function connectError(err: NodeJS.ErrnoException, where: string): CtiError {
  const code = err.code ?? '';
  if (code === 'ETIMEDOUT') return new CtiError('NETWORK_TIMEOUT', `Connecting to the CAPF server ${where} timed out`, { cause: err });
  if (code === 'ECONNREFUSED') return new CtiError('NETWORK_UNREACHABLE', `CAPF server ${where} refused the connection`, { cause: err });
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new CtiError('NETWORK_UNREACHABLE', `CAPF server host ${where} was not found`, { cause: err });
  }
  return new CtiError('NETWORK_UNREACHABLE', `Connecting to the CAPF server ${where} failed (${code || err.message})`, { cause: err });
}

function connectTls(options: CapfSessionOptions, timeoutMs: number): Promise<tls.TLSSocket> {
  const where = `${options.host}:${options.port}`;
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: options.host,
      port: options.port,
      // The server's certificate is checked in secureConnect, before a byte is sent (capfServerCertificateProblem).
      // Users type IP addresses: no host name check either (Node would not call it anyway with the chain
      // unverified; set so that no default ever applies).
      ...NO_CA_LIST,
      rejectUnauthorized: false,
      checkServerIdentity: () => undefined,
      ...(isIP(options.host) ? {} : { servername: options.host }),
      ...CLIENT_TLS_POLICY,
    });
    // CAPF is small messages back and forth, sometimes two in a row (request-in-progress, then the key): with
    // Nagle's algorithm the second waits for the ACK of the first, which the server may delay by 40 ms.
    socket.setNoDelay(true);
    const finish = (err?: CtiError): void => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      socket.removeListener('error', onError);
      if (err) {
        socket.destroy();
        reject(err);
      } else {
        resolve(socket);
      }
    };
    const onError = (err: NodeJS.ErrnoException): void => finish(connectError(err, where));
    const onAbort = (): void => finish(new CtiError('CANCELLED', 'CAPF session cancelled'));
    const timer = setTimeout(
      () => finish(new CtiError('NETWORK_TIMEOUT', `Connecting to the CAPF server ${where} timed out after ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.once('secureConnect', () => {
      const problem = capfServerCertificateProblem(socket.getPeerX509Certificate()?.raw, options.trustedCapfCertificates);
      finish(problem === null ? undefined : new CtiError('TLS_UNTRUSTED', `The CAPF server ${where} presented a certificate that ${problem}`));
    });
    socket.on('error', onError);
    options.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** An end-session the client did not expect: right after authentication it says why there is nothing to do. */
function endSessionError(message: CapfMessage, afterAuthentication: boolean): CtiError {
  const value = findElement(message, CapfElement.reason, 'reason');
  const reason = value === undefined ? undefined : readU8(value, 'reason');
  const described = reason === undefined ? 'no reason' : `reason ${describeReason(reason)}`;
  if (afterAuthentication) {
    // Reason 1 here too: the independent capfc client reads it as "no scheduled operation".
    if (reason === CapfReason.noAction || reason === CapfReason.updateCertificate) {
      return new CtiError('CAPF_NOTHING_TO_DO', `CAPF server has no operation pending for this device (${described})`);
    }
    if (reason === CapfReason.invalidElement) {
      return new CtiError('CAPF_AUTH_FAILED', `CAPF server refused the authentication string (${described})`);
    }
    if (reason === CapfReason.unknownDevice) {
      return new CtiError('CAPF_UNKNOWN_DEVICE', `CAPF server does not know this device name (${described})`);
    }
  }
  return new CtiError('CAPF_REFUSED', `CAPF server ended the session with ${described}`);
}

function keySpecFromRequest(message: CapfMessage, version: CapfVersion): KeySpec {
  const typeValue = findElement(message, CapfElement.keyType, 'key type');
  const sizeValue = findElement(message, CapfElement.keySize, 'key size');
  const curveValue = findElement(message, CapfElement.curve, 'curve');
  // Key size alone means RSA (Unified CM); capfd sends key type 0 with it.
  const keyType = typeValue !== undefined ? readU8(typeValue, 'key type') : sizeValue === undefined && curveValue !== undefined ? CapfKeyType.ec : CapfKeyType.rsa;
  if (keyType === CapfKeyType.rsa) {
    if (sizeValue === undefined) throw new CtiError('CAPF_PROTOCOL', `CAPF server asked for an RSA key without a key size (allowed: ${ALLOWED_KEYS})`);
    const bits = readU16(sizeValue, 'key size');
    if (!(RSA_KEY_SIZES as readonly number[]).includes(bits)) {
      throw new CtiError('CAPF_PROTOCOL', `CAPF server asked for an RSA ${bits}-bit key (allowed: ${ALLOWED_KEYS})`);
    }
    return { type: 'rsa', bits: bits as RsaKeySize };
  }
  if (keyType === CapfKeyType.ec) {
    if (!versionAllowsEc(version)) {
      const curve = curveValue?.length === 1 ? curveFromCode(curveValue.readUInt8(0)) : undefined;
      throw new CtiError(
        'CAPF_PROTOCOL',
        `CAPF server asked for an EC key${curve ? ` (${curve})` : ''} in a protocol version ${version} session, but ${describeVersionKeys(version)} (EC needs version ${CAPF_FIRST_EC_VERSION})`,
      );
    }
    if (curveValue === undefined) throw new CtiError('CAPF_PROTOCOL', `CAPF server asked for an EC key without a curve (allowed: ${ALLOWED_KEYS})`);
    const code = readU8(curveValue, 'curve');
    const curve = curveFromCode(code);
    if (!curve) throw new CtiError('CAPF_PROTOCOL', `CAPF server asked for an EC key on curve ${code} (allowed: ${ALLOWED_KEYS})`);
    return { type: 'ec', curve };
  }
  throw new CtiError('CAPF_PROTOCOL', `CAPF server asked for key type ${keyType} (allowed: ${ALLOWED_KEYS})`);
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(new CtiError('CANCELLED', 'CAPF session cancelled'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new CtiError('CANCELLED', 'CAPF session cancelled'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** One CAPF conversation after the TLS handshake. */
class CapfSession {
  private sessionId = 0;

  constructor(
    private readonly channel: CapfChannel,
    private readonly options: CapfSessionOptions,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
  ) {}

  private async receive(what: string): Promise<CapfMessage> {
    const message = await this.channel.receive(what, this.timeoutMs);
    if (message.sessionId !== this.sessionId) {
      throw new CtiError('CAPF_PROTOCOL', `CAPF server changed the session id from ${this.sessionId} to ${message.sessionId}`);
    }
    if (message.command === CapfCommand.retryLater) {
      throw new CtiError('NETWORK_TIMEOUT', 'CAPF server busy: retry later');
    }
    return message;
  }

  private async expect(command: number, what: string): Promise<CapfMessage> {
    const message = await this.receive(what);
    if (message.command === CapfCommand.endSession) throw endSessionError(message, false);
    if (message.command !== command) {
      throw new CtiError('CAPF_PROTOCOL', `CAPF server sent ${describeCommand(message.command)} instead of the ${what}`);
    }
    return message;
  }

  private send(command: number, elements: CapfMessage['elements'], what: string): Promise<void> {
    return this.channel.send({ command, sessionId: this.sessionId, elements }, what);
  }

  async run(): Promise<CapfSessionResult> {
    const { options } = this;
    const authRequest = await this.channel.receive('authentication request', this.timeoutMs);
    this.sessionId = authRequest.sessionId;
    if (authRequest.command === CapfCommand.retryLater) throw new CtiError('NETWORK_TIMEOUT', 'CAPF server busy: retry later');
    if (authRequest.command !== CapfCommand.authRequest) {
      throw new CtiError('CAPF_PROTOCOL', `CAPF server opened with ${describeCommand(authRequest.command)} instead of an authentication request`);
    }
    // Answered with the server's own version; it also bounds the keys the server may ask for.
    const version = readVersion(authRequest);
    this.logger.log('info', 'capf.authenticate', {
      sessionId: this.sessionId,
      version,
      deviceName: options.deviceName,
      authentication: options.authString === undefined ? 'none' : 'one-time string',
    });

    options.onStep?.('capf-authenticate');
    await this.send(
      CapfCommand.authResponse,
      [
        u8Element(CapfElement.reason, CapfReason.updateCertificate),
        versionElement(version),
        stringElement(CapfElement.deviceName, options.deviceName),
        // Always present; empty ("\0") without an authentication string.
        stringElement(CapfElement.password, options.authString ?? ''),
      ],
      'authentication response',
    );

    const operation = await this.receive('operation request');
    switch (operation.command) {
      case CapfCommand.keyGenRequest:
        return this.install(operation, version);
      case CapfCommand.fetchCertificateRequest:
        return this.fetch();
      case CapfCommand.deleteCertificateRequest:
        return this.delete();
      case CapfCommand.endSession:
        throw endSessionError(operation, true);
      default:
        throw new CtiError('CAPF_PROTOCOL', `CAPF server sent ${describeCommand(operation.command)} after authentication`);
    }
  }

  private async install(request: CapfMessage, version: CapfVersion): Promise<CapfSessionResult> {
    const keySpec = keySpecFromRequest(request, version);
    this.logger.log('info', 'capf.key-generate', { key: describeKeySpec(keySpec) });
    this.options.onStep?.('key-generate');
    await this.send(CapfCommand.requestInProgress, [], 'request-in-progress');
    const keys = await abortable((this.options.keyPairs ?? ON_DEMAND_KEY_PAIRS).take(keySpec), this.options.signal);
    const spki = keys.publicKey.export({ type: 'spki', format: 'der' });
    await this.send(CapfCommand.keyGenResponse, [{ tag: CapfElement.publicKey, value: spki }], 'key-generate response');

    const store = await this.expect(CapfCommand.storeCertificateRequest, 'store-certificate request');
    const certificate = this.issuedCertificate(store, spki);
    this.options.onStep?.('certificate-store');
    try {
      await this.options.storeCertificate({ certificate, privateKey: keys.privateKey, keySpec });
    } catch (err) {
      if (err instanceof CtiError) throw err;
      throw new CtiError('KEYSTORE', `Storing the issued certificate failed: ${(err as Error).message}`, { cause: err });
    }
    this.logger.log('info', 'capf.certificate-stored', { key: describeKeySpec(keySpec), bytes: certificate.length });
    // Only now: the server may mark the operation done once it has this response.
    await this.send(CapfCommand.storeCertificateResponse, [u8Element(CapfElement.reason, CapfReason.updateCertificate)], 'store-certificate response');
    await this.finish('installed');
    return { outcome: 'installed', certificate, keySpec };
  }

  private issuedCertificate(store: CapfMessage, spki: Buffer): Buffer {
    const typeValue = findElement(store, CapfElement.certificateType, 'certificate type');
    const elementType = typeValue === undefined ? CapfCertificateType.lsc : readU8(typeValue, 'certificate type');
    const { certificateType, der } = unwrapCertificate(requireElement(store, CapfElement.certificate, 'certificate'));
    if (elementType !== CapfCertificateType.lsc || certificateType !== CapfCertificateType.lsc) {
      throw new CtiError('CAPF_PROTOCOL', `CAPF server sent certificate type ${elementType}/${certificateType}; an LSC is type ${CapfCertificateType.lsc}`);
    }
    let parsed: X509Certificate;
    try {
      parsed = new X509Certificate(der);
    } catch (err) {
      throw new CtiError('CAPF_PROTOCOL', 'CAPF server sent a certificate that is not valid X.509 DER', { cause: err });
    }
    if (!parsed.publicKey.export({ type: 'spki', format: 'der' }).equals(spki)) {
      throw new CtiError('CAPF_PROTOCOL', "The certificate from the CAPF server does not carry this client's new public key");
    }
    return der;
  }

  private async fetch(): Promise<CapfSessionResult> {
    this.options.onStep?.('certificate-store');
    const certificate = await this.options.loadCertificate?.();
    await this.send(
      CapfCommand.fetchCertificateResponse,
      certificate
        ? [u8Element(CapfElement.reason, CapfReason.updateCertificate), certificateElement(CapfElement.certificate, certificate)]
        : [u8Element(CapfElement.reason, CapfReason.invalidElement)],
      'fetch-certificate response',
    );
    this.logger.log('info', 'capf.certificate-fetched', { sent: certificate !== undefined });
    // Judged by the fetch exchange: the end session that follows says reason 0 even on success.
    await this.finish('fetched');
    return certificate ? { outcome: 'fetched', certificate } : { outcome: 'fetched' };
  }

  private async delete(): Promise<CapfSessionResult> {
    this.options.onStep?.('certificate-store');
    const canDelete = this.options.deleteCertificate !== undefined;
    await this.options.deleteCertificate?.();
    await this.send(
      CapfCommand.deleteCertificateResponse,
      [u8Element(CapfElement.reason, canDelete ? CapfReason.updateCertificate : CapfReason.invalidElement)],
      'delete-certificate response',
    );
    this.logger.log('info', 'capf.certificate-deleted', { deleted: canDelete });
    await this.finish('deleted');
    return { outcome: 'deleted' };
  }

  /**
   * Waits for the end session after the operation's last exchange. The operation is already done on
   * our side, so a server that hangs up instead is logged, not an error.
   */
  private async finish(outcome: CapfSessionResult['outcome']): Promise<void> {
    try {
      const end = await this.receive('end session');
      if (end.command !== CapfCommand.endSession) {
        throw new CtiError('CAPF_PROTOCOL', `CAPF server sent ${describeCommand(end.command)} instead of the end session`);
      }
      const value = findElement(end, CapfElement.reason, 'reason');
      this.logger.log('info', 'capf.session-end', { outcome, reason: value === undefined ? null : readU8(value, 'reason') });
    } catch (err) {
      if (!(err instanceof CtiError) || !classifyRetryable(err)) throw err;
      this.logger.log('warn', 'capf.session-end-missing', { outcome, error: err.message });
    }
  }
}

/** Runs one CAPF session: connect, authenticate, then whatever operation the server has scheduled. */
export async function runCapfSession(options: CapfSessionOptions): Promise<CapfSessionResult> {
  checkOptions(options);
  if (options.signal?.aborted) throw new CtiError('CANCELLED', 'CAPF session cancelled');
  const logger = options.logger ?? silentLogger;
  const timeoutMs = options.timeoutMs ?? DEFAULT_CAPF_TIMEOUT_MS;

  options.onStep?.('capf-connect');
  logger.log('info', 'capf.connect', { host: options.host, port: options.port });
  const socket = await connectTls(options, timeoutMs);
  logger.log('info', 'capf.connected', { protocol: socket.getProtocol(), cipher: socket.getCipher().name });
  const channel = new CapfChannel(socket, { peer: 'CAPF server', ...(options.signal ? { signal: options.signal } : {}) });
  try {
    const result = await new CapfSession(channel, options, timeoutMs, logger).run();
    channel.end();
    return result;
  } catch (err) {
    channel.destroy();
    const error = err instanceof CtiError ? err : new CtiError('INTERNAL', `CAPF session failed: ${(err as Error).message}`, { cause: err });
    logger.log('warn', 'capf.failed', { code: error.code, error: error.message });
    throw error;
  }
}
