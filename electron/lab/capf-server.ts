/**
 * The lab's stand-in for a Unified CM CAPF service: a real TLS server speaking the CAPF wire format.
 * It authenticates one-time authentication strings, asks for the profile's key, issues LSCs signed by
 * the CAPF certificate (a CA, as on Unified CM 14SU2+), and serves fetch and delete operations.
 * Support staff rehearse enrollments against it; `faults` lets tests drop the connection at any step.
 */
import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import * as tls from 'node:tls';
import { CtiError } from '../../shared/errors.ts';
import { CapfChannel } from '../core/capf/channel.ts';
import {
  certificateElement,
  findElement,
  readString,
  readU8,
  readVersion,
  requireElement,
  u16Element,
  u8Element,
  unwrapCertificate,
  versionElement,
  type CapfMessage,
} from '../core/capf/codec.ts';
import {
  CAPF_LATEST_VERSION,
  CapfCertificateType,
  CapfCommand,
  CapfCurve,
  CapfElement,
  CapfKeyType,
  CapfReason,
  describeCommand,
  describeVersionKeys,
  versionAllowsEc,
  type CapfCommandName,
  type CapfVersion,
} from '../core/capf/constants.ts';
import { silentLogger, type Logger } from '../core/log.ts';
import { createCertificate } from '../core/pki/certificate-builder.ts';
import { describeKeySpec, toPem, type KeySpec } from '../core/pki/certificates.ts';
import type { LabCapfProfile } from './profiles.ts';

export interface CapfServerFaults {
  /** Drop the connection right after sending or receiving this command, to test each step. */
  closeAfter?: CapfCommandName;
  /** Answer the TLS handshake with retry-later instead of an authentication request. */
  busy?: boolean;
  /** How many sessions get the fault; default all. */
  closeTimes?: number;
}

export interface CapfServerOptions {
  host?: string;
  port?: number;
  /** The CAPF certificate (DER) and its key: a CA that signs the LSCs. */
  certificate: Buffer;
  privateKey: KeyObject;
  profiles: LabCapfProfile[];
  /** The protocol version of its authentication requests; default 3. Versions 1 and 2 allow RSA profiles only. */
  version?: CapfVersion;
  logger?: Logger;
  faults?: CapfServerFaults;
  /** How long to wait for the key-generate response while the client generates its key; default 60000 ms. */
  requestInProgressWait?: number;
  /** Limit for the TLS handshake and every other read; default 10000 ms. */
  readTimeoutMs?: number;
  validityDays?: number;
}

export interface LabCapfServer {
  host: string;
  port: number;
  close(): Promise<void>;
  /** LSCs issued (and acknowledged as stored) per device name. */
  issued: Map<string, Buffer>;
  /** Certificates clients sent in the fetch flow, per device name. */
  fetched: Map<string, Buffer>;
  setProfile(profile: LabCapfProfile): void;
  /** Sessions started so far (TLS handshakes completed). */
  readonly sessions: number;
  /** CAPF messages received from clients so far, in every session (the authentication response among them). */
  readonly messagesReceived: number;
}

// Client messages carry only these; anything else is refused, as a real server may do.
const CLIENT_ELEMENTS: ReadonlySet<number> = new Set([
  CapfElement.reason,
  CapfElement.version,
  CapfElement.password,
  CapfElement.deviceName,
  CapfElement.publicKey,
  CapfElement.certificate,
]);
const MAX_CLIENT_BODY = 16 * 1024;
const NODE_CURVE: Record<string, string> = { 'P-256': 'prime256v1', 'P-384': 'secp384r1', 'P-521': 'secp521r1' };

/** The server ends the session with this reason; the message goes to the log only. */
class Refusal extends Error {
  constructor(
    readonly reason: number,
    message: string,
  ) {
    super(message);
  }
}

/** The configured fault fired: the connection is gone, the session stops. */
class InjectedDrop extends Error {}

function keyMatches(spec: KeySpec, key: KeyObject): boolean {
  const details = key.asymmetricKeyDetails;
  if (spec.type === 'rsa') return key.asymmetricKeyType === 'rsa' && details?.modulusLength === spec.bits;
  return key.asymmetricKeyType === 'ec' && details?.namedCurve === NODE_CURVE[spec.curve];
}

