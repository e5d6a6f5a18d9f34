/**
 * Hostile servers of the test's own on 127.0.0.1, against the real CLI: TFTP servers that send garbage,
 * truncate, lie about the size, never end or send blocks out of order; CAPF servers that close at once,
 * stall before or after the TLS handshake, send garbage or lying lengths, or present a certificate the CTL
 * does not list. Each must end in a typed error in bounded time (exit 3 or 5; a CAPF server that breaks the
 * protocol is CAPF_PROTOCOL, exit 4, the CAPF family), with the trusted files of the home unchanged. The time
 * each took to give up goes into the fault table.
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { readdir, readFile } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../../electron/lab/lab.ts';
import { parseLabProfile } from '../../electron/lab/profiles.ts';
import { toPem } from '../../electron/core/pki/certificates.ts';
import { makeIdentity } from '../helpers/certificates.ts';
import { decodePacket, encodeData, encodeOack, OPCODE } from '../../electron/core/tftp/packets.ts';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/temp.ts';
import { FULL, recordFaults } from './fault-report.ts';

const ENV = { CTIPREFS_KEYSTORE_PASSWORD: 'hostile-suite-keystore-password' };
const AUTH = '55667788';

let root: Awaited<ReturnType<typeof tempDir>>;
let lab: Lab;
let home: string;
const closers: (() => Promise<void> | void)[] = [];
const giveUpMs: Record<string, number> = {};
let handled = 0;
const failures: string[] = [];

beforeAll(async () => {
  root = await tempDir('faults-hostile');
  lab = await startLab({ dir: join(root.path, 'lab'), profiles: [parseLabProfile(`h1:${AUTH}:p256`)] });
  home = join(root.path, 'home');
  // A home that already trusts the lab's CTL: hostile servers must leave it exactly so.
  const fetched = await runCli(['--home', home, 'ctl', 'fetch', '--tftp', `${lab.tftp.host}:${lab.tftp.port}`], { env: ENV });
  expect(fetched.code, fetched.stderr).toBe(0);
}, 60_000);

afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await lab?.close();
  await recordFaults({
    family: 'hostile servers',
    trials: handled + failures.length,
    handled,
    lost: failures.length,
    giveUpMs,
    notes: FULL ? 'every case' : 'short form: the cases that give up without waiting for a timeout, plus one stall',
  });
  await root?.remove();
});

async function trustedFiles(): Promise<Record<string, string>> {
  const dir = join(home, 'certificates');
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) out[name] = (await readFile(join(dir, name))).toString('hex');
  return out;
}

/** Runs the CLI against a hostile server and checks the verdict: typed error, exit 3 or 5, trusted files intact. */
async function expectGivesUp(name: string, args: string[]): Promise<void> {
  const before = await trustedFiles();
  const started = performance.now();
  const run = await runCli(['--home', home, '--json', ...args], { env: ENV });
  giveUpMs[name] = Math.round(performance.now() - started);
  const body = JSON.parse(run.stdout || 'null') as { error?: { code: string } } | null;
  const problems: string[] = [];
  const protocolError = body?.error?.code === 'CAPF_PROTOCOL' && run.code === 4;
  if (run.code !== 3 && run.code !== 5 && !protocolError) problems.push(`exit ${run.code}`);
  if (!body?.error?.code || body.error.code === 'INTERNAL') problems.push(`error ${JSON.stringify(body)}`);
  if (JSON.stringify(await trustedFiles()) !== JSON.stringify(before)) problems.push('the trusted files changed');
  if (problems.length) failures.push(`${name}: ${problems.join(', ')}`);
  else handled += 1;
  expect(problems, `${name}: ${run.stdout} ${run.stderr}`).toEqual([]);
}

type TftpBehaviour = (reply: (bytes: Buffer) => void, request: { options: Map<string, string> }, onAck: (handler: (block: number) => void) => void) => void;

/** A TFTP server whose every transfer behaves as told; it answers from a new port as a real server does. */
async function hostileTftp(behaviour: TftpBehaviour): Promise<string> {
  const listener = createSocket('udp4');
  const transfers: Socket[] = [];
  listener.on('message', (datagram, client) => {
    let packet;
    try {
      packet = decodePacket(datagram);
    } catch {
      return;
    }
    if (packet.opcode !== OPCODE.RRQ) return;
    const transfer = createSocket('udp4');
    transfers.push(transfer);
    transfer.bind(0, '127.0.0.1', () => {
      const ackHandlers: ((block: number) => void)[] = [];
      transfer.on('message', (reply) => {
        try {
          const ack = decodePacket(reply);
          if (ack.opcode === OPCODE.ACK) for (const handler of ackHandlers) handler(ack.block);
        } catch {
          // ignore
        }
      });
      behaviour((bytes) => transfer.send(bytes, client.port, client.address), { options: packet.options }, (handler) => ackHandlers.push(handler));
    });
  });
  await new Promise<void>((resolve) => listener.bind(0, '127.0.0.1', () => resolve()));
  closers.push(() => {
    for (const socket of [listener, ...transfers]) socket.close();
  });
  return `127.0.0.1:${listener.address().port}`;
}

