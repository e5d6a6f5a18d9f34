/**
 * Loss, duplication, reordering and strangers, injected by a userspace UDP proxy between the client and a
 * real server (the own one, and tftpd-hpa).
 */
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tftpGet } from '../../../electron/core/tftp/client.ts';
import { OPCODE, MODE_OCTET, decodePacket, encodeAck, encodeData, encodeRequest } from '../../../electron/core/tftp/packets.ts';
import { startTftpServer, type TftpServer } from '../../../electron/lab/tftp/server.ts';
import { startTftpdHpa, type TftpdHpa } from '../../../scripts/lib/tftpd-hpa.ts';
import { startUdpProxy, type ProxiedPacket, type FaultAction, type UdpProxy, type ProxyLogEntry } from '../../helpers/udp-proxy.ts';

const HOST = '127.0.0.1';
const file = randomBytes(5 * 1024); // 10 full blocks of 512 and an empty 11th; 4 blocks of 1468
let server: TftpServer;
let hpa: TftpdHpa;
const proxies: UdpProxy[] = [];

beforeAll(async () => {
  server = await startTftpServer({ readFile: (name) => (name === 'f.bin' ? file : undefined) });
  hpa = await startTftpdHpa({ files: { 'f.bin': file } });
});
afterAll(async () => {
  await server?.close();
  await hpa?.stop();
});
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

async function proxyTo(target: { host: string; port: number }, fault: (p: ProxiedPacket) => FaultAction): Promise<UdpProxy> {
  const proxy = await startUdpProxy({ target, fault });
  proxies.push(proxy);
  return proxy;
}

/** Fault that hits the first packet matching, once. */
function once_(match: (p: ProxiedPacket) => boolean, action: FaultAction): (p: ProxiedPacket) => FaultAction {
  let done = false;
  return (p) => {
    if (done || !match(p)) return 'forward';
    done = true;
    return action;
  };
}

const isData = (block: number) => (p: ProxiedPacket) => p.direction === 'toClient' && p.packet?.opcode === OPCODE.DATA && p.packet.block === block;
const isAck = (block: number) => (p: ProxiedPacket) => p.direction === 'toServer' && p.packet?.opcode === OPCODE.ACK && p.packet.block === block;
const entries = (log: ProxyLogEntry[], direction: string, opcode: number, block?: number) =>
  log.filter((e) => e.direction === direction && e.opcode === opcode && (block === undefined || e.block === block));

const lockstep = { blksize: 512, windowsize: 1 };
/** For tests that must see no timer fire: a 3 s timeout (asked of the server too) outlasts any load. */
const patient = { timeoutMs: 3000 };
const get = (proxy: UdpProxy, extra = {}) => tftpGet({ host: proxy.host, port: proxy.port, filename: 'f.bin', timeoutMs: 1000, tries: 5, ...extra });

