/**
 * `ctios test` over real TLS on loopback: against `openssl s_server` with the server set, and against the
 * lab's CTI OS endpoint; every outcome the test reports in words, made real.
 */
import { once } from 'node:events';
import { connect } from 'node:net';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCtiosIdentity } from '../../../electron/core/ctios/identity.ts';
import { testCtiosConnection } from '../../../electron/core/ctios/handshake-test.ts';
import { startCtiosLabServer, type CtiosLabServer } from '../../../electron/lab/ctios-server.ts';
import { makeCa, makeSignedSet, startOpensslServer } from '../../helpers/ctios.ts';
import { closedTcpPort } from '../../../scripts/lib/ports.ts';
import { startSilentTcpServer } from '../../helpers/silent-tcp.ts';
import { tempDir } from '../../helpers/temp.ts';

describe('CTI OS mutual-TLS handshake', () => {
  let tmp: { path: string; remove(): Promise<void> };
  let serverSet: string;
  let clientSet: string;
  let foreignClientSet: string;
  let otherCa: string;
  let lab: CtiosLabServer;

  beforeAll(async () => {
    tmp = await tempDir('ctios-tls');
    const ca = await makeCa(join(tmp.path, 'ca'));
    otherCa = await makeCa(join(tmp.path, 'other-ca'));
    serverSet = await makeSignedSet(ca, join(tmp.path, 'server'), 'server', 'ctios-server');
    clientSet = await makeSignedSet(ca, join(tmp.path, 'client'), 'client', 'desk-1');
    foreignClientSet = await makeSignedSet(otherCa, join(tmp.path, 'foreign-client'), 'client', 'desk-foreign');
    lab = await startCtiosLabServer({ dir: serverSet, handShakeTimeSeconds: 1 });
  });
  afterAll(async () => {
    await lab.close();
    await tmp.remove();
  });

  /** openssl s_server presenting CtiosServer.pem (certificate and key in one file) and requiring a client certificate. */
  const opensslServerTrusting = (caFile: string) =>
    startOpensslServer(['-cert', join(serverSet, 'CtiosServer.pem'), '-key', join(serverSet, 'CtiosServer.pem'), '-CAfile', caFile, '-Verify', '1', '-verify_return_error']);
  const options = (port: number, dir = clientSet) => ({ host: '127.0.0.1', port, dir, handShakeTimeSeconds: 5 });

  it('openssl s_server with the server set accepts the client set', async () => {
    const server = await opensslServerTrusting(join(serverSet, 'CtiosRootCert.pem'));
    try {
      const result = await testCtiosConnection(options(server.port));
      expect(result).toMatchObject({ ok: true, outcome: 'connected', serverSubject: 'CN=ctios-server', clientSubject: 'CN=desk-1', protocol: 'TLSv1.2' });
    } finally {
      await server.stop();
    }
  });

  it('client-refused: openssl s_server trusting another CA refuses the client certificate, said in words', async () => {
    const server = await opensslServerTrusting(join(otherCa, 'CtiosRootCert.pem'));
    try {
      const result = await testCtiosConnection(options(server.port));
      expect(result.outcome).toBe('client-refused');
      expect(result.message).toMatch(/^The server refused the client certificate \(TLS alert "unknown ca"\)/);
    } finally {
      await server.stop();
    }
  });

  it('the lab endpoint accepts the client set', async () => {
    const before = lab.accepted();
    const result = await testCtiosConnection(options(lab.port));
    expect(result).toMatchObject({ ok: true, outcome: 'connected', serverSubject: 'CN=ctios-server' });
    expect(lab.accepted()).toBe(before + 1);
  });

  it('server-not-signed-by-ca: a client set of another CA does not trust the lab server', async () => {
    const result = await testCtiosConnection(options(lab.port, foreignClientSet));
    expect(result.outcome).toBe('server-not-signed-by-ca');
    expect(result.message).toContain('is not signed by CtiosRootCert.pem');
  });

  it('the lab refuses a client certificate not signed by its CtiosRootCert.pem', async () => {
    const foreign = await loadCtiosIdentity(foreignClientSet, 'client');
    const server = await loadCtiosIdentity(serverSet, 'server');
    const refusedBefore = lab.refused.length;
    const acceptedBefore = lab.accepted();
    const socket = tls.connect({ host: '127.0.0.1', port: lab.port, cert: foreign.certificatePem, key: foreign.keyPem, ca: server.rootPem, checkServerIdentity: () => undefined, maxVersion: 'TLSv1.2' });
    const [err] = (await once(socket, 'error')) as [NodeJS.ErrnoException];
    // Node's server resets the connection instead of sending an alert (see electron/lab/ctios-server.ts).
    expect(err.code).toMatch(/ECONNRESET|ALERT_(UNKNOWN_CA|BAD_CERTIFICATE|CERTIFICATE_UNKNOWN)/);
    socket.destroy();
    await expect.poll(() => lab.refused.length).toBe(refusedBefore + 1);
    expect(lab.accepted()).toBe(acceptedBefore);
  });

  it('handshake-too-slow: a server that never answers the ClientHello within HandShakeTime', async () => {
    const silent = await startSilentTcpServer();
    try {
      const result = await testCtiosConnection({ ...options(silent.port), handShakeTimeSeconds: 1 });
      expect(result.outcome).toBe('handshake-too-slow');
      expect(result.message).toContain('did not complete within HandShakeTime (1 s)');
    } finally {
      await silent.close();
    }
  });

  it('the lab enforces HandShakeTime: a client that never starts the handshake is dropped', async () => {
    const socket = connect(lab.port, '127.0.0.1');
    await once(socket, 'connect');
    await once(socket, 'close');
    expect(socket.destroyed).toBe(true);
  });

  it('unreachable: nothing listens', async () => {
    const result = await testCtiosConnection(options(await closedTcpPort()));
    expect(result).toMatchObject({ ok: false, outcome: 'unreachable' });
  });

  it('a client set that fails the check is refused before connecting, with the findings', async () => {
    await expect(testCtiosConnection(options(lab.port, join(tmp.path, 'nowhere')))).rejects.toThrow(/missing-file: CtiosRootCert.pem is missing/);
  });
});
