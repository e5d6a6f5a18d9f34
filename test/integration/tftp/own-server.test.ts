/** The own TFTP server with the own client, with curl and tftp-hpa as independent clients, and with raw packets. */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tftpGet } from '../../../electron/core/tftp/client.ts';
import { OPCODE, MODE_OCTET, decodePacket, encodeRequest, type TftpPacket } from '../../../electron/core/tftp/packets.ts';
import { startTftpServer, type TftpServer } from '../../../electron/lab/tftp/server.ts';
import { memoryLogger } from '../../../electron/core/log.ts';

const run = promisify(execFile);
const HOST = '127.0.0.1';
const files: Record<string, Buffer> = {
  'CTLFile.tlv': randomBytes(5 * 1024),
  'medium.bin': randomBytes(64 * 1024),
  'max.bin': randomBytes(1_048_576),
  'exact.bin': randomBytes(1468 * 8),
  'empty.bin': Buffer.alloc(0),
  'lines.txt': Buffer.from('a\nb\rc'),
  'rollover.bin': randomBytes(8 * 70_000),
};
const asked: string[] = [];
const logger = memoryLogger();
let server: TftpServer;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ctiprefs-tftp-'));
  server = await startTftpServer({
    logger,
    readFile: (name) => {
      asked.push(name);
      return files[name];
    },
  });
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

const get = (filename: string, extra = {}) => tftpGet({ host: HOST, port: server.port, filename, timeoutMs: 1000, ...extra });

/** Sends one raw request and returns the first answer and where it came from. */
async function rawRequest(bytes: Buffer): Promise<{ packet: TftpPacket; port: number }> {
  const socket = dgram.createSocket('udp4');
  socket.bind(0, HOST);
  await once(socket, 'listening');
  try {
    const answer = once(socket, 'message') as Promise<[Buffer, dgram.RemoteInfo]>;
    socket.send(bytes, server.port, HOST);
    const [message, remote] = await answer;
    return { packet: decodePacket(message), port: remote.port };
  } finally {
    socket.close();
  }
}

describe('own TFTP server with the own client', () => {
  it('fetches a 5 KB file in 2 round trips (RRQ→OACK, ACK 0→4 DATA)', async () => {
    const { data, stats } = await get('CTLFile.tlv');
    expect(data.equals(files['CTLFile.tlv']!)).toBe(true);
    expect(stats).toMatchObject({ roundTrips: 2, blksize: 1468, windowsize: 8, tsize: 5120, optionsAccepted: true, packetsSent: 3, packetsReceived: 5 }); // RRQ, ACK 0, final ACK
  });

  it.each(['medium.bin', 'max.bin', 'exact.bin', 'empty.bin'])('fetches %s intact', async (name) => {
    const { data, stats } = await get(name);
    expect(data.equals(files[name]!)).toBe(true);
    expect(stats.retransmissions).toBe(0);
  });

  it('handles block numbers rolling over past 65535 (blksize 8, 70001 blocks)', async () => {
    const { data, stats } = await get('rollover.bin', { blksize: 8, windowsize: 64 });
    expect(data.equals(files['rollover.bin']!)).toBe(true);
    expect(stats.blksize).toBe(8);
  });

  it('works in plain lockstep when asked for a window of 1 and blocks of 512', async () => {
    const { data, stats } = await get('medium.bin', { blksize: 512, windowsize: 1 });
    expect(data.equals(files['medium.bin']!)).toBe(true);
    expect(stats.roundTrips).toBe(1 + 129); // RRQ→OACK, then one per block (128 full + 1 empty)
  });

  it('answers a missing file with ERROR 1 (CTL_NOT_FOUND)', async () => {
    await expect(get('missing.tlv')).rejects.toMatchObject({ code: 'CTL_NOT_FOUND' });
  });
});