describe('TFTP under injected faults', () => {
  it('recovers a lost DATA block in lockstep (the server retransmits it)', async () => {
    const proxy = await proxyTo(server, once_(isData(3), 'drop'));
    const { data } = await get(proxy, lockstep);
    expect(data.equals(file)).toBe(true);
    expect(entries(proxy.log, 'toClient', OPCODE.DATA, 3).map((e) => e.action)).toEqual(['drop', 'forward']);
  });

  it('recovers a lost DATA block inside a window with one ACK for the last block in order', async () => {
    const proxy = await proxyTo(server, once_(isData(2), 'drop'));
    const { data, stats } = await get(proxy, { blksize: 512, windowsize: 4, ...patient });
    expect(data.equals(file)).toBe(true);
    expect(stats.windowsize).toBe(4);
    // Blocks 3 and 4 arrive after the gap: one ACK 1, not one per stray block.
    expect(entries(proxy.log, 'toServer', OPCODE.ACK, 1)).toHaveLength(1);
    // That ACK restarted the window at once: the client never had to time out.
    expect(stats.retransmissions).toBe(0);
  });

  it('recovers a lost ACK: the server resends, the duplicate DATA is re-ACKed and not appended', async () => {
    const proxy = await proxyTo(server, once_(isAck(1), 'drop'));
    const { data } = await get(proxy, lockstep);
    expect(data.equals(file)).toBe(true);
    expect(entries(proxy.log, 'toClient', OPCODE.DATA, 1)).toHaveLength(2);
    // The lost ACK, the re-ACK of the duplicate, and perhaps the client's own timed-out retransmission:
    // both sides wait the same negotiated timeout, so which fires first is a race.
    expect(entries(proxy.log, 'toServer', OPCODE.ACK, 1).length).toBeGreaterThanOrEqual(2);
    expect(entries(proxy.log, 'toServer', OPCODE.ACK, 1).length).toBeLessThanOrEqual(3);
  });

  it('recovers a lost ACK 0 after an OACK', async () => {
    const proxy = await proxyTo(server, once_(isAck(0), 'drop'));
    const { data, stats } = await get(proxy);
    expect(data.equals(file)).toBe(true);
    expect(stats.optionsAccepted).toBe(true);
    expect(entries(proxy.log, 'toClient', OPCODE.OACK)).toHaveLength(2);
  });

  it('appends duplicated DATA once, and the server never answers a duplicate ACK (sorcerer’s apprentice)', async () => {
    const proxy = await proxyTo(server, (p) => (p.direction === 'toClient' && p.packet?.opcode === OPCODE.DATA ? 'duplicate' : 'forward'));
    const { data } = await get(proxy, { ...lockstep, ...patient });
    expect(data.equals(file)).toBe(true);
    // Each DATA left the server once (the proxy doubled it): duplicate ACKs triggered no second copy.
    for (let block = 1; block <= 11; block++) expect(entries(proxy.log, 'toClient', OPCODE.DATA, block)).toHaveLength(1);
    // And the client answers each copy with at most one ACK.
    for (let block = 1; block <= 11; block++) expect(entries(proxy.log, 'toServer', OPCODE.ACK, block).length).toBeLessThanOrEqual(2);
  });

  it('ignores duplicated ACKs on a windowed transfer', async () => {
    const proxy = await proxyTo(server, (p) => (p.direction === 'toServer' && p.packet?.opcode === OPCODE.ACK ? 'duplicate' : 'forward'));
    const { data } = await get(proxy, { blksize: 512, windowsize: 4, ...patient });
    expect(data.equals(file)).toBe(true);
    for (let block = 1; block <= 11; block++) expect(entries(proxy.log, 'toClient', OPCODE.DATA, block)).toHaveLength(1);
  });

  it('survives reordering inside a window (a delayed DATA arrives after the next ones)', async () => {
    const proxy = await proxyTo(server, once_(isData(2), { delayMs: 50 }));
    const { data } = await get(proxy, { blksize: 512, windowsize: 4, ...patient });
    expect(data.equals(file)).toBe(true);
  });

  it('answers a stranger with ERROR 5 and completes the transfer with the real data', async () => {
    const stranger = dgram.createSocket('udp4');
    stranger.bind(0, HOST);
    await once(stranger, 'listening');
    const answer = once(stranger, 'message') as Promise<[Buffer, dgram.RemoteInfo]>;
    const proxy = await proxyTo(server, (p) => {
      if (isData(1)(p) && p.client) {
        // Inject a forged block 2 from another port before the real one.
        stranger.send(encodeData({ block: 2, data: Buffer.alloc(512, 0x41) }), p.client.port, p.client.address);
        return { delayMs: 50 };
      }
      return 'forward';
    });
    try {
      const { data } = await get(proxy, { ...lockstep, ...patient });
      expect(data.equals(file)).toBe(true);
      const [reply] = await answer;
      expect(decodePacket(reply)).toMatchObject({ opcode: OPCODE.ERROR, code: 5 });
    } finally {
      stranger.close();
    }
  });

  it('has the own server answer a stranger on a transfer ID with ERROR 5, and keep serving the client', async () => {
    const client = dgram.createSocket('udp4');
    const stranger = dgram.createSocket('udp4');
    for (const s of [client, stranger]) s.bind(0, HOST);
    await Promise.all([once(client, 'listening'), once(stranger, 'listening')]);
    try {
      const first = once(client, 'message') as Promise<[Buffer, dgram.RemoteInfo]>;
      client.send(encodeRequest({ opcode: OPCODE.RRQ, filename: 'f.bin', mode: MODE_OCTET, options: new Map() }), server.port, HOST);
      const [data1, tid] = await first;
      expect(decodePacket(data1)).toMatchObject({ opcode: OPCODE.DATA, block: 1 });
      const refused = once(stranger, 'message') as Promise<[Buffer]>;
      stranger.send(encodeAck({ block: 1 }), tid.port, HOST);
      expect(decodePacket((await refused)[0])).toMatchObject({ opcode: OPCODE.ERROR, code: 5 });
      const second = once(client, 'message') as Promise<[Buffer]>;
      client.send(encodeAck({ block: 1 }), tid.port, HOST);
      expect(decodePacket((await second)[0])).toMatchObject({ opcode: OPCODE.DATA, block: 2 });
      client.send(Buffer.from([0, 5, 0, 0, 0]), tid.port, HOST); // ERROR 0: end the transfer politely
    } finally {
      client.close();
      stranger.close();
    }
  });

  it('recovers a lost DATA block from tftpd-hpa', async () => {
    const proxy = await proxyTo(hpa, once_(isData(2), 'drop'));
    const { data, stats } = await get(proxy);
    expect(data.equals(file)).toBe(true);
    expect(stats.blksize).toBe(1468);
    expect(entries(proxy.log, 'toClient', OPCODE.DATA, 2).map((e) => e.action)).toEqual(['drop', 'forward']);
  });
});
