/**
 * A small read-only TFTP server (the lab's stand-in for a cluster's TFTP service). It answers read
 * requests with files from `readFile`, negotiates blksize, tsize, timeout and windowsize (RFC 2347–2349,
 * 7440), refuses writes and path-like names, and serves each transfer from a new socket (a new TID).
 */
import dgram from 'node:dgram';
import { once } from 'node:events';
import { isIP } from 'node:net';
import { silentLogger, type Logger } from '../../core/log.ts';
import {
  DEFAULT_BLKSIZE,
  MAX_BLKSIZE,
  MAX_TIMEOUT_S,
  MAX_WINDOWSIZE,
  MIN_BLKSIZE,
  MIN_TIMEOUT_S,
  MIN_WINDOWSIZE,
  MODE_NETASCII,
  MODE_OCTET,
  OPCODE,
  OPTION,
  TFTP_ERROR_CODE,
  decodeRequest,
  encodeError,
  parseOptionInteger,
  type RequestPacket,
  type TftpOptions,
} from '../../core/tftp/packets.ts';
import { runReadTransfer, type TransferPlan } from './server-transfer.ts';

export interface TftpServerOptions {
  /** Address to listen on; default 127.0.0.1. */
  host?: string;
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** The file for a name, or undefined when there is none. Names reaching it never hold '/', '\', '..' or NUL. */
  readFile: (name: string) => Buffer | undefined | Promise<Buffer | undefined>;
  logger?: Logger;
  /** Transfers served at once; further requests get ERROR 0 "busy". Default 16. */
  maxTransfers?: number;
  /** Retransmission timeout when the client asks for none; default 1000 ms. */
  timeoutMs?: number;
  /** How often a packet is sent before the transfer is dropped; default 5. */
  tries?: number;
  /** Largest window granted; default 64. */
  maxWindowsize?: number;
}

export interface TftpServer {
  host: string;
  port: number;
  close(): Promise<void>;
}

export async function startTftpServer(options: TftpServerOptions): Promise<TftpServer> {
  const host = options.host ?? '127.0.0.1';
  const logger = options.logger ?? silentLogger;
  const limits = {
    maxTransfers: options.maxTransfers ?? 16,
    timeoutMs: options.timeoutMs ?? 1000,
    tries: options.tries ?? 5,
    maxWindowsize: Math.min(options.maxWindowsize ?? 64, MAX_WINDOWSIZE),
  };
  const type = isIP(host) === 6 ? 'udp6' : 'udp4';
  const listener = dgram.createSocket(type);
  listener.on('error', (error) => logger.log('error', 'tftp.server.error', { reason: error.message }));
  listener.bind(options.port ?? 0, host);
  await once(listener, 'listening');
  const pending = new Set<Promise<void>>();
  const transfers = new Set<() => void>();
  let closing = false;

  /** Resolves once the ERROR left, so the caller may close the socket without dropping it. */
  const refuse = (socket: dgram.Socket, remote: dgram.RemoteInfo, code: number, message: string, fields: Record<string, unknown>): Promise<void> => {
    logger.log('warn', 'tftp.refused', { client: `${remote.address}:${remote.port}`, code, message, ...fields });
    return new Promise((resolve) => socket.send(encodeError({ code, message }), remote.port, remote.address, () => resolve()));
  };

  const handleRequest = async (message: Buffer, remote: dgram.RemoteInfo): Promise<void> => {
    let request: RequestPacket;
    try {
      request = decodeRequest(message);
    } catch (err) {
      // Stray non-requests (an ACK or DATA sent to the wrong port) are not answered from the listening port.
      if (message.length >= 2 && message.readUInt16BE(0) > OPCODE.WRQ) return;
      void refuse(listener, remote, TFTP_ERROR_CODE.ILLEGAL_OPERATION, 'Malformed request', { reason: (err as Error).message });
      return;
    }
    if (pending.size >= limits.maxTransfers) {
      void refuse(listener, remote, TFTP_ERROR_CODE.UNDEFINED, 'Server busy, try again later', { file: request.filename });
      return;
    }
    // Each transfer gets its own socket, so even a refusal comes from a new transfer ID, as RFC 1350 has it.
    const socket = dgram.createSocket(type);
    socket.on('error', () => {});
    socket.bind(0, host);
    await once(socket, 'listening');
    let plan: TransferPlan;
    try {
      plan = await planTransfer(request, options.readFile, limits);
    } catch (err) {
      const refusal = err instanceof Refusal ? err : new Refusal(TFTP_ERROR_CODE.UNDEFINED, 'Cannot read the file');
      if (!(err instanceof Refusal)) logger.log('error', 'tftp.read.failed', { file: request.filename, reason: (err as Error).message });
      if (!closing) await refuse(socket, remote, refusal.tftpCode, refusal.message, { file: request.filename });
      await new Promise<void>((resolve) => socket.close(() => resolve()));
      return;
    }
    if (closing) {
      await new Promise<void>((resolve) => socket.close(() => resolve()));
      return;
    }
    logger.log('info', 'tftp.request', { client: `${remote.address}:${remote.port}`, file: request.filename, options: Object.fromEntries(request.options) });
    const transfer = runReadTransfer(plan, { socket, client: { address: remote.address, port: remote.port }, logger });
    transfers.add(transfer.stop);
    await transfer.done;
    transfers.delete(transfer.stop);
  };

  listener.on('message', (message, remote) => {
    if (closing) return;
    const handling = handleRequest(message, remote).catch((err: Error) => logger.log('error', 'tftp.server.error', { reason: err.message }));
    pending.add(handling);
    void handling.finally(() => pending.delete(handling));
  });

  const address = listener.address();
  return {
    host,
    port: address.port,
    async close() {
      if (closing) return;
      closing = true;
      for (const stop of transfers) stop();
      await new Promise<void>((resolve) => listener.close(() => resolve()));
      await Promise.all(pending);
    },
  };
}

