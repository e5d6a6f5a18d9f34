/**
 * Real certificates and raw TLS peers for the CTIManager tests: a CAPF-like CA that issues client
 * certificates, a self-signed CallManager server certificate, and a second CA nobody trusts.
 */
import { spawn } from 'node:child_process';
import { X509Certificate, type KeyObject } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type net from 'node:net';
import tls from 'node:tls';
import { decodeLabStatusFrame, LAB_STATUS_FRAME_LENGTH } from '../../../electron/core/ctimanager/lab-status-frame.ts';
import { toPem, type KeySpec } from '../../../electron/core/pki/certificates.ts';
import { startCtiManagerServer, type CtiManagerServer, type CtiManagerServerOptions } from '../../../electron/lab/ctimanager-server.ts';
import { makeIdentity, type TestIdentity } from '../../helpers/certificates.ts';
import { freeTcpPort } from '../../../scripts/lib/ports.ts';

export const LOOPBACK = '127.0.0.1';

export interface Identity {
  certificate: Buffer;
  privateKey: KeyObject;
  fingerprint256: string;
}

export interface TestPki {
  capfCa: Identity;
  otherCa: Identity;
  callManager: Identity;
  otherServer: Identity;
  /** Issued by capfCa. */
  clientRsa: Identity;
  clientEc: Identity;
  /** Issued by otherCa. */
  strangerClient: Identity;
}

function withFingerprint({ certificate, privateKey }: TestIdentity): Identity {
  return { certificate, privateKey, fingerprint256: new X509Certificate(certificate).fingerprint256 };
}

async function selfSigned(cn: string, spec: KeySpec, isCa: boolean): Promise<Identity> {
  return withFingerprint(
    await makeIdentity(spec, {
      subject: { O: 'ctiprefs test', CN: cn },
      isCa,
      ...(isCa ? {} : { extendedKeyUsage: ['serverAuth', 'clientAuth'] as const }),
    }),
  );
}

async function issued(cn: string, spec: KeySpec, issuer: Identity): Promise<Identity> {
  return withFingerprint(await makeIdentity(spec, { subject: { CN: cn }, extendedKeyUsage: ['clientAuth'] }, issuer));
}

export async function createTestPki(): Promise<TestPki> {
  const [capfCa, otherCa, callManager, otherServer] = await Promise.all([
    selfSigned('CAPF-test', { type: 'ec', curve: 'P-256' }, true),
    selfSigned('Other-CA', { type: 'ec', curve: 'P-256' }, true),
    selfSigned('cucm-test', { type: 'ec', curve: 'P-256' }, false),
    selfSigned('cucm-impostor', { type: 'ec', curve: 'P-256' }, false),
  ]);
  const [clientRsa, clientEc, strangerClient] = await Promise.all([
    issued('instance1', { type: 'rsa', bits: 1024 }, capfCa),
    issued('instance2', { type: 'ec', curve: 'P-256' }, capfCa),
    issued('instance1', { type: 'ec', curve: 'P-256' }, otherCa),
  ]);
  return { capfCa, otherCa, callManager, otherServer, clientRsa, clientEc, strangerClient };
}

/** The lab CTIManager on 127.0.0.1 with the CallManager certificate, accepting clients of the CAPF CA. */
export function startLabCtiManager(pki: TestPki, options: Partial<CtiManagerServerOptions> = {}): Promise<CtiManagerServer> {
  return startCtiManagerServer({
    host: LOOPBACK,
    port: 0,
    certificate: pki.callManager.certificate,
    privateKey: pki.callManager.privateKey,
    clientCa: [pki.capfCa.certificate],
    ...options,
  });
}

/** A TLS server like a real CTIManager: mutual TLS, then whatever `onSession` does (default: silence). */
export async function startTlsPeer(options: {
  identity: Identity;
  clientCa: Identity;
  maxVersion?: tls.SecureVersion;
  onSession?: (socket: tls.TLSSocket) => void;
}): Promise<{ port: number; sessions: tls.TLSSocket[]; close(): Promise<void> }> {
  const sessions: tls.TLSSocket[] = [];
  const sockets = new Set<net.Socket>();
  const server = tls.createServer({
    cert: toPem(options.identity.certificate),
    key: options.identity.privateKey.export({ type: 'pkcs8', format: 'pem' }),
    ca: [toPem(options.clientCa.certificate)],
    requestCert: true,
    rejectUnauthorized: true,
    ...(options.maxVersion ? { maxVersion: options.maxVersion } : {}),
  });
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('tlsClientError', () => {});
  server.on('secureConnection', (socket) => {
    socket.on('error', () => {});
    sessions.push(socket);
    options.onSession?.(socket);
  });
  const port = await listen(server);
  return { port, sessions, close: () => closeServer(server, sockets) };
}

/**
 * `openssl s_server` requiring a client certificate from `clientCa`: an independent TLS stack that, unlike
 * Node's, rejects a bad client certificate with a TLS alert during the handshake, as a C/C++ server does.
 */
export async function startOpensslServer(options: {
  identity: Identity;
  clientCa: Identity;
  version: '-tls1_2' | '-tls1_3';
}): Promise<{ port: number; close(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'ctimanager-openssl-'));
  const file = (name: string) => join(dir, name);
  await writeFile(file('server.pem'), toPem(options.identity.certificate));
  await writeFile(file('server.key'), options.identity.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  await writeFile(file('ca.pem'), toPem(options.clientCa.certificate));
  const port = await freeTcpPort();
  const child = spawn(
    'openssl',
    ['s_server', '-accept', `${LOOPBACK}:${port}`, '-cert', file('server.pem'), '-key', file('server.key'),
      '-CAfile', file('ca.pem'), '-Verify', '1', '-verify_return_error', options.version],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('ACCEPT')) resolve();
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`openssl s_server exited with ${String(code)}: ${output}`)));
    child.once('error', reject);
  });
  return {
    port,
    async close() {
      child.kill();
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A long-lived "provider" session with the lab CTIManager: resolves once the lab accepted it. */
export function openProviderSession(port: number, client: Identity, trusted: Identity): Promise<{ socket: tls.TLSSocket; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: LOOPBACK,
      port,
      cert: toPem(client.certificate),
      key: client.privateKey.export({ type: 'pkcs8', format: 'pem' }),
      ca: [toPem(trusted.certificate)],
      checkServerIdentity: () => undefined,
    });
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    let received = Buffer.alloc(0);
    socket.on('error', (err) => reject(err));
    socket.once('close', () => reject(new Error('provider session closed before it was accepted')));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < LAB_STATUS_FRAME_LENGTH) return;
      const decoded = decodeLabStatusFrame(received);
      if (decoded.kind === 'status' && decoded.status === 0) resolve({ socket, closed });
      else reject(new Error(`provider session not accepted: ${JSON.stringify(decoded)}`));
    });
  });
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => resolve((server.address() as net.AddressInfo).port));
  });
}

function closeServer(server: net.Server, sockets: Set<net.Socket>): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    for (const socket of sockets) socket.destroy();
  });
}