const block = (n: number, size = 512) => encodeData({ block: n % 0x10000, data: randomBytes(size) });

describe('hostile TFTP servers', () => {
  it('garbage instead of DATA', async () => {
    const server = await hostileTftp((reply) => reply(randomBytes(64)));
    await expectGivesUp('TFTP garbage', ['ctl', 'fetch', '--tftp', server]);
  }, 120_000);

  it('a tsize over the CTL size limit', async () => {
    const server = await hostileTftp((reply) => reply(encodeOack({ options: new Map([['tsize', String(50 * 1024 * 1024)]]) })));
    await expectGivesUp('TFTP lying tsize (huge)', ['ctl', 'fetch', '--tftp', server]);
  }, 120_000);

  it('a small tsize, then more data than it said', async () => {
    const server = await hostileTftp((reply, _request, onAck) => {
      reply(encodeOack({ options: new Map([['tsize', '100'], ['blksize', '512']]) }));
      onAck((n) => reply(block(n + 1)));
    });
    await expectGivesUp('TFTP lying tsize (small)', ['ctl', 'fetch', '--tftp', server]);
  }, 120_000);

  it('endless full blocks', async () => {
    const server = await hostileTftp((reply, _request, onAck) => {
      reply(block(1));
      onAck((n) => reply(block(n + 1)));
    });
    await expectGivesUp('TFTP endless blocks', ['ctl', 'fetch', '--tftp', server]);
  }, 120_000);

  it.runIf(FULL)('a truncated transfer (one block, then silence)', async () => {
    const server = await hostileTftp((reply) => reply(block(1)));
    await expectGivesUp('TFTP truncated', ['ctl', 'fetch', '--tftp', server]);
  }, 300_000);

  it.runIf(FULL)('blocks out of order (always one ahead of what was acknowledged)', async () => {
    const server = await hostileTftp((reply, _request, onAck) => {
      reply(block(2));
      onAck((n) => reply(block(n + 2)));
    });
    await expectGivesUp('TFTP out-of-order blocks', ['ctl', 'fetch', '--tftp', server]);
  }, 300_000);
});

type CapfBehaviour = (socket: net.Socket) => void;

/** A CAPF server that presents the lab's CAPF certificate (so the CTL trusts it), then behaves as told. */
async function hostileCapf(behaviour: CapfBehaviour, identity = { certificate: lab.pki.capf.certificate, privateKey: lab.pki.capf.privateKey }, tlsLayer = true): Promise<string> {
  const sockets = new Set<net.Socket>();
  const onSocket = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => sockets.delete(socket));
    behaviour(socket);
  };
  const server = tlsLayer
    ? tls.createServer({ cert: toPem(identity.certificate), key: identity.privateKey.export({ type: 'pkcs8', format: 'pem' }) }, onSocket)
    : net.createServer(onSocket);
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

const enroll = (capf: string) => ['enroll', '--tftp', `${lab.tftp.host}:${lab.tftp.port}`, '--capf', capf, '--user', 'agent', '--instance-id', 'h1', '--auth-string', AUTH];
/** A CAPF header: protocol 0x55, command, session id, body length. */
const capfHeader = (command: number, bodyLength: number) => {
  const head = Buffer.alloc(8);
  head.writeUInt8(0x55, 0);
  head.writeUInt8(command, 1);
  head.writeUInt32BE(0x1234, 2);
  head.writeUInt16BE(bodyLength, 6);
  return head;
};

describe('hostile CAPF servers', () => {
  it('closes right after the TLS handshake', async () => {
    await expectGivesUp('CAPF closes at once', enroll(await hostileCapf((socket) => socket.end())));
  }, 120_000);

  it('sends garbage', async () => {
    await expectGivesUp('CAPF garbage', enroll(await hostileCapf((socket) => socket.write(randomBytes(200)))));
  }, 120_000);

  it('sends a header whose length runs past what it sends, then closes', async () => {
    await expectGivesUp('CAPF lying length', enroll(await hostileCapf((socket) => socket.end(Buffer.concat([capfHeader(1, 60_000), randomBytes(10)])))));
  }, 120_000);

  it('presents a certificate the CTL does not list', async () => {
    const impostor = await makeIdentity({ type: 'ec', curve: 'P-256' }, { subject: { CN: 'CAPF-impostor' } });
    await expectGivesUp('CAPF untrusted certificate', enroll(await hostileCapf(() => {}, impostor)));
  }, 120_000);

  it('stalls after the TCP connect (slow-loris: no TLS handshake)', async () => {
    await expectGivesUp('CAPF stalls before TLS', enroll(await hostileCapf(() => {}, undefined, false)));
  }, 120_000);

  it.runIf(FULL)('stalls after the TLS handshake (never asks to authenticate)', async () => {
    await expectGivesUp('CAPF stalls after TLS', enroll(await hostileCapf(() => {})));
  }, 120_000);

  it.runIf(FULL)('stalls in the middle of a message', async () => {
    await expectGivesUp('CAPF stalls mid-message', enroll(await hostileCapf((socket) => socket.write(capfHeader(1, 100)))));
  }, 120_000);
});
