/**
 * A TFTP download client: RFC 1350 with options (RFC 2347 OACK, 2348 blksize, 2349 timeout and tsize,
 * 7440 windowsize). Downloads into memory, refuses files over `maxBytes`, locks onto the server's
 * transfer ID, re-ACKs duplicates without appending them, and retransmits a bounded number of times.
 */
import { isIP } from 'node:net';
import type { RemoteInfo } from 'node:dgram';
import { CtiError, type ErrorCode } from '../../../shared/errors.ts';
import { openClientSocket, type ClientSocket, type ServerAddress } from './client-socket.ts';
import {
  BLOCK_MODULO,
  DEFAULT_BLKSIZE,
  MAX_BLKSIZE,
  MAX_WINDOWSIZE,
  MAX_TIMEOUT_S,
  MIN_BLKSIZE,
  MIN_TIMEOUT_S,
  MIN_WINDOWSIZE,
  MODE_OCTET,
  OPCODE,
  OPTION,
  TFTP_ERROR_CODE,
  decodePacket,
  encodeAck,
  encodeError,
  encodeRequest,
  parseOptionInteger,
  tftpErrorName,
  type DataPacket,
  type ErrorPacket,
  type OackPacket,
  type TftpOptions,
  type TftpPacket,
} from './packets.ts';

export interface TftpGetOptions {
  host: string;
  port: number;
  filename: string;
  /** Largest file accepted, in bytes; default 1 MiB. */
  maxBytes?: number;
  /** How long to wait for an answer before sending again, per try; default 2000 ms. */
  timeoutMs?: number;
  /** How often a packet is sent before giving up (the first send included); default 5. */
  tries?: number;
  /**
   * The whole transfer must end within this many ms, however steadily the server answers: a server that
   * drips small blocks just inside the per-packet timeout cannot keep the client busy for hours; default 60 000.
   */
  deadlineMs?: number;
  /** Block size to ask for (8–65464); default 1468, which fits a 1500-byte Ethernet MTU. */
  blksize?: number;
  /** Window size to ask for (1–65535, RFC 7440); default 8. */
  windowsize?: number;
  signal?: AbortSignal;
}

export interface TftpTransferStats {
  /** Request→response exchanges the client waited on (RRQ→OACK, ACK 0→first window, ...). */
  roundTrips: number;
  packetsSent: number;
  packetsReceived: number;
  retransmissions: number;
  /** Negotiated block size (512 when the server ignored options). */
  blksize: number;
  /** Negotiated window size (1 when the server did not grant one). */
  windowsize: number;
  /** True when the server answered with an OACK. */
  optionsAccepted: boolean;
  /** File size announced by the server (RFC 2349), when it did. */
  tsize?: number;
  durationMs: number;
}

export interface TftpGetResult {
  data: Buffer;
  stats: TftpTransferStats;
}

export const TFTP_GET_DEFAULTS = {
  maxBytes: 1_048_576,
  timeoutMs: 2000,
  tries: 5,
  deadlineMs: 60_000,
  blksize: 1468,
  windowsize: 8,
} as const;

type Settings = Required<Omit<TftpGetOptions, 'signal'>> & { signal: AbortSignal | undefined };

/** A monotonic clock in milliseconds; not `performance.now()`, whose first use loads perf_hooks (2 ms of a CLI run). */
const monotonicMs = (): number => Number(process.hrtime.bigint()) / 1e6;

/** Downloads one file. Throws CtiError: CTL_NOT_FOUND, TFTP_ERROR, CTL_INVALID (too big), NETWORK_*, CANCELLED, BAD_INPUT. */
export async function tftpGet(options: TftpGetOptions): Promise<TftpGetResult> {
  const settings = checkOptions(options);
  const startedAt = monotonicMs();
  throwIfCancelled(settings);
  const server = await resolveServer(settings);
  throwIfCancelled(settings);
  let socket: ClientSocket;
  try {
    socket = await openClientSocket(server);
  } catch (err) {
    throw new CtiError('NETWORK_UNREACHABLE', `Cannot open a UDP socket to reach ${describeServer(settings)}: ${errorText(err)}`, { cause: err });
  }
  try {
    return await new Download(settings, server, socket, startedAt).run();
  } finally {
    await socket.close();
  }
}

