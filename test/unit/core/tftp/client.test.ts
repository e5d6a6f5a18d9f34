/**
 * The client against scripted servers on real loopback sockets: each test plays one server behaviour
 * (bad OACK, oversize tsize, silence, ...) that a well-behaved real server never shows.
 */
import dgram from 'node:dgram';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { tftpGet } from '../../../../electron/core/tftp/client.ts';
import {
  OPCODE,
  TFTP_ERROR_CODE,
  decodePacket,
  encodeData,
  encodeError,
  encodeOack,
  type RequestPacket,
  type TftpPacket,
} from '../../../../electron/core/tftp/packets.ts';
import { ctiRejection } from '../../../helpers/rejection.ts';

const HOST = '127.0.0.1';

interface Peer {
  request: RequestPacket;
  send(bytes: Buffer): void;
  /** Packets the client sent to this transfer ID. */
  received: TftpPacket[];
  next(): Promise<TftpPacket>;
}

interface ScriptedServer {
  port: number;
  requests: RequestPacket[];
  close(): Promise<void>;
}

const toClose: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(toClose.splice(0).map((s) => s.close()));
});

/** Listens for requests; each one gets a fresh transfer-ID socket and is handed to `script`. */
async function scriptedServer(script: (peer: Peer) => void | Promise<void>): Promise<ScriptedServer> {
  const sockets: dgram.Socket[] = [];
  const open = async (): Promise<dgram.Socket> => {
    const socket = dgram.createSocket('udp4');
    sockets.push(socket);
    socket.bind(0, HOST);
    await once(socket, 'listening');
    return socket;
  };
  const listener = await open();
  const requests: RequestPacket[] = [];
  listener.on('message', (bytes, client) => {
    const request = decodePacket(bytes);
    if (request.opcode !== OPCODE.RRQ) return;
    requests.push(request);
    void open().then((tid) => {
      const received: TftpPacket[] = [];
      const waiting: ((p: TftpPacket) => void)[] = [];
      tid.on('message', (reply) => {
        const packet = decodePacket(reply);
        received.push(packet);
        waiting.shift()?.(packet);
      });
      let read = 0;
      const peer: Peer = {
        request,
        received,
        send: (out) => tid.send(out, client.port, client.address),
        next: () => (read < received.length ? Promise.resolve(received[read++]!) : new Promise((resolve) => waiting.push((p) => (read++, resolve(p))))),
      };
      return script(peer);
    });
  });
  const server = {
    port: listener.address().port,
    requests,
    close: () => Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve())))).then(() => {}),
  };
  toClose.push(server);
  return server;
}

async function expectCtiError(promise: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const error = await ctiRejection(promise);
  expect(error.code).toBe(code);
  expect(error.message).toMatch(message);
}

const base = { host: HOST, filename: 'CTLFile.tlv', timeoutMs: 1000, tries: 3 };

