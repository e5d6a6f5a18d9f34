/**
 * The client's UDP endpoint. A TFTP server answers from a new port, so the client must receive from any
 * source; but an unconnected UDP socket never learns of ICMP "port unreachable", which leaves a dead
 * server indistinguishable from a slow one. So the request goes out through a second socket that shares
 * the port and is connected to the server's request port: the kernel reports the ICMP error on it
 * (ECONNREFUSED), while replies from the server's new port still reach the unconnected socket.
 * On Windows, where shared ports deliver unpredictably, only the unconnected socket is used.
 */
import dgram from 'node:dgram';
import { once } from 'node:events';

export interface ServerAddress {
  address: string;
  family: 4 | 6;
  port: number;
}

export interface ClientSocket {
  /** Sends the request to the server's request port (through the connected socket where there is one). */
  sendRequest(packet: Buffer, callback: (error: Error | null) => void): void;
  send(packet: Buffer, port: number, address: string, callback: (error: Error | null) => void): void;
  /** Every datagram received, from any source. */
  onMessage(handler: (message: Buffer, remote: dgram.RemoteInfo) => void): void;
  /** ICMP port unreachable for the request, or any other socket error. */
  onError(handler: (error: NodeJS.ErrnoException) => void): void;
  close(): Promise<void>;
}

export async function openClientSocket(server: ServerAddress): Promise<ClientSocket> {
  const type = server.family === 6 ? 'udp6' : 'udp4';
  const localAddress = bindAddressFor(server);
  const shareForIcmp = process.platform !== 'win32';
  const main = dgram.createSocket({ type, reuseAddr: shareForIcmp });
  const sockets = [main];
  try {
    main.bind(0, localAddress);
    await once(main, 'listening');
    let requester: dgram.Socket | undefined;
    if (shareForIcmp) {
      requester = dgram.createSocket({ type, reuseAddr: true });
      sockets.push(requester);
      requester.bind(main.address().port, localAddress);
      await once(requester, 'listening');
      requester.connect(server.port, server.address);
      await once(requester, 'connect');
    }
    const connected = requester;
    // Sends complete asynchronously; closing first would drop a final ACK or ERROR, so close waits for them.
    let inFlight = 0;
    let drained: (() => void) | undefined;
    const track = (callback: (error: Error | null) => void) => (error: Error | null) => {
      inFlight--;
      if (inFlight === 0) drained?.();
      callback(error);
    };
    return {
      sendRequest(packet, callback) {
        inFlight++;
        if (connected) connected.send(packet, track(callback));
        else main.send(packet, server.port, server.address, track(callback));
      },
      send(packet, port, address, callback) {
        inFlight++;
        main.send(packet, port, address, track(callback));
      },
      onMessage(handler) {
        for (const socket of sockets) socket.on('message', handler);
      },
      onError(handler) {
        for (const socket of sockets) socket.on('error', handler);
      },
      async close() {
        if (inFlight > 0) await new Promise<void>((resolve) => (drained = resolve));
        await closeAll(sockets);
      },
    };
  } catch (err) {
    await closeAll(sockets);
    throw err;
  }
}

/** Loopback servers are reached from a loopback socket, so no port opens on other interfaces. */
function bindAddressFor(server: ServerAddress): string {
  if (server.family === 6) return server.address === '::1' ? '::1' : '::';
  return server.address.startsWith('127.') ? '127.0.0.1' : '0.0.0.0';
}

async function closeAll(sockets: dgram.Socket[]): Promise<void> {
  await Promise.all(
    sockets.map(
      (socket) =>
        new Promise<void>((resolve) => {
          socket.removeAllListeners('message');
          socket.on('error', () => {});
          try {
            socket.close(() => resolve());
          } catch {
            resolve(); // never bound, or already closed
          }
        }),
    ),
  );
}