interface ServerState {
  options: CapfServerOptions;
  version: CapfVersion;
  logger: Logger;
  profiles: Map<string, LabCapfProfile>;
  /** `deviceName NUL authString` of strings that completed an operation: each works once. */
  consumed: Set<string>;
  issued: Map<string, Buffer>;
  fetched: Map<string, Buffer>;
  faultsLeft: number;
  messagesReceived: number;
}

class LabCapfSession {
  private faultArmed: boolean;

  constructor(
    private readonly channel: CapfChannel,
    private readonly sessionId: number,
    private readonly state: ServerState,
  ) {
    this.faultArmed = state.faultsLeft > 0 && (state.options.faults?.closeAfter !== undefined || state.options.faults?.busy === true);
    if (this.faultArmed) state.faultsLeft -= 1;
  }

  private get readTimeoutMs(): number {
    return this.state.options.readTimeoutMs ?? 10_000;
  }

  private dropIfFault(command: number): void {
    const closeAfter = this.state.options.faults?.closeAfter;
    if (this.faultArmed && closeAfter !== undefined && CapfCommand[closeAfter] === command) {
      this.state.logger.log('info', 'capf.lab.fault', { sessionId: this.sessionId, closeAfter });
      this.channel.destroy();
      throw new InjectedDrop();
    }
  }

  private async send(command: number, elements: CapfMessage['elements']): Promise<void> {
    await this.channel.send({ command, sessionId: this.sessionId, elements }, describeCommand(command));
    this.dropIfFault(command);
  }

  private async receive(expected: number[], timeoutMs = this.readTimeoutMs): Promise<CapfMessage> {
    const what = expected.map(describeCommand).join(' or ');
    const message = await this.channel.receive(what, timeoutMs);
    this.state.messagesReceived += 1;
    this.dropIfFault(message.command);
    if (message.sessionId !== this.sessionId) throw new Refusal(CapfReason.invalidElement, `session id ${message.sessionId} is not ${this.sessionId}`);
    const unexpected = message.elements.find((element) => !CLIENT_ELEMENTS.has(element.tag));
    if (unexpected) throw new Refusal(CapfReason.invalidElement, `unexpected element ${unexpected.tag} from a client`);
    if (!expected.includes(message.command)) throw new Refusal(CapfReason.invalidElement, `got ${describeCommand(message.command)}, expected ${what}`);
    return message;
  }

  private endSession(reason: number): Promise<void> {
    return this.send(CapfCommand.endSession, [u8Element(CapfElement.reason, reason)]);
  }

  async run(): Promise<void> {
    const { logger } = this.state;
    try {
      if (this.faultArmed && this.state.options.faults?.busy) {
        await this.send(CapfCommand.retryLater, []);
      } else {
        await this.serve();
      }
      this.channel.end();
    } catch (err) {
      if (err instanceof Refusal || (err instanceof CtiError && err.code === 'CAPF_PROTOCOL')) {
        const reason = err instanceof Refusal ? err.reason : CapfReason.invalidElement;
        logger.log('info', 'capf.lab.refused', { sessionId: this.sessionId, reason, error: err.message });
        await this.endSession(reason).then(
          () => this.channel.end(),
          () => this.channel.destroy(),
        );
      } else {
        if (!(err instanceof InjectedDrop)) logger.log('info', 'capf.lab.session-failed', { sessionId: this.sessionId, error: (err as Error).message });
        this.channel.destroy();
      }
    }
  }

  private async serve(): Promise<void> {
    const { logger, profiles, consumed } = this.state;
    await this.send(CapfCommand.authRequest, [versionElement(this.state.version)]);
    const auth = await this.receive([CapfCommand.authResponse]);
    // A client may answer with a lower version than the server's, never a higher one; the lower one rules.
    const version = readVersion(auth);
    if (version > this.state.version) throw new Refusal(CapfReason.invalidElement, `client answered version ${version} to a version ${this.state.version} request`);
    const deviceName = readString(requireElement(auth, CapfElement.deviceName, 'device name'), 'device name');
    const passwordValue = findElement(auth, CapfElement.password, 'password');
    const password = passwordValue === undefined ? '' : readString(passwordValue, 'password');

    const profile = profiles.get(deviceName);
    if (!profile) {
      logger.log('info', 'capf.lab.auth', { sessionId: this.sessionId, deviceName, result: 'unknown device' });
      return this.endSession(CapfReason.unknownDevice);
    }
    if (profile.authString !== undefined) {
      const reused = consumed.has(`${deviceName}\0${profile.authString}`);
      if (password !== profile.authString || reused) {
        logger.log('info', 'capf.lab.auth', { sessionId: this.sessionId, deviceName, result: reused ? 'string already used' : 'wrong string' });
        return this.endSession(CapfReason.invalidElement);
      }
    }
    logger.log('info', 'capf.lab.auth', { sessionId: this.sessionId, deviceName, result: 'ok', operation: profile.operation });

    switch (profile.operation) {
      case 'install':
        return this.install(profile, version);
      case 'fetch':
        return this.fetch(profile);
      case 'delete':
        return this.delete(profile);
      case 'none':
        return this.endSession(CapfReason.noAction);
    }
  }