describe('own TFTP server with independent clients', () => {
  it.each([[[]], [['--tftp-blksize', '1024']], [['--tftp-blksize', '8']]])('serves curl %j', async (args) => {
    const out = join(dir, `curl-${args.length}-${args[1] ?? ''}.bin`);
    await run('/usr/bin/curl', ['-sS', '--max-time', '20', ...args, `tftp://${HOST}:${server.port}/medium.bin`, '-o', out]);
    expect((await readFile(out)).equals(files['medium.bin']!)).toBe(true);
  });

  it('serves tftp-hpa in binary and in netascii mode', async () => {
    await run('/usr/bin/tftp', ['-m', 'binary', HOST, String(server.port), '-c', 'get', 'exact.bin', join(dir, 'hpa.bin')]);
    expect((await readFile(join(dir, 'hpa.bin'))).equals(files['exact.bin']!)).toBe(true);
    // tftp-hpa converts netascii back to local line ends, so the bytes come back unchanged.
    await run('/usr/bin/tftp', ['-m', 'netascii', HOST, String(server.port), '-c', 'get', 'lines.txt', join(dir, 'lines.txt')]);
    expect((await readFile(join(dir, 'lines.txt'))).equals(files['lines.txt']!)).toBe(true);
  });
});

describe('own TFTP server refusals', () => {
  it('refuses writes with ERROR 2, from a new transfer ID', async () => {
    const { packet, port } = await rawRequest(encodeRequest({ opcode: OPCODE.WRQ, filename: 'x.bin', mode: MODE_OCTET, options: new Map() }));
    expect(packet).toMatchObject({ opcode: OPCODE.ERROR, code: 2 });
    expect(port).not.toBe(server.port);
  });

  it.each(['../etc/passwd', '/etc/passwd', 'dir\\file', '..', 'a/../CTLFile.tlv'])('refuses the path-like name %s without looking it up', async (name) => {
    const { packet } = await rawRequest(encodeRequest({ opcode: OPCODE.RRQ, filename: name, mode: MODE_OCTET, options: new Map() }));
    expect(packet).toMatchObject({ opcode: OPCODE.ERROR, code: 2 });
    expect(asked).not.toContain(name);
  });

  it('refuses the mail mode and malformed requests with ERROR 4', async () => {
    const mail = await rawRequest(encodeRequest({ opcode: OPCODE.RRQ, filename: 'CTLFile.tlv', mode: 'mail', options: new Map() }));
    expect(mail.packet).toMatchObject({ opcode: OPCODE.ERROR, code: 4 });
    const broken = await rawRequest(Buffer.from('\x00\x01CTLFile.tlv', 'latin1'));
    expect(broken.packet).toMatchObject({ opcode: OPCODE.ERROR, code: 4 });
  });

  it('grants no more than its limits: blksize 65464, windowsize 64', async () => {
    const { packet } = await rawRequest(
      encodeRequest({
        opcode: OPCODE.RRQ,
        filename: 'CTLFile.tlv',
        mode: MODE_OCTET,
        options: new Map([
          ['blksize', '65535'],
          ['windowsize', '1000'],
          ['timeout', '0'],
          ['tsize', '0'],
          ['unknown', '1'],
        ]),
      }),
    );
    expect(packet.opcode).toBe(OPCODE.OACK);
    if (packet.opcode === OPCODE.OACK) expect(Object.fromEntries(packet.options)).toEqual({ blksize: '65464', windowsize: '64', tsize: '5120' });
  });

  it('bounds concurrent transfers: a request over the limit gets ERROR 0 "busy"', async () => {
    const small = await startTftpServer({ readFile: (name) => files[name], maxTransfers: 1, timeoutMs: 5000, tries: 1 });
    const socket = dgram.createSocket('udp4');
    socket.bind(0, HOST);
    await once(socket, 'listening');
    try {
      const request = encodeRequest({ opcode: OPCODE.RRQ, filename: 'CTLFile.tlv', mode: MODE_OCTET, options: new Map() });
      const first = once(socket, 'message');
      socket.send(request, small.port, HOST); // never ACKed: it holds the only slot
      expect(decodePacket((await first)[0] as Buffer).opcode).toBe(OPCODE.DATA);
      const second = once(socket, 'message');
      socket.send(request, small.port, HOST);
      expect(decodePacket((await second)[0] as Buffer)).toMatchObject({ opcode: OPCODE.ERROR, code: 0, message: expect.stringMatching(/busy/) });
    } finally {
      socket.close();
      await small.close();
    }
  });

  it('logs requests without anything but names and numbers', () => {
    expect(logger.lines.some((line) => line.includes('"event":"tftp.request"') && line.includes('CTLFile.tlv'))).toBe(true);
  });
});
