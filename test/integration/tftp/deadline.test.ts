/**
 * A hostile TFTP server of the test's own on loopback that drips small blocks, each well inside the
 * per-packet timeout: the client gives up at its overall deadline instead of staying busy for hours.
 */
import dgram from 'node:dgram';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { CtiError } from '../../../shared/errors.ts';
import { tftpGet, TFTP_GET_DEFAULTS } from '../../../electron/core/tftp/client.ts';
import { OPCODE, decodePacket, encodeData } from '../../../electron/core/tftp/packets.ts';

const HOST = '127.0.0.1';
const BLOCK = Buffer.alloc(512, 0x5a);
/** Far below the client's 2 s per-packet timeout: the transfer always looks alive. */
const DRIP_MS = 100;

interface DripServer {
  port: number;
  acks: number;
  errors: number;
  close(): Promise<void>;
}

const servers: DripServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** Answers a read request with full 512-byte blocks, one per ACK after a pause, and never a last one. */
async function startDripServer(): Promise<DripServer> {
  const listener = dgram.createSocket('udp4');
  const transfers: dgram.Socket[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server: DripServer = {
    port: 0,
    acks: 0,
    errors: 0,
    async close() {
      for (const timer of timers) clearTimeout(timer);
      await Promise.all([listener, ...transfers].map((socket) => new Promise<void>((resolve) => socket.close(() => resolve()))));
    },
  };
  listener.on('message', (message, client) => {
    if (decodePacket(message).opcode !== OPCODE.RRQ) return;
    // Options are ignored, as an RFC 1350 server does: 512-byte lockstep.
    const transfer = dgram.createSocket('udp4');
    transfers.push(transfer);
    const send = (block: number) => transfer.send(encodeData({ block, data: BLOCK }), client.port, client.address);
    transfer.on('message', (reply) => {
      const packet = decodePacket(reply);
      if (packet.opcode === OPCODE.ERROR) server.errors++;
      if (packet.opcode !== OPCODE.ACK) return;
      server.acks++;
      const timer = setTimeout(() => {
        timers.delete(timer);
        send((packet.block + 1) % 65536);
      }, DRIP_MS);
      timers.add(timer);
    });
    transfer.bind(0, HOST, () => send(1));
  });
  listener.bind(0, HOST);
  await once(listener, 'listening');
  server.port = listener.address().port;
  servers.push(server);
  return server;
}

describe('TFTP overall deadline', () => {
  it('is on by default, at tens of seconds', () => {
    expect(TFTP_GET_DEFAULTS.deadlineMs).toBe(60_000);
  });

  it('gives up on a server that drips blocks forever, with a timeout naming the limit, and tells the server', async () => {
    const server = await startDripServer();
    const error = await tftpGet({ host: HOST, port: server.port, filename: 'CTLFile.tlv', deadlineMs: 3000 }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(CtiError);
    expect((error as CtiError).code).toBe('NETWORK_TIMEOUT');
    expect((error as CtiError).message).toMatch(/did not finish sending CTLFile\.tlv within 3 s \(the limit for one transfer; \d+ bytes in \d+ blocks had arrived\)/);
    // The transfer was alive (blocks kept coming and were acknowledged), so only the deadline stopped it.
    expect(server.acks).toBeGreaterThanOrEqual(2);
    await expect.poll(() => server.errors).toBe(1);
  });

  it('refuses a deadline that is not a positive number of milliseconds', async () => {
    const error = await tftpGet({ host: HOST, port: 69, filename: 'CTLFile.tlv', deadlineMs: 0 }).catch((err: unknown) => err);
    expect((error as CtiError).code).toBe('BAD_INPUT');
    expect((error as CtiError).message).toMatch(/deadlineMs must be an integer from 1/);
  });
});