function checkOptions(options: TftpGetOptions): Settings {
  const settings: Settings = {
    host: options.host,
    port: options.port,
    filename: options.filename,
    maxBytes: options.maxBytes ?? TFTP_GET_DEFAULTS.maxBytes,
    timeoutMs: options.timeoutMs ?? TFTP_GET_DEFAULTS.timeoutMs,
    tries: options.tries ?? TFTP_GET_DEFAULTS.tries,
    deadlineMs: options.deadlineMs ?? TFTP_GET_DEFAULTS.deadlineMs,
    blksize: options.blksize ?? TFTP_GET_DEFAULTS.blksize,
    windowsize: options.windowsize ?? TFTP_GET_DEFAULTS.windowsize,
    signal: options.signal,
  };
  if (typeof settings.host !== 'string' || settings.host.trim() === '') throw badInput('TFTP host must not be empty');
  checkInteger(settings.port, 1, 65535, 'TFTP port');
  if (typeof settings.filename !== 'string' || settings.filename === '' || settings.filename.includes('\0')) {
    throw badInput('TFTP file name must be non-empty and contain no NUL character');
  }
  checkInteger(settings.maxBytes, 0, Number.MAX_SAFE_INTEGER, 'TFTP maxBytes');
  checkInteger(settings.timeoutMs, 1, 255_000, 'TFTP timeoutMs');
  checkInteger(settings.tries, 1, 100, 'TFTP tries');
  checkInteger(settings.deadlineMs, 1, 3_600_000, 'TFTP deadlineMs');
  checkInteger(settings.blksize, MIN_BLKSIZE, MAX_BLKSIZE, 'TFTP blksize');
  checkInteger(settings.windowsize, MIN_WINDOWSIZE, MAX_WINDOWSIZE, 'TFTP windowsize');
  return settings;
}

function checkInteger(value: number, min: number, max: number, name: string): void {
  if (!Number.isInteger(value) || value < min || value > max) throw badInput(`${name} must be an integer from ${min} to ${max}, got ${value}`);
}

function badInput(message: string): CtiError {
  return new CtiError('BAD_INPUT', message);
}

function throwIfCancelled(settings: Settings): void {
  if (settings.signal?.aborted) throw cancelled(settings);
}

function cancelled(settings: Settings): CtiError {
  return new CtiError('CANCELLED', `TFTP download of ${settings.filename} from ${describeServer(settings)} was cancelled`);
}

function describeServer(settings: { host: string; port: number }): string {
  return isIP(settings.host) === 6 ? `[${settings.host}]:${settings.port}` : `${settings.host}:${settings.port}`;
}

async function resolveServer(settings: Settings): Promise<ServerAddress> {
  const family = isIP(settings.host);
  if (family === 4 || family === 6) return { address: settings.host, family, port: settings.port };
  try {
    // Loaded only for a name: the addresses users usually type need no resolver module at each start.
    const { lookup } = await import('node:dns/promises');
    const found = await lookup(settings.host);
    return { address: found.address, family: found.family === 6 ? 6 : 4, port: settings.port };
  } catch (err) {
    throw new CtiError('NETWORK_UNREACHABLE', `Cannot resolve TFTP server name ${settings.host}: ${errorText(err)}`, { cause: err });
  }
}

function errorText(err: unknown): string {
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string') return err.code;
  return err instanceof Error ? err.message : String(err);
}

/** Text from the network, made safe to show: printable characters only, bounded length. */
function printable(text: string): string {
  const clean = text.replace(/[\p{Cc}\p{Cf}]/gu, ' ').trim();
  return clean.length > 200 ? `${clean.slice(0, 200)}…` : clean;
}

