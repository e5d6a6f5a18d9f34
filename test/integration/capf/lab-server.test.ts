/**
 * The lab CAPF server against hostile and sloppy clients over real TLS on 127.0.0.1: it refuses with the
 * right reason or hangs up, never crashes, and keeps serving.
 */
import * as tls from 'node:tls';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { runCapfSession } from '../../../electron/core/capf/client.ts';
import {
  CapfMessageReader,
  encodeCapfMessage,
  findElement,
  stringElement,
  u8Element,
  type CapfMessage,
} from '../../../electron/core/capf/codec.ts';
import { CapfCommand, CapfElement, type CapfVersion } from '../../../electron/core/capf/constants.ts';
import { generateKeyPair, toPem } from '../../../electron/core/pki/certificates.ts';
import { startCapfServer, type LabCapfServer } from '../../../electron/lab/capf-server.ts';
import { makeCapfIdentity, type Identity } from './fixtures.ts';

let capf: Identity;
let server: LabCapfServer | undefined;

beforeAll(async () => {
  capf = await makeCapfIdentity();
});

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(readTimeoutMs = 10_000, version?: CapfVersion): Promise<LabCapfServer> {
  server = await startCapfServer({
    ...(version ? { version } : {}),
    certificate: capf.certificate,
    privateKey: capf.privateKey,
    profiles: [{ deviceName: 'inst1', authString: '2468', key: { type: 'rsa', bits: 1024 }, operation: 'install' }],
    readTimeoutMs,
    requestInProgressWait: 10_000,
  });
  return server;
}

interface RawClient {
  next(): Promise<CapfMessage>;
  write(bytes: Buffer): void;
  send(message: CapfMessage): void;
  closed: Promise<void>;
}

/** A TLS client that speaks raw bytes; `next` rejects once the server hangs up. */
async function rawClient(port: number): Promise<RawClient> {
  const socket = tls.connect({ host: '127.0.0.1', port, ca: toPem(capf.certificate), checkServerIdentity: () => undefined });
  await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
  const reader = new CapfMessageReader();
  const queue: CapfMessage[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  socket.on('data', (chunk: Buffer) => {
    queue.push(...reader.push(chunk));
    wake?.();
  });
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) =>
    socket.on('close', () => {
      ended = true;
      wake?.();
      resolve();
    }),
  );
  return {
    closed,
    write: (bytes) => void socket.write(bytes),
    send: (message) => void socket.write(encodeCapfMessage(message)),
    async next() {
      for (;;) {
        const message = queue.shift();
        if (message) return message;
        if (ended) throw new Error('server closed the connection');
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
  };
}

function authResponse(sessionId: number, extra: CapfMessage['elements'] = [], version = 3): CapfMessage {
  return {
    command: CapfCommand.authResponse,
    sessionId,
    elements: [
      u8Element(CapfElement.reason, 1),
      u8Element(CapfElement.version, version),
      stringElement(CapfElement.deviceName, 'inst1'),
      stringElement(CapfElement.password, '2468'),
      ...extra,
    ],
  };
}

function reasonOf(message: CapfMessage): number | undefined {
  return findElement(message, CapfElement.reason, 'reason')?.[0];
}

async function stillServes(lab: LabCapfServer): Promise<void> {
  const result = await runCapfSession({
    host: lab.host,
    port: lab.port,
    trustedCapfCertificates: [capf.certificate],
    deviceName: 'inst1',
    authString: '2468',
    storeCertificate: async () => {},
  });
  expect(result.outcome).toBe('installed');
}

it('opens with an authentication request carrying version 3', async () => {
  const lab = await start();
  const client = await rawClient(lab.port);
  const first = await client.next();
  expect(first.command).toBe(CapfCommand.authRequest);
  expect(first.elements).toEqual([{ tag: CapfElement.version, value: Buffer.from([3]) }]);
});

it('opens with the configured version and refuses a client that answers with a higher one', async () => {
  const lab = await start(10_000, 1);
  const client = await rawClient(lab.port);
  const first = await client.next();
  expect(first.elements).toEqual([{ tag: CapfElement.version, value: Buffer.from([1]) }]);
  client.send(authResponse(first.sessionId, [], 3));
  const end = await client.next();
  expect(end.command).toBe(CapfCommand.endSession);
  expect(reasonOf(end)).toBe(7);
  expect(lab.issued.size).toBe(0);
});

it('hangs up on a wrong protocol id and keeps serving', async () => {
  const lab = await start();
  const client = await rawClient(lab.port);
  const { sessionId } = await client.next();
  const bytes = encodeCapfMessage(authResponse(sessionId));
  bytes[0] = 0x00;
  client.write(bytes);
  await client.closed;
  await stillServes(lab);
});

it('hangs up on a huge announced length without waiting for the body', async () => {
  const lab = await start();
  const client = await rawClient(lab.port);
  const { sessionId } = await client.next();
  const header = Buffer.alloc(8);
  header.writeUInt8(0x55, 0);
  header.writeUInt8(CapfCommand.authResponse, 1);
  header.writeUInt32BE(sessionId, 2);
  header.writeUInt16BE(0xffff, 6);
  client.write(header);
  await client.closed;
  await stillServes(lab);
});

it('ends the session with reason 7 on an element a client must not send', async () => {
  const lab = await start();
  const client = await rawClient(lab.port);
  const { sessionId } = await client.next();
  client.send(authResponse(sessionId, [u8Element(CapfElement.authType, 1)]));
  const end = await client.next();
  expect(end.command).toBe(CapfCommand.endSession);
  expect(reasonOf(end)).toBe(7);
});

it('ends the session with reason 7 on a wrong session id', async () => {
  const lab = await start();
  const client = await rawClient(lab.port);
  const { sessionId } = await client.next();
  client.send(authResponse(sessionId ^ 1));
  expect(reasonOf(await client.next())).toBe(7);
});

it('refuses a public key of another type than it asked for', async () => {
  const lab = await start();
  const client = await rawClient(lab.port);
  const { sessionId } = await client.next();
  client.send(authResponse(sessionId));
  const keyRequest = await client.next();
  expect(keyRequest.command).toBe(CapfCommand.keyGenRequest);
  const ec = await generateKeyPair({ type: 'ec', curve: 'P-256' });
  client.send({
    command: CapfCommand.keyGenResponse,
    sessionId,
    elements: [{ tag: CapfElement.publicKey, value: ec.publicKey.export({ type: 'spki', format: 'der' }) }],
  });
  const end = await client.next();
  expect(end.command).toBe(CapfCommand.endSession);
  expect(reasonOf(end)).toBe(7);
  expect(lab.issued.size).toBe(0);
});

it('refuses a second request-in-progress', async () => {
  const lab = await start();
  const client = await rawClient(lab.port);
  const { sessionId } = await client.next();
  client.send(authResponse(sessionId));
  await client.next();
  client.send({ command: CapfCommand.requestInProgress, sessionId, elements: [] });
  client.send({ command: CapfCommand.requestInProgress, sessionId, elements: [] });
  expect(reasonOf(await client.next())).toBe(7);
});

it('hangs up on a client that never answers', async () => {
  const lab = await start(300);
  const client = await rawClient(lab.port);
  await client.next();
  await client.closed;
  await stillServes(lab);
});
