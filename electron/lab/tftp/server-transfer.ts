/**
 * One read transfer of the TFTP server, on its own UDP socket (its transfer ID). Sends windows of DATA
 * (RFC 7440; lockstep is a window of 1), advances only on an ACK that moves forward, ignores duplicate
 * ACKs (the sorcerer's apprentice fix of RFC 1123), and retransmits on timeout a bounded number of times.
 */
import type { RemoteInfo, Socket } from 'node:dgram';
import type { Logger } from '../../core/log.ts';
import {
  BLOCK_MODULO,
  OPCODE,
  TFTP_ERROR_CODE,
  decodePacket,
  encodeData,
  encodeError,
  encodeOack,
  type TftpOptions,
  type TftpPacket,
} from '../../core/tftp/packets.ts';

export interface TransferPlan {
  file: string;
  data: Buffer;
  blksize: number;
  windowsize: number;
  timeoutMs: number;
  tries: number;
  /** The options granted; when set the transfer starts with an OACK and waits for ACK 0. */
  oack?: TftpOptions;
}

export interface TransferPeer {
  socket: Socket;
  client: { address: string; port: number };
  logger: Logger;
}

/** Runs the transfer; resolves when it ended (sent, failed or stopped). Never rejects. */
export function runReadTransfer(plan: TransferPlan, peer: TransferPeer): { done: Promise<void>; stop(): void } {
  const { socket, client, logger } = peer;
  const totalBlocks = Math.floor(plan.data.length / plan.blksize) + 1; // a short (maybe empty) block ends the file
  let acked = 0; // blocks acknowledged, as a count
  let sentUpTo = 0; // highest block sent in the current window, as a count
  let waitingForAck0 = plan.oack !== undefined;
  let triesLeft = plan.tries;
  let timer: NodeJS.Timeout | undefined;
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => (finish = resolve));
  let ended = false;
  let inFlight = 0;
  let drained: (() => void) | undefined;

  const end = (event: string, fields: Record<string, unknown> = {}): void => {
    if (ended) return;
    ended = true;
    clearTimeout(timer);
    socket.removeAllListeners('message');
    logger.log(event === 'tftp.sent' ? 'info' : 'warn', event, { file: plan.file, client: `${client.address}:${client.port}`, ...fields });
    const close = (): void => {
      try {
        socket.close(() => finish());
      } catch {
        finish();
      }
    };
    // A final ERROR may still be on its way out: closing first would drop it.
    if (inFlight > 0) drained = close;
    else close();
  };

  const send = (packet: Buffer): void => {
    inFlight++;
    socket.send(packet, client.port, client.address, (error) => {
      inFlight--;
      if (inFlight === 0) drained?.();
      if (error) end('tftp.failed', { reason: error.message });
    });
  };

  const sendWindow = (): void => {
    if (waitingForAck0 && plan.oack) {
      send(encodeOack({ options: plan.oack }));
    } else {
      sentUpTo = Math.min(acked + plan.windowsize, totalBlocks);
      for (let block = acked + 1; block <= sentUpTo; block++) {
        const start = (block - 1) * plan.blksize;
        send(encodeData({ block: block % BLOCK_MODULO, data: plan.data.subarray(start, start + plan.blksize) }));
      }
    }
    clearTimeout(timer);
    timer = setTimeout(timedOut, plan.timeoutMs);
  };

  const timedOut = (): void => {
    triesLeft--;
    if (triesLeft <= 0) {
      end('tftp.failed', { reason: `no ACK after ${plan.tries} tries`, acked });
      return;
    }
    sendWindow();
  };

  const receiveAck = (block: number): void => {
    if (waitingForAck0) {
      if (block !== 0) return;
      waitingForAck0 = false;
    } else {
      // Map the 16-bit number onto the blocks in flight; anything else is old or bogus.
      const advance = (block - (acked % BLOCK_MODULO) + BLOCK_MODULO) % BLOCK_MODULO;
      if (advance === 0 || advance > sentUpTo - acked) return; // duplicate: never resend on it
      acked += advance;
      if (acked === totalBlocks) {
        end('tftp.sent', { bytes: plan.data.length, blocks: totalBlocks });
        return;
      }
    }
    triesLeft = plan.tries;
    sendWindow();
  };

  const receive = (message: Buffer, remote: RemoteInfo): void => {
    if (remote.address !== client.address || remote.port !== client.port) {
      if (message.length >= 2 && message.readUInt16BE(0) === OPCODE.ERROR) return;
      socket.send(encodeError({ code: TFTP_ERROR_CODE.UNKNOWN_TRANSFER_ID, message: 'Unknown transfer ID' }), remote.port, remote.address);
      return;
    }
    let packet: TftpPacket;
    try {
      packet = decodePacket(message);
    } catch (err) {
      send(encodeError({ code: TFTP_ERROR_CODE.ILLEGAL_OPERATION, message: 'Malformed packet' }));
      end('tftp.failed', { reason: (err as Error).message });
      return;
    }
    if (packet.opcode === OPCODE.ACK) receiveAck(packet.block);
    else if (packet.opcode === OPCODE.ERROR) end('tftp.failed', { reason: `client sent TFTP error ${packet.code}` });
    else {
      send(encodeError({ code: TFTP_ERROR_CODE.ILLEGAL_OPERATION, message: 'Illegal TFTP operation' }));
      end('tftp.failed', { reason: `client sent opcode ${packet.opcode}` });
    }
  };

  socket.on('message', receive);
  socket.on('error', (error) => end('tftp.failed', { reason: error.message }));
  sendWindow();
  return { done, stop: () => end('tftp.stopped') };
}