/** Where the other side is and what it agreed to. */
interface Negotiated {
  blksize: number;
  windowsize: number;
  optionsAccepted: boolean;
  tsize?: number;
}

/** One download: a small state machine driven by datagrams, a retransmission timer and the abort signal. */
class Download {
  private readonly stats = { roundTrips: 0, packetsSent: 0, packetsReceived: 0, retransmissions: 0 };
  private negotiated: Negotiated = { blksize: DEFAULT_BLKSIZE, windowsize: 1, optionsAccepted: false };
  private askOptions = true;
  private phase: 'request' | 'transfer' | 'finished' = 'request';
  private transferId: { address: string; port: number } | undefined;
  private readonly chunks: Buffer[] = [];
  private receivedBytes = 0;
  /** Blocks received in order so far (a count, not the 16-bit wire number). */
  private blocksReceived = 0;
  private blocksInWindow = 0;
  /** Set once we re-ACKed a duplicate or a gap, so a burst of stale packets gets one ACK, not one each. */
  private staleAnswered = false;
  private awaitingAnswer = false;
  private lastSent: { packet: Buffer; toTransferId: boolean } | undefined;
  private triesLeft: number;
  private timer: NodeJS.Timeout | undefined;
  private deadline: NodeJS.Timeout | undefined;
  private settle: { resolve: (r: TftpGetResult) => void; reject: (e: CtiError) => void } | undefined;

  constructor(
    private readonly settings: Settings,
    private readonly server: ServerAddress,
    private readonly socket: ClientSocket,
    private readonly startedAt: number,
  ) {
    this.triesLeft = settings.tries;
  }

  run(): Promise<TftpGetResult> {
    return new Promise<TftpGetResult>((resolve, reject) => {
      const onAbort = (): void => this.abort();
      this.settings.signal?.addEventListener('abort', onAbort, { once: true });
      const cleanUp = (): void => this.settings.signal?.removeEventListener('abort', onAbort);
      this.settle = {
        resolve: (r) => (cleanUp(), resolve(r)),
        reject: (e) => (cleanUp(), reject(e)),
      };
      this.socket.onMessage((message, remote) => this.receive(message, remote));
      this.socket.onError((error) => this.socketError(error));
      this.deadline = setTimeout(() => this.deadlineReached(), this.settings.deadlineMs - (monotonicMs() - this.startedAt));
      this.sendRequest();
    });
  }

  // ---- sending ----

  private sendRequest(): void {
    const options: TftpOptions = new Map();
    if (this.askOptions) {
      options.set(OPTION.BLKSIZE, String(this.settings.blksize));
      options.set(OPTION.TSIZE, '0');
      options.set(OPTION.TIMEOUT, String(this.requestedTimeoutSeconds()));
      options.set(OPTION.WINDOWSIZE, String(this.settings.windowsize));
    }
    const packet = encodeRequest({ opcode: OPCODE.RRQ, filename: this.settings.filename, mode: MODE_OCTET, options });
    this.lastSent = { packet, toTransferId: false };
    this.awaitingAnswer = true;
    this.transmit(this.lastSent);
    this.restartTimer();
  }

  /** The server's retransmission timeout: ours rounded up to whole seconds, as RFC 2349 counts. */
  private requestedTimeoutSeconds(): number {
    return Math.min(MAX_TIMEOUT_S, Math.max(MIN_TIMEOUT_S, Math.ceil(this.settings.timeoutMs / 1000)));
  }

  private sendAck(block: number, expectAnswer: boolean): void {
    this.lastSent = { packet: encodeAck({ block: block % BLOCK_MODULO }), toTransferId: true };
    this.awaitingAnswer = expectAnswer;
    this.transmit(this.lastSent);
  }

  private transmit(sent: { packet: Buffer; toTransferId: boolean }): void {
    this.stats.packetsSent++;
    const done = (error: Error | null): void => {
      if (error) this.socketError(error);
    };
    if (sent.toTransferId && this.transferId) this.socket.send(sent.packet, this.transferId.port, this.transferId.address, done);
    else this.socket.sendRequest(sent.packet, done);
  }

