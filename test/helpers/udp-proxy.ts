/**
 * A userspace UDP proxy for TFTP on 127.0.0.1 with fault injection (this kernel has no netem).
 * The client sends its request to the proxy; the proxy forwards it from its own upstream socket. TFTP
 * servers answer from a new port (their transfer ID), so for every server port the proxy opens a matching
 * front socket of its own: the client, too, sees a new transfer ID, and faults can be injected per packet.
 */
import dgram from 'node:dgram';
import { once } from 'node:events';
import { decodePacket, type TftpPacket } from '../../electron/core/tftp/packets.ts';

const HOST = '127.0.0.1';

export type Direction = 'toServer' | 'toClient';
export type FaultAction = 'forward' | 'drop' | 'duplicate' | { delayMs: number };

export interface ProxiedPacket {
  direction: Direction;
  /** 1-based count of packets seen in this direction. */
  index: number;
  /** The decoded packet, or undefined when it is not valid TFTP. */
  packet: TftpPacket | undefined;
  bytes: Buffer;
  /** The client's address as the proxy sees it (the client's transfer ID). */
  client: { address: string; port: number };
}

export interface ProxyLogEntry {
  direction: Direction;
  index: number;
  opcode?: number;
  block?: number;
  action: 'forward' | 'drop' | 'duplicate' | 'delay';
}

export interface UdpProxy {
  host: string;
  port: number;
  /** Every packet seen, in order, with what the proxy did with it. */
  log: ProxyLogEntry[];
  close(): Promise<void>;
}

export interface UdpProxyOptions {
  target: { host: string; port: number };
  /** Decides each packet's fate; default forward. */
  fault?: (packet: ProxiedPacket) => FaultAction;
}

interface Session {
  client: { address: string; port: number };
  upstream: dgram.Socket;
  /** Server transfer-ID port → the proxy's own socket that stands for it towards the client. */
  fronts: Map<number, Promise<dgram.Socket>>;
}

export async function startUdpProxy(options: UdpProxyOptions): Promise<UdpProxy> {
  const fault = options.fault ?? (() => 'forward');
  const log: ProxyLogEntry[] = [];
  const counts: Record<Direction, number> = { toServer: 0, toClient: 0 };
  // Promises in the maps, so packets arriving while a socket opens share it and keep their order.
  const sessions = new Map<string, Promise<Session>>();
  const sockets = new Set<dgram.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;

  const openSocket = async (): Promise<dgram.Socket> => {
    const socket = dgram.createSocket('udp4');
    socket.on('error', () => {});
    sockets.add(socket);
    socket.bind(0, HOST);
    await once(socket, 'listening');
    return socket;
  };

  const relay = (direction: Direction, bytes: Buffer, client: Session['client'], send: () => void): void => {
    if (closed) return;
    const index = ++counts[direction];
    let packet: TftpPacket | undefined;
    try {
      packet = decodePacket(bytes);
    } catch {
      packet = undefined;
    }
    const action = fault({ direction, index, packet, bytes, client });
    const entry: ProxyLogEntry = { direction, index, action: typeof action === 'string' ? action : 'delay' };
    if (packet) entry.opcode = packet.opcode;
    if (packet && 'block' in packet) entry.block = packet.block;
    log.push(entry);
    if (action === 'drop') return;
    if (action === 'forward') send();
    else if (action === 'duplicate') {
      send();
      send();
    } else {
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!closed) send();
      }, action.delayMs);
      timers.add(timer);
    }
  };

  const front = await openSocket();
  const sessionFor = (client: Session['client']): Promise<Session> => {
    const key = `${client.address}:${client.port}`;
    let session = sessions.get(key);
    if (!session) {
      session = openSocket().then((upstream) => {
        const created: Session = { client, upstream, fronts: new Map() };
        upstream.on('message', (bytes, server) => void fromServer(created, bytes, server.port).catch(() => {}));
        return created;
      });
      sessions.set(key, session);
    }
    return session;
  };

  const fromServer = async (session: Session, bytes: Buffer, serverPort: number): Promise<void> => {
    let tid = session.fronts.get(serverPort);
    if (!tid) {
      tid = openSocket().then((created) => {
        created.on('message', (back, from) => {
          // Only the proxied client speaks through this transfer ID; strangers are not relayed.
          if (from.address !== session.client.address || from.port !== session.client.port) return;
          relay('toServer', back, session.client, () => session.upstream.send(back, serverPort, options.target.host));
        });
        return created;
      });
      session.fronts.set(serverPort, tid);
    }
    const socket = await tid;
    relay('toClient', bytes, session.client, () => socket.send(bytes, session.client.port, session.client.address));
  };

  front.on('message', (bytes, from) => {
    void sessionFor({ address: from.address, port: from.port })
      .then((session) => relay('toServer', bytes, session.client, () => session.upstream.send(bytes, options.target.port, options.target.host)))
      .catch(() => {});
  });

  return {
    host: HOST,
    port: front.address().port,
    log,
    async close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      await Promise.all([...sockets].map((socket) => new Promise<void>((resolve) => socket.close(() => resolve()))));
    },
  };
}