class Refusal extends Error {
  constructor(
    readonly tftpCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** Validates the request and decides the options to grant; throws Refusal with the TFTP error to send. */
async function planTransfer(
  request: RequestPacket,
  readFile: TftpServerOptions['readFile'],
  limits: { timeoutMs: number; tries: number; maxWindowsize: number },
): Promise<TransferPlan> {
  if (request.opcode === OPCODE.WRQ) throw new Refusal(TFTP_ERROR_CODE.ACCESS_VIOLATION, 'This server is read-only');
  if (request.mode !== MODE_OCTET && request.mode !== MODE_NETASCII) {
    throw new Refusal(TFTP_ERROR_CODE.ILLEGAL_OPERATION, `Unsupported transfer mode ${request.mode}`);
  }
  if (!isPlainFileName(request.filename)) throw new Refusal(TFTP_ERROR_CODE.ACCESS_VIOLATION, 'File names may not contain paths');
  const file = await readFile(request.filename);
  if (file === undefined) throw new Refusal(TFTP_ERROR_CODE.FILE_NOT_FOUND, 'File not found');
  const data = request.mode === MODE_NETASCII ? toNetascii(file) : file;
  const { granted, blksize, windowsize, timeoutMs } = grantOptions(request.options, data.length, limits);
  return {
    file: request.filename,
    data,
    blksize,
    windowsize,
    timeoutMs,
    tries: limits.tries,
    ...(granted.size > 0 ? { oack: granted } : {}),
  };
}

function isPlainFileName(name: string): boolean {
  return name.length > 0 && !/[/\\\0]/.test(name) && !name.includes('..');
}

/** RFC 2347: options the server does not support or values out of range are left out of the OACK. */
function grantOptions(
  requested: TftpOptions,
  size: number,
  limits: { timeoutMs: number; maxWindowsize: number },
): { granted: TftpOptions; blksize: number; windowsize: number; timeoutMs: number } {
  const granted: TftpOptions = new Map();
  let blksize = DEFAULT_BLKSIZE;
  let windowsize = 1;
  let timeoutMs = limits.timeoutMs;
  for (const [name, value] of requested) {
    const number = parseOptionInteger(value);
    if (number === undefined) continue;
    if (name === OPTION.BLKSIZE && number >= MIN_BLKSIZE) {
      blksize = Math.min(number, MAX_BLKSIZE);
      granted.set(name, String(blksize));
    } else if (name === OPTION.WINDOWSIZE && number >= MIN_WINDOWSIZE) {
      windowsize = Math.min(number, limits.maxWindowsize);
      granted.set(name, String(windowsize));
    } else if (name === OPTION.TIMEOUT && number >= MIN_TIMEOUT_S && number <= MAX_TIMEOUT_S) {
      timeoutMs = number * 1000;
      granted.set(name, String(number));
    } else if (name === OPTION.TSIZE) {
      granted.set(name, String(size));
    }
  }
  return { granted, blksize, windowsize, timeoutMs };
}

/** netascii (RFC 764): CR LF line ends, and a bare CR sent as CR NUL. */
function toNetascii(data: Buffer): Buffer {
  const out: number[] = [];
  for (const byte of data) {
    if (byte === 0x0a) out.push(0x0d, 0x0a);
    else if (byte === 0x0d) out.push(0x0d, 0x00);
    else out.push(byte);
  }
  return Buffer.from(out);
}