  /** Tells the server why we stop; ERROR packets are never acknowledged or retransmitted. */
  private sendErrorToServer(code: number, message: string): void {
    if (!this.transferId) return;
    this.stats.packetsSent++;
    this.socket.send(encodeError({ code, message }), this.transferId.port, this.transferId.address, () => {});
  }

  // ---- receiving ----

  private receive(message: Buffer, remote: RemoteInfo): void {
    if (this.phase === 'finished') return;
    if (!this.isFromServer(remote)) {
      this.answerStranger(message, remote);
      return;
    }
    let packet: TftpPacket;
    try {
      packet = decodePacket(message);
    } catch (err) {
      // Before the transfer ID is locked a garbage datagram is not an answer; after, it is a protocol fault.
      if (!this.transferId) return;
      this.stats.packetsReceived++;
      this.protocolFault(`it sent a malformed packet (${(err as Error).message})`);
      return;
    }
    this.transferId ??= { address: remote.address, port: remote.port };
    this.stats.packetsReceived++;
    switch (packet.opcode) {
      case OPCODE.ERROR:
        this.serverError(packet);
        return;
      case OPCODE.OACK:
        this.receiveOack(packet);
        return;
      case OPCODE.DATA:
        this.receiveData(packet);
        return;
      default:
        this.protocolFault(`it sent opcode ${packet.opcode}, which a server never sends to a reading client`);
    }
  }

  private isFromServer(remote: RemoteInfo): boolean {
    if (this.transferId) return remote.address === this.transferId.address && remote.port === this.transferId.port;
    return remote.address === this.server.address;
  }

  private answerStranger(message: Buffer, remote: RemoteInfo): void {
    // Never answer an ERROR: two confused endpoints would bounce errors forever.
    if (message.length >= 2 && message.readUInt16BE(0) === OPCODE.ERROR) return;
    const packet = encodeError({ code: TFTP_ERROR_CODE.UNKNOWN_TRANSFER_ID, message: 'Unknown transfer ID' });
    this.socket.send(packet, remote.port, remote.address, () => {});
  }

  private receiveOack(packet: OackPacket): void {
    if (this.phase === 'transfer') {
      // The server did not get our ACK 0 and sent its OACK again.
      if (this.negotiated.optionsAccepted && this.blocksReceived === 0) this.answerStale();
      return;
    }
    const result = this.checkOack(packet.options);
    if (typeof result === 'string') {
      this.sendErrorToServer(TFTP_ERROR_CODE.OPTION_NEGOTIATION_REFUSED, `Bad OACK: ${result}`);
      this.fail('TFTP_ERROR', `TFTP server ${describeServer(this.settings)} answered with invalid options for ${this.settings.filename}: ${result}`);
      return;
    }
    if (result.tsize !== undefined && result.tsize > this.settings.maxBytes) {
      this.sendErrorToServer(TFTP_ERROR_CODE.DISK_FULL, `File too large: ${result.tsize} bytes, limit ${this.settings.maxBytes}`);
      this.fail('CTL_INVALID', this.tooLargeMessage(`is ${result.tsize} bytes (announced before the transfer)`));
      return;
    }
    this.negotiated = result;
    this.phase = 'transfer';
    this.progressed();
    this.sendAck(0, true);
  }