describe('tftpGet against scripted servers', () => {
  it('asks for blksize, tsize, timeout in seconds and windowsize in an octet RRQ', async () => {
    const server = await scriptedServer((peer) => peer.send(encodeData({ block: 1, data: Buffer.from('hi') })));
    await tftpGet({ ...base, port: server.port, timeoutMs: 2500 });
    expect(server.requests[0]).toMatchObject({ filename: 'CTLFile.tlv', mode: 'octet' });
    expect(Object.fromEntries(server.requests[0]!.options)).toEqual({ blksize: '1468', tsize: '0', timeout: '3', windowsize: '8' });
  });

  it('refuses an OACK that grants a bigger block than asked, with ERROR 8 to the server', async () => {
    let peerSeen: Peer | undefined;
    const server = await scriptedServer((peer) => {
      peerSeen = peer;
      peer.send(encodeOack({ options: new Map([['blksize', '9000']]) }));
    });
    await expectCtiError(tftpGet({ ...base, port: server.port }), 'TFTP_ERROR', /invalid options.*blksize 9000.*1468/);
    expect(await peerSeen!.next()).toMatchObject({ opcode: OPCODE.ERROR, code: TFTP_ERROR_CODE.OPTION_NEGOTIATION_REFUSED });
  });

  it.each([
    ['an option that was not requested', [['rollover', '0']], /option rollover was not requested/],
    ['a bigger window', [['windowsize', '9']], /windowsize 9/],
    ['another timeout', [['timeout', '5']], /timeout 5/],
    ['a tsize that is not a number', [['tsize', 'many']], /tsize many/],
  ])('refuses an OACK with %s', async (_name, options, message) => {
    const server = await scriptedServer((peer) => peer.send(encodeOack({ options: new Map(options as [string, string][]) })));
    await expectCtiError(tftpGet({ ...base, port: server.port }), 'TFTP_ERROR', message);
  });

  it('refuses a file whose tsize is over maxBytes before any DATA, with ERROR 3 to the server', async () => {
    let peerSeen: Peer | undefined;
    const server = await scriptedServer((peer) => {
      peerSeen = peer;
      peer.send(encodeOack({ options: new Map([['tsize', '2000000']]) }));
    });
    await expectCtiError(tftpGet({ ...base, port: server.port }), 'CTL_INVALID', /2000000 bytes.*limit is 1048576 bytes/);
    expect(await peerSeen!.next()).toMatchObject({ opcode: OPCODE.ERROR, code: TFTP_ERROR_CODE.DISK_FULL });
  });

  it('counts bytes when the server sends no tsize, and stops at maxBytes', async () => {
    const server = await scriptedServer(async (peer) => {
      for (let block = 1; block <= 3; block++) {
        peer.send(encodeData({ block, data: Buffer.alloc(512, block) }));
        const ack = await peer.next();
        if (ack.opcode !== OPCODE.ACK) return;
      }
    });
    await expectCtiError(tftpGet({ ...base, port: server.port, maxBytes: 1000 }), 'CTL_INVALID', /after 1024 bytes.*limit is 1000 bytes/);
  });

  it('asks again without options when the server answers ERROR 8, and falls back to 512-byte lockstep', async () => {
    const server = await scriptedServer((peer) => {
      if (peer.request.options.size > 0) peer.send(encodeError({ code: TFTP_ERROR_CODE.OPTION_NEGOTIATION_REFUSED, message: 'no options' }));
      else peer.send(encodeData({ block: 1, data: Buffer.from('plain') }));
    });
    const result = await tftpGet({ ...base, port: server.port });
    expect(result.data.toString()).toBe('plain');
    expect(result.stats).toMatchObject({ optionsAccepted: false, blksize: 512, windowsize: 1 });
    expect(server.requests.map((r) => r.options.size)).toEqual([4, 0]);
  });

  it('answers a repeated OACK (its ACK 0 was lost) with ACK 0 again', async () => {
    const server = await scriptedServer(async (peer) => {
      const oack = encodeOack({ options: new Map([['blksize', '1468']]) });
      peer.send(oack);
      expect(await peer.next()).toEqual({ opcode: OPCODE.ACK, block: 0 });
      peer.send(oack); // as if that ACK 0 never arrived
      expect(await peer.next()).toEqual({ opcode: OPCODE.ACK, block: 0 });
      peer.send(encodeData({ block: 1, data: Buffer.from('x') }));
    });
    const result = await tftpGet({ ...base, port: server.port });
    expect(result.data.toString()).toBe('x');
  });

  it('fails on a DATA block larger than the negotiated block size, with ERROR 4', async () => {
    let peerSeen: Peer | undefined;
    const server = await scriptedServer((peer) => {
      peerSeen = peer;
      peer.send(encodeData({ block: 1, data: Buffer.alloc(600) }));
    });
    await expectCtiError(tftpGet({ ...base, port: server.port }), 'TFTP_ERROR', /600 bytes, more than the block size 512/);
    expect(await peerSeen!.next()).toMatchObject({ opcode: OPCODE.ERROR, code: TFTP_ERROR_CODE.ILLEGAL_OPERATION });
  });

  it('reports other server errors with their code and text', async () => {
    const server = await scriptedServer((peer) => peer.send(encodeError({ code: 2, message: 'Permission denied\u0007' })));
    await expectCtiError(tftpGet({ ...base, port: server.port }), 'TFTP_ERROR', /TFTP error 2 \(access violation\): Permission denied$/);
  });

  it('maps ERROR 1 to CTL_NOT_FOUND with a mixed-mode hint', async () => {
    const server = await scriptedServer((peer) => peer.send(encodeError({ code: 1, message: 'File not found' })));
    await expectCtiError(
      tftpGet({ ...base, port: server.port }),
      'CTL_NOT_FOUND',
      new RegExp(`^TFTP server 127\\.0\\.0\\.1:${server.port} has no file CTLFile\\.tlv \\(TFTP error 1: File not found\\): the cluster is probably not in mixed mode$`),
    );
  });

  it('sends the request `tries` times to a silent server, then fails with NETWORK_TIMEOUT', async () => {
    const server = await scriptedServer(() => {});
    await expectCtiError(tftpGet({ ...base, port: server.port, tries: 3, timeoutMs: 100 }), 'NETWORK_TIMEOUT', /did not answer.*3 tries of 100 ms/);
    expect(server.requests).toHaveLength(3);
  });

  it('fails with NETWORK_TIMEOUT when the server stops mid-transfer', async () => {
    const server = await scriptedServer((peer) => peer.send(encodeData({ block: 1, data: Buffer.alloc(512) })));
    await expectCtiError(tftpGet({ ...base, port: server.port, tries: 2, timeoutMs: 100 }), 'NETWORK_TIMEOUT', /stopped answering after block 1/);
  });

  it.each([
    [{ port: 0 }, /port must be an integer from 1 to 65535/],
    [{ blksize: 7 }, /blksize must be an integer from 8 to 65464/],
    [{ windowsize: 0 }, /windowsize must be an integer from 1 to 65535/],
    [{ tries: 0 }, /tries must be an integer from 1 to 100/],
    [{ filename: '' }, /file name must be non-empty/],
    [{ host: ' ' }, /host must not be empty/],
  ])('rejects bad options %o with BAD_INPUT', async (override, message) => {
    await expectCtiError(tftpGet({ ...base, port: 69, ...override }), 'BAD_INPUT', message);
  });

  it('is cancelled at once by an aborted signal', async () => {
    await expectCtiError(tftpGet({ ...base, port: 69, signal: AbortSignal.abort() }), 'CANCELLED', /CTLFile\.tlv.*cancelled/);
  });
});
