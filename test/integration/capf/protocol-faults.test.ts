/**
 * The CAPF client against hand-scripted TLS servers on 127.0.0.1 that break the protocol in ways the lab
 * server never does, and against servers that refuse, stay silent, or never exist.
 */
import { createPublicKey } from 'node:crypto';
import type * as tls from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCapfSession, type CapfSessionOptions } from '../../../electron/core/capf/client.ts';
import {
  CapfMessageReader,
  certificateElement,
  encodeCapfMessage,
  u16Element,
  u8Element,
  type CapfMessage,
} from '../../../electron/core/capf/codec.ts';
import { CapfCommand, CapfElement, CapfKeyType } from '../../../electron/core/capf/constants.ts';
import { createCertificate } from '../../../electron/core/pki/certificate-builder.ts';
import { generateKeyPair } from '../../../electron/core/pki/certificates.ts';
import { capfSessionOptions, makeCapfIdentity, recordingStore, startScriptedServer, type Identity } from './fixtures.ts';
import { closedTcpPort } from '../../../scripts/lib/ports.ts';
import { ctiRejection } from '../../helpers/rejection.ts';
import { startSilentTcpServer } from '../../helpers/silent-tcp.ts';

const SESSION = 0x01020304;
let capf: Identity;
let closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  capf = await makeCapfIdentity();
});

afterEach(async () => {
  await Promise.all(closers.map((close) => close()));
  closers = [];
});

/** Message-level access to one scripted connection. */
function conversation(socket: tls.TLSSocket): { send(message: CapfMessage): void; next(): Promise<CapfMessage> } {
  const reader = new CapfMessageReader();
  const queue: CapfMessage[] = [];
  const waiters: ((message: CapfMessage) => void)[] = [];
  socket.on('data', (chunk: Buffer) => {
    for (const message of reader.push(chunk)) {
      const waiter = waiters.shift();
      if (waiter) waiter(message);
      else queue.push(message);
    }
  });
  return {
    send: (message) => void socket.write(encodeCapfMessage(message)),
    next: () => {
      const message = queue.shift();
      return message ? Promise.resolve(message) : new Promise((resolve) => waiters.push(resolve));
    },
  };
}

const authRequest: CapfMessage = { command: CapfCommand.authRequest, sessionId: SESSION, elements: [u8Element(CapfElement.version, 3)] };

async function scripted(script: (socket: tls.TLSSocket) => void): Promise<number> {
  const server = await startScriptedServer(capf, script);
  closers.push(server.close);
  return server.port;
}

/** A server that authenticates anyone, then sends `after` as its operation request. */
function afterAuth(after: CapfMessage | Buffer): (socket: tls.TLSSocket) => void {
  return (socket) => {
    const talk = conversation(socket);
    talk.send(authRequest);
    void talk.next().then(() => (Buffer.isBuffer(after) ? socket.write(after) : talk.send(after)));
  };
}

function options(port: number, overrides: Partial<CapfSessionOptions> = {}): CapfSessionOptions {
  return capfSessionOptions(capf, { host: '127.0.0.1', port }, '1234', overrides);
}