  /** Checks an OACK against what we asked (RFC 2347: a server may lower a value, never raise it). */
  private checkOack(options: TftpOptions): Negotiated | string {
    if (!this.askOptions) return 'the request carried no options';
    const negotiated: Negotiated = { blksize: DEFAULT_BLKSIZE, windowsize: 1, optionsAccepted: true };
    for (const [name, value] of options) {
      const number = parseOptionInteger(value);
      switch (name) {
        case OPTION.BLKSIZE:
          if (number === undefined || number < MIN_BLKSIZE || number > this.settings.blksize) {
            return `blksize ${printable(value)} is not from ${MIN_BLKSIZE} to the ${this.settings.blksize} requested`;
          }
          negotiated.blksize = number;
          break;
        case OPTION.WINDOWSIZE:
          if (number === undefined || number < MIN_WINDOWSIZE || number > this.settings.windowsize) {
            return `windowsize ${printable(value)} is not from ${MIN_WINDOWSIZE} to the ${this.settings.windowsize} requested`;
          }
          negotiated.windowsize = number;
          break;
        case OPTION.TIMEOUT:
          if (number !== this.requestedTimeoutSeconds()) {
            return `timeout ${printable(value)} is not the ${this.requestedTimeoutSeconds()} s requested`;
          }
          break;
        case OPTION.TSIZE:
          if (number === undefined) return `tsize ${printable(value)} is not a byte count`;
          negotiated.tsize = number;
          break;
        default:
          return `option ${printable(name)} was not requested`;
      }
    }
    return negotiated;
  }

  private receiveData(packet: DataPacket): void {
    if (this.phase === 'request') {
      // No OACK: the server ignores options (RFC 2347), so this is plain RFC 1350 lockstep.
      this.phase = 'transfer';
      this.negotiated = { blksize: DEFAULT_BLKSIZE, windowsize: 1, optionsAccepted: false };
    }
    const expected = (this.blocksReceived + 1) % BLOCK_MODULO;
    if (packet.block !== expected) {
      // A duplicate (our ACK was lost or the network doubled it) or a gap in the window: either way the
      // server needs to hear which block we have, once.
      this.answerStale();
      return;
    }
    if (packet.data.length > this.negotiated.blksize) {
      this.protocolFault(`DATA block ${packet.block} has ${packet.data.length} bytes, more than the block size ${this.negotiated.blksize}`);
      return;
    }
    this.receivedBytes += packet.data.length;
    if (this.receivedBytes > this.settings.maxBytes) {
      this.sendErrorToServer(TFTP_ERROR_CODE.DISK_FULL, `File too large: limit ${this.settings.maxBytes} bytes`);
      this.fail('CTL_INVALID', this.tooLargeMessage(`exceeds the limit after ${this.receivedBytes} bytes were received`));
      return;
    }
    this.chunks.push(packet.data);
    this.blocksReceived++;
    this.blocksInWindow++;
    this.progressed();
    if (packet.data.length < this.negotiated.blksize) {
      this.sendAck(this.blocksReceived, false);
      this.finish();
    } else if (this.blocksInWindow >= this.negotiated.windowsize) {
      this.blocksInWindow = 0;
      this.sendAck(this.blocksReceived, true);
    }
  }

  private answerStale(): void {
    if (this.staleAnswered) return;
    this.staleAnswered = true;
    this.blocksInWindow = 0;
    this.sendAck(this.blocksReceived, true);
  }

  /** An answer that moves the transfer forward: count the round trip and give the next packet fresh tries. */
  private progressed(): void {
    if (this.awaitingAnswer) {
      this.stats.roundTrips++;
      this.awaitingAnswer = false;
    }
    this.staleAnswered = false;
    this.triesLeft = this.settings.tries;
    this.restartTimer();
  }

  private serverError(packet: ErrorPacket): void {
    const text = printable(packet.message) || tftpErrorName(packet.code);
    const server = describeServer(this.settings);
    if (packet.code === TFTP_ERROR_CODE.OPTION_NEGOTIATION_REFUSED && this.phase === 'request' && this.askOptions) {
      // A server that rejects options outright: ask again without them, as a new transfer.
      this.askOptions = false;
      this.transferId = undefined;
      this.triesLeft = this.settings.tries;
      this.sendRequest();
      return;
    }
    if (packet.code === TFTP_ERROR_CODE.FILE_NOT_FOUND) {
      this.fail(
        'CTL_NOT_FOUND',
        `TFTP server ${server} has no file ${this.settings.filename} (TFTP error 1: ${text}): the cluster is probably not in mixed mode`,
      );
      return;
    }
    this.fail('TFTP_ERROR', `TFTP server ${server} refused ${this.settings.filename}: TFTP error ${packet.code} (${tftpErrorName(packet.code)}): ${text}`);
  }