  /** The operation is done: its authentication string is spent and nothing more is scheduled. */
  private complete(profile: LabCapfProfile): void {
    if (profile.authString !== undefined) this.state.consumed.add(`${profile.deviceName}\0${profile.authString}`);
    this.state.profiles.set(profile.deviceName, { ...profile, operation: 'none' });
  }

  private async install(profile: LabCapfProfile, version: CapfVersion): Promise<void> {
    const { key } = profile;
    const { options, logger } = this.state;
    if (key.type === 'ec' && !versionAllowsEc(version)) {
      throw new Refusal(CapfReason.invalidElement, `${describeVersionKeys(version)}, but profile ${profile.deviceName} asks for ${describeKeySpec(key)}`);
    }
    await this.send(
      CapfCommand.keyGenRequest,
      key.type === 'rsa'
        ? [u16Element(CapfElement.keySize, key.bits)]
        : [u8Element(CapfElement.keyType, CapfKeyType.ec), u8Element(CapfElement.curve, CapfCurve[key.curve])],
    );
    const keyWait = options.requestInProgressWait ?? 60_000;
    let reply = await this.receive([CapfCommand.requestInProgress, CapfCommand.keyGenResponse], keyWait);
    if (reply.command === CapfCommand.requestInProgress) reply = await this.receive([CapfCommand.keyGenResponse], keyWait);

    let publicKey: KeyObject;
    try {
      publicKey = createPublicKey({ key: requireElement(reply, CapfElement.publicKey, 'public key'), format: 'der', type: 'spki' });
    } catch (err) {
      throw new Refusal(CapfReason.invalidElement, `public key is not a DER SubjectPublicKeyInfo: ${(err as Error).message}`);
    }
    if (!keyMatches(key, publicKey)) throw new Refusal(CapfReason.invalidElement, `public key is not the ${describeKeySpec(key)} key asked for`);

    const lsc = createCertificate({
      subject: { CN: profile.deviceName },
      publicKey,
      issuer: { certificate: options.certificate, privateKey: options.privateKey },
      extendedKeyUsage: ['clientAuth'],
      hash: 'sha256',
      validityDays: options.validityDays ?? 365,
    });
    await this.send(CapfCommand.storeCertificateRequest, [
      u8Element(CapfElement.certificateType, CapfCertificateType.lsc),
      certificateElement(CapfElement.certificate, lsc, CapfCertificateType.lsc),
    ]);
    const stored = await this.receive([CapfCommand.storeCertificateResponse]);
    const reason = readU8(requireElement(stored, CapfElement.reason, 'reason'), 'reason');
    logger.log('info', 'capf.lab.store-response', { sessionId: this.sessionId, deviceName: profile.deviceName, reason });
    if (reason !== CapfReason.updateCertificate) throw new Refusal(CapfReason.invalidElement, `client could not store the LSC (reason ${reason})`);
    this.state.issued.set(profile.deviceName, lsc);
    this.complete(profile);
    return this.endSession(CapfReason.updateCertificate);
  }