describe('protocol faults → CAPF_PROTOCOL', () => {
  it('a wrong protocol id', async () => {
    const port = await scripted((socket) => {
      const bytes = encodeCapfMessage(authRequest);
      bytes[0] = 0x56;
      socket.write(bytes);
    });
    const err = await ctiRejection(runCapfSession(options(port)));
    expect(err.code).toBe('CAPF_PROTOCOL');
    expect(err.message).toContain('0x56');
  });

  for (const version of [0, 4]) {
    it(`protocol version ${version}, named with its number`, async () => {
      const port = await scripted((socket) => conversation(socket).send({ ...authRequest, elements: [u8Element(CapfElement.version, version)] }));
      const err = await ctiRejection(runCapfSession(options(port)));
      expect(err.code).toBe('CAPF_PROTOCOL');
      expect(err.message).toContain(`protocol version ${version}; supported are versions 1, 2, 3`);
    });
  }

  // Versions 1 and 2 have no EC keys (JTAPI 15 speaks version 1 and generates RSA only).
  for (const [version, ecRequest] of [
    [1, [u8Element(CapfElement.keyType, CapfKeyType.ec), u8Element(CapfElement.curve, 0)]],
    [2, [u8Element(CapfElement.curve, 1)]],
  ] as const) {
    it(`an EC key request in a version ${version} session is the named protocol error; the answer carried version ${version}`, async () => {
      let answer: CapfMessage | undefined;
      const port = await scripted((socket) => {
        const talk = conversation(socket);
        talk.send({ ...authRequest, elements: [u8Element(CapfElement.version, version)] });
        void talk.next().then((message) => {
          answer = message;
          talk.send({ command: CapfCommand.keyGenRequest, sessionId: SESSION, elements: [...ecRequest] });
        });
      });
      const timeline: string[] = [];
      const store = recordingStore(timeline);
      const err = await ctiRejection(runCapfSession(options(port, { storeCertificate: store.storeCertificate })));
      expect(err.code).toBe('CAPF_PROTOCOL');
      expect(err.message).toBe(
        `CAPF server asked for an EC key (${version === 1 ? 'P-256' : 'P-384'}) in a protocol version ${version} session, but CAPF protocol version ${version} allows RSA keys only (EC needs version 3)`,
      );
      expect(answer!.elements).toContainEqual({ tag: CapfElement.version, value: Buffer.from([version]) });
      expect(store.stored).toEqual([]);
    });
  }

  it('a session id that changes', async () => {
    const port = await scripted(afterAuth({ command: CapfCommand.endSession, sessionId: SESSION + 1, elements: [u8Element(CapfElement.reason, 0)] }));
    const err = await ctiRejection(runCapfSession(options(port)));
    expect(err.code).toBe('CAPF_PROTOCOL');
    expect(err.message).toContain('session id');
  });

  it('an unexpected command after authentication', async () => {
    const port = await scripted(afterAuth({ command: CapfCommand.statusRequest, sessionId: SESSION, elements: [] }));
    const err = await ctiRejection(runCapfSession(options(port)));
    expect(err.code).toBe('CAPF_PROTOCOL');
    expect(err.message).toContain('statusRequest (18)');
  });

  it('an element whose length runs past the body', async () => {
    const lying = encodeCapfMessage({ command: CapfCommand.keyGenRequest, sessionId: SESSION, elements: [u16Element(CapfElement.keySize, 2048)] });
    lying.writeUInt16BE(0x0100, 9); // element length 256 in a 5-byte body
    const port = await scripted(afterAuth(lying));
    expect((await ctiRejection(runCapfSession(options(port)))).code).toBe('CAPF_PROTOCOL');
  });

  it('an RSA key size outside the allowed ones names the allowed ones', async () => {
    const port = await scripted(afterAuth({ command: CapfCommand.keyGenRequest, sessionId: SESSION, elements: [u16Element(CapfElement.keySize, 1000)] }));
    const err = await ctiRejection(runCapfSession(options(port)));
    expect(err.code).toBe('CAPF_PROTOCOL');
    expect(err.message).toContain('512, 1024, 2048, 3072, 4096');
    expect(err.message).toContain('P-256, P-384, P-521');
  });

  it('key type 0 with a key size (capfd style) is RSA; an LSC for some other key is refused and not stored', async () => {
    let publicKeyFromClient: Buffer | undefined;
    const stranger = await generateKeyPair({ type: 'ec', curve: 'P-256' });
    const foreignLsc = createCertificate({ subject: { CN: 'inst1' }, publicKey: stranger.publicKey, issuer: capf });
    const port = await scripted((socket) => {
      const talk = conversation(socket);
      void (async () => {
        talk.send(authRequest);
        await talk.next();
        talk.send({
          command: CapfCommand.keyGenRequest,
          sessionId: SESSION,
          elements: [u8Element(CapfElement.keyType, CapfKeyType.rsa), u16Element(CapfElement.keySize, 1024)],
        });
        let reply = await talk.next();
        if (reply.command === CapfCommand.requestInProgress) reply = await talk.next();
        publicKeyFromClient = reply.elements.find((element) => element.tag === CapfElement.publicKey)?.value;
        talk.send({
          command: CapfCommand.storeCertificateRequest,
          sessionId: SESSION,
          elements: [u8Element(CapfElement.certificateType, 1), certificateElement(CapfElement.certificate, foreignLsc)],
        });
      })();
    });
    const store = recordingStore([]);
    const err = await ctiRejection(runCapfSession(options(port, { storeCertificate: store.storeCertificate })));
    expect(err.code).toBe('CAPF_PROTOCOL');
    expect(err.message).toContain('public key');
    expect(store.stored).toHaveLength(0);
    expect(createPublicKey({ key: publicKeyFromClient!, format: 'der', type: 'spki' }).asymmetricKeyDetails?.modulusLength).toBe(1024);
  });
});

