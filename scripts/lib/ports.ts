/**
 * Loopback port numbers for tests and benches.
 * - free ports, for a server that cannot be told to take port 0 (openssl, tftpd-hpa): bound once to learn
 *   a free number from the kernel's ephemeral range, then released;
 * - closed ports, where nothing listens: taken below the ephemeral range (Linux says where it starts; the
 *   lowest default elsewhere: macOS and Windows 49152), where no bind to port 0 lands. A free port would do
 *   only until another test's server is given the same number (seen here: a "dead" TFTP server that answered).
 */
import dgram from 'node:dgram';
import { once } from 'node:events';
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const LOOPBACK = '127.0.0.1';
const LINUX_DEFAULT_EPHEMERAL_START = 32_768;
/** Below this, ports belong to services (IANA's system ports) and too few would be left to pick from. */
const LOWEST_CLOSED_PORT = 1024;
const CLOSED_PORT_SPAN = 12_768;

/** The first port of the kernel's ephemeral range on Linux; the Linux default elsewhere (below theirs). */
function ephemeralStart(): number {
  try {
    const start = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (Number.isInteger(start) && start > 0) return Math.min(start, LINUX_DEFAULT_EPHEMERAL_START);
  } catch {
    // No /proc (macOS, Windows): their ranges start higher still.
  }
  return LINUX_DEFAULT_EPHEMERAL_START;
}

const CLOSED_PORTS = (() => {
  const below = ephemeralStart();
  return { from: Math.max(LOWEST_CLOSED_PORT, below - CLOSED_PORT_SPAN), below };
})();
const CLOSED_PORT_TRIES = 20;

async function tcpPortBound(port: number): Promise<number | null> {
  const server = createServer();
  const bound = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, LOOPBACK, () => resolve(true));
  });
  if (!bound) return null;
  const { port: taken } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return taken;
}

async function udpPortBound(port: number): Promise<number | null> {
  const socket = dgram.createSocket('udp4');
  // once() rejects on 'error': a port in use is a refusal to try another, not a failure.
  const bound = once(socket, 'listening').then(() => true, () => false);
  socket.bind(port, LOOPBACK);
  if (!(await bound)) {
    socket.close();
    return null;
  }
  const { port: taken } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return taken;
}

async function closedPort(bind: (port: number) => Promise<number | null>, protocol: string): Promise<number> {
  if (CLOSED_PORTS.below - CLOSED_PORTS.from < CLOSED_PORT_TRIES) {
    throw new Error(`No room for closed ports: the ephemeral range starts at ${CLOSED_PORTS.below} (ip_local_port_range); raise its start above ${LOWEST_CLOSED_PORT + CLOSED_PORT_TRIES}`);
  }
  for (let tries = 0; tries < CLOSED_PORT_TRIES; tries++) {
    const port = await bind(randomInt(CLOSED_PORTS.from, CLOSED_PORTS.below));
    if (port !== null) return port;
  }
  throw new Error(`No closed ${protocol} port found on ${LOOPBACK} between ${CLOSED_PORTS.from} and ${CLOSED_PORTS.below - 1}`);
}

async function freePort(bind: (port: number) => Promise<number | null>, protocol: string): Promise<number> {
  const port = await bind(0);
  if (port === null) throw new Error(`No free ${protocol} port on ${LOOPBACK}`);
  return port;
}

export const freeTcpPort = (): Promise<number> => freePort(tcpPortBound, 'TCP');
export const freeUdpPort = (): Promise<number> => freePort(udpPortBound, 'UDP');

export const closedTcpPort = (): Promise<number> => closedPort(tcpPortBound, 'TCP');
export const closedUdpPort = (): Promise<number> => closedPort(udpPortBound, 'UDP');