  private async fetch(profile: LabCapfProfile): Promise<void> {
    await this.send(CapfCommand.fetchCertificateRequest, []);
    const reply = await this.receive([CapfCommand.fetchCertificateResponse]);
    const reasonValue = findElement(reply, CapfElement.reason, 'reason');
    const certificateValue = findElement(reply, CapfElement.certificate, 'certificate');
    if (reasonValue && readU8(reasonValue, 'reason') === CapfReason.updateCertificate && certificateValue) {
      const { der } = unwrapCertificate(certificateValue);
      try {
        new X509Certificate(der);
      } catch {
        throw new Refusal(CapfReason.invalidElement, 'fetched certificate is not valid X.509 DER');
      }
      this.state.fetched.set(profile.deviceName, der);
      this.complete(profile);
      this.state.logger.log('info', 'capf.lab.fetched', { sessionId: this.sessionId, deviceName: profile.deviceName });
    } else {
      this.state.logger.log('info', 'capf.lab.fetch-empty', { sessionId: this.sessionId, deviceName: profile.deviceName });
    }
    // As on Unified CM: the fetch flow ends with reason 0 whatever the outcome.
    return this.endSession(CapfReason.noAction);
  }

  private async delete(profile: LabCapfProfile): Promise<void> {
    await this.send(CapfCommand.deleteCertificateRequest, []);
    const reply = await this.receive([CapfCommand.deleteCertificateResponse]);
    const reasonValue = findElement(reply, CapfElement.reason, 'reason');
    if (reasonValue && readU8(reasonValue, 'reason') === CapfReason.updateCertificate) {
      this.state.issued.delete(profile.deviceName);
      this.complete(profile);
      this.state.logger.log('info', 'capf.lab.deleted', { sessionId: this.sessionId, deviceName: profile.deviceName });
    }
    return this.endSession(CapfReason.updateCertificate);
  }
}

/** A version 1 or 2 server cannot ask for an EC key, so it refuses to start with a profile that needs one. */
function checkProfileKey(profile: LabCapfProfile, version: CapfVersion): void {
  if (profile.key.type === 'ec' && !versionAllowsEc(version)) {
    throw new CtiError('BAD_INPUT', `Lab CAPF server: ${describeVersionKeys(version)}, but profile ${profile.deviceName} asks for ${describeKeySpec(profile.key)}`);
  }
}

export async function startCapfServer(options: CapfServerOptions): Promise<LabCapfServer> {
  const logger = options.logger ?? silentLogger;
  const readTimeoutMs = options.readTimeoutMs ?? 10_000;
  const version = options.version ?? CAPF_LATEST_VERSION;
  for (const profile of options.profiles) checkProfileKey(profile, version);
  const state: ServerState = {
    options,
    version,
    logger,
    profiles: new Map(options.profiles.map((profile) => [profile.deviceName, profile])),
    consumed: new Set(),
    issued: new Map(),
    fetched: new Map(),
    faultsLeft: options.faults?.closeTimes ?? Infinity,
    messagesReceived: 0,
  };
  const sockets = new Set<tls.TLSSocket>();
  let sessions = 0;
  // Unified CM numbers sessions upwards; start somewhere random so clients cannot assume a value.
  let nextSessionId = Math.floor(Math.random() * 0x7fff_0000) + 1;

  const server = tls.createServer({
    cert: toPem(options.certificate),
    key: options.privateKey.export({ type: 'pkcs8', format: 'pem' }),
    minVersion: 'TLSv1.2',
    handshakeTimeout: readTimeoutMs,
  });
  server.maxConnections = 32;
  server.on('tlsClientError', (err) => logger.log('info', 'capf.lab.tls-failed', { error: err.message }));
  server.on('secureConnection', (socket: tls.TLSSocket) => {
    // As Unified CM's would not hold a short message back for the client's delayed ACK (see capf/client.ts).
    socket.setNoDelay(true);
    sessions += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const sessionId = nextSessionId++;
    logger.log('info', 'capf.lab.session', { sessionId, remote: `${socket.remoteAddress}:${socket.remotePort}` });
    const channel = new CapfChannel(socket, { peer: 'CAPF client', maxBodyLength: MAX_CLIENT_BODY });
    void new LabCapfSession(channel, sessionId, state).run();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('CAPF lab server has no TCP address');
  logger.log('info', 'capf.lab.listening', { host: address.address, port: address.port, version, profiles: state.profiles.size });

  return {
    host: address.address,
    port: address.port,
    issued: state.issued,
    fetched: state.fetched,
    get sessions() {
      return sessions;
    },
    get messagesReceived() {
      return state.messagesReceived;
    },
    setProfile(profile) {
      checkProfileKey(profile, version);
      state.profiles.set(profile.deviceName, profile);
    },
    close() {
      return new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      });
    },
  };
}