describe('refusals and framing', () => {
  it('an end session with an unlisted reason → CAPF_REFUSED naming the number', async () => {
    const port = await scripted(afterAuth({ command: CapfCommand.endSession, sessionId: SESSION, elements: [u8Element(CapfElement.reason, 42)] }));
    const err = await ctiRejection(runCapfSession(options(port)));
    expect(err.code).toBe('CAPF_REFUSED');
    expect(err.message).toContain('42');
  });

  it('messages dribbled one byte per TLS record are framed correctly', async () => {
    const port = await scripted((socket) => {
      const talk = conversation(socket);
      const auth = encodeCapfMessage(authRequest);
      for (const byte of auth) socket.write(Buffer.from([byte]));
      void talk.next().then(() => {
        const end = encodeCapfMessage({ command: CapfCommand.endSession, sessionId: SESSION, elements: [u8Element(CapfElement.reason, 9)] });
        for (const byte of end) socket.write(Buffer.from([byte]));
      });
    });
    expect((await ctiRejection(runCapfSession(options(port)))).code).toBe('CAPF_UNKNOWN_DEVICE');
  });

  it('the authentication response carries exactly reason, version, device name and password', async () => {
    let seen: CapfMessage | undefined;
    const port = await scripted((socket) => {
      const talk = conversation(socket);
      talk.send(authRequest);
      void talk.next().then((message) => {
        seen = message;
        talk.send({ command: CapfCommand.endSession, sessionId: SESSION, elements: [u8Element(CapfElement.reason, 0)] });
      });
    });
    await ctiRejection(runCapfSession(options(port, { authString: undefined, deviceName: 'inst1' })));
    expect(seen!.command).toBe(CapfCommand.authResponse);
    expect(seen!.sessionId).toBe(SESSION);
    expect(seen!.elements).toEqual([
      { tag: CapfElement.reason, value: Buffer.from([1]) },
      { tag: CapfElement.version, value: Buffer.from([3]) },
      { tag: CapfElement.deviceName, value: Buffer.from('inst1\0') },
      { tag: CapfElement.password, value: Buffer.from([0]) },
    ]);
  });
});

describe('unreachable and silent servers', () => {
  it('connection refused → NETWORK_UNREACHABLE', async () => {
    const port = await closedTcpPort();
    const err = await ctiRejection(runCapfSession(options(port)));
    expect(err.code).toBe('NETWORK_UNREACHABLE');
    expect(err.message).toContain('refused');
  });

  async function silentTcpServer(): Promise<number> {
    const server = await startSilentTcpServer();
    closers.push(server.close);
    return server.port;
  }

  it('a TCP server that never speaks TLS → NETWORK_TIMEOUT', async () => {
    const port = await silentTcpServer();
    const err = await ctiRejection(runCapfSession(options(port, { timeoutMs: 300 })));
    expect(err.code).toBe('NETWORK_TIMEOUT');
  });

  it('a TLS server that never sends the authentication request → NETWORK_TIMEOUT', async () => {
    const port = await scripted(() => {});
    const err = await ctiRejection(runCapfSession(options(port, { timeoutMs: 300 })));
    expect(err.code).toBe('NETWORK_TIMEOUT');
    expect(err.message).toContain('authentication request');
  });

  it('an abort while waiting on a silent server → CANCELLED', async () => {
    const port = await scripted(() => {});
    const controller = new AbortController();
    const session = runCapfSession(options(port, { signal: controller.signal, onStep: (step) => step === 'capf-connect' && setTimeout(() => controller.abort(), 50) }));
    expect((await ctiRejection(session)).code).toBe('CANCELLED');
  });

  it('an abort during the TLS handshake → CANCELLED', async () => {
    const port = await silentTcpServer();
    const controller = new AbortController();
    const session = runCapfSession(options(port, { signal: controller.signal, onStep: () => setTimeout(() => controller.abort(), 50) }));
    expect((await ctiRejection(session)).code).toBe('CANCELLED');
  });
});