  private protocolFault(why: string): void {
    this.sendErrorToServer(TFTP_ERROR_CODE.ILLEGAL_OPERATION, 'Illegal TFTP operation');
    this.fail('TFTP_ERROR', `TFTP server ${describeServer(this.settings)} broke the protocol while sending ${this.settings.filename}: ${why}`);
  }

  private tooLargeMessage(detail: string): string {
    return `${this.settings.filename} on TFTP server ${describeServer(this.settings)} ${detail}; the limit is ${this.settings.maxBytes} bytes`;
  }

  // ---- timers, errors, ending ----

  private restartTimer(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.timedOut(), this.settings.timeoutMs);
  }

  private timedOut(): void {
    if (this.phase === 'finished' || !this.lastSent) return;
    this.triesLeft--;
    if (this.triesLeft <= 0) {
      const server = describeServer(this.settings);
      const tries = `${this.settings.tries} tries of ${this.settings.timeoutMs} ms`;
      this.fail(
        'NETWORK_TIMEOUT',
        this.transferId
          ? `TFTP server ${server} stopped answering after block ${this.blocksReceived} of ${this.settings.filename} (${tries})`
          : `TFTP server ${server} did not answer the request for ${this.settings.filename} (${tries})`,
      );
      return;
    }
    this.stats.retransmissions++;
    this.staleAnswered = false;
    this.transmit(this.lastSent);
    this.restartTimer();
  }

  private deadlineReached(): void {
    if (this.phase === 'finished') return;
    this.sendErrorToServer(TFTP_ERROR_CODE.UNDEFINED, 'Transfer took too long');
    this.fail(
      'NETWORK_TIMEOUT',
      `TFTP server ${describeServer(this.settings)} did not finish sending ${this.settings.filename} within ${this.settings.deadlineMs / 1000} s ` +
        `(the limit for one transfer; ${this.receivedBytes} bytes in ${this.blocksReceived} blocks had arrived)`,
    );
  }

  private socketError(error: NodeJS.ErrnoException): void {
    if (this.phase === 'finished') return;
    const server = describeServer(this.settings);
    if (error.code === 'ECONNREFUSED') {
      // ICMP port unreachable only concerns the request port; once a transfer ID answered it is stale.
      if (this.transferId) return;
      this.fail('NETWORK_UNREACHABLE', `Nothing is listening on TFTP server ${server} (ICMP port unreachable)`);
      return;
    }
    this.fail('NETWORK_UNREACHABLE', `Cannot reach TFTP server ${server}: ${errorText(error)}`);
  }

  private abort(): void {
    if (this.phase === 'finished') return;
    this.sendErrorToServer(TFTP_ERROR_CODE.UNDEFINED, 'Transfer cancelled');
    const error = cancelled(this.settings);
    this.end();
    this.settle?.reject(error);
  }

  private fail(code: ErrorCode, message: string): void {
    if (this.phase === 'finished') return;
    this.end();
    this.settle?.reject(new CtiError(code, message));
  }

  private finish(): void {
    this.end();
    const data = Buffer.concat(this.chunks, this.receivedBytes);
    this.settle?.resolve({
      data,
      stats: {
        ...this.stats,
        blksize: this.negotiated.blksize,
        windowsize: this.negotiated.windowsize,
        optionsAccepted: this.negotiated.optionsAccepted,
        ...(this.negotiated.tsize === undefined ? {} : { tsize: this.negotiated.tsize }),
        durationMs: monotonicMs() - this.startedAt,
      },
    });
  }

  private end(): void {
    this.phase = 'finished';
    clearTimeout(this.timer);
    clearTimeout(this.deadline);
  }
}
