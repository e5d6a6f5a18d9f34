/**
 * Our keystores as the real readers see them: OpenSSL 3.0 (no -legacy), Java 17 keytool, and Node's TLS
 * stack serving a real handshake on 127.0.0.1; and their keystores as we read them.
 */
import { execFile } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CtiError } from '../../../shared/errors.ts';
import { createCertificate } from '../../../electron/core/pki/certificate-builder.ts';
import { generateKeyPair, toPem } from '../../../electron/core/pki/certificates.ts';
import { buildPkcs12, PKCS12_ITERATIONS_RANDOM_PASSWORD, readPkcs12 } from '../../../electron/core/keystore/pkcs12.ts';
import { issueCertificate, KEY_SPECS, pkcs8, type IssuedFixture } from '../../unit/core/keystore/fixtures.ts';

const run = promisify(execFile);
const PASSWORD = 'Interop-Password-42';
const ALIAS = 'JtapiUser7';
const TIMEOUT = 120_000;

let dir: string;
let serverIdentity: { key: string; cert: string };
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ctiprefs-p12-'));
  const server = await generateKeyPair({ type: 'ec', curve: 'P-256' });
  const cert = createCertificate({ subject: { CN: 'localhost' }, publicKey: server.publicKey, selfSigningKey: server.privateKey, isCa: true, extendedKeyUsage: ['serverAuth'] });
  serverIdentity = { key: server.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, cert: toPem(cert) };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.each(KEY_SPECS)('$name keystore', ({ name, spec }) => {
  let issued: IssuedFixture;
  let file: string;
  let bytes: Buffer;
  beforeAll(async () => {
    issued = await issueCertificate(spec);
    bytes = await buildPkcs12({ ...issued, password: PASSWORD, friendlyName: ALIAS });
    file = join(dir, `${name.replace(/\W/g, '')}.p12`);
    await writeFile(file, bytes);
  });

  it('opens with openssl pkcs12 (OpenSSL 3, no -legacy) and gives back the same key and certificates', async () => {
    const { stdout } = await run('openssl', ['pkcs12', '-in', file, '-passin', `pass:${PASSWORD}`, '-nodes'], { timeout: TIMEOUT });
    const key = createPrivateKey(stdout.slice(stdout.indexOf('-----BEGIN PRIVATE KEY-----')));
    expect(pkcs8(key).equals(pkcs8(issued.privateKey))).toBe(true);
    expect(stdout).toContain(toPem(issued.certificate).trim());
    expect(stdout).toContain(toPem(issued.chain[0]!).trim());
    expect(stdout).toContain(`friendlyName: ${ALIAS}`);

    const info = await run('openssl', ['pkcs12', '-info', '-noout', '-in', file, '-passin', `pass:${PASSWORD}`], { timeout: TIMEOUT });
    const details = info.stdout + info.stderr;
    expect(details).toMatch(/MAC: sha256/);
    expect(details).toMatch(/Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration \d+, PRF hmacWithSHA256/);
    expect(details).toMatch(/PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC, Iteration \d+, PRF hmacWithSHA256/);
  }, TIMEOUT);

  it('is refused by openssl with a wrong password', async () => {
    await expect(run('openssl', ['pkcs12', '-in', file, '-passin', 'pass:wrong-password', '-nodes'], { timeout: TIMEOUT })).rejects.toThrow();
  }, TIMEOUT);

  it('lists as one PrivateKeyEntry with its chain in keytool', async () => {
    const { stdout } = await run('keytool', ['-list', '-v', '-keystore', file, '-storetype', 'PKCS12', '-storepass', PASSWORD], {
      timeout: TIMEOUT,
    });
    expect(stdout).toMatch(/Your keystore contains 1 entry/);
    expect(stdout).toMatch(new RegExp(`Alias name: ${ALIAS.toLowerCase()}`));
    expect(stdout).toMatch(/Entry type: PrivateKeyEntry/);
    expect(stdout).toMatch(/Certificate chain length: 2/);
  }, TIMEOUT);

  it('is decrypted by keytool (importkeystore), and the keystore Java writes reads back here', async () => {
    const javaFile = `${file}.java.p12`;
    await run(
      'keytool',
      ['-importkeystore', '-noprompt', '-srckeystore', file, '-srcstoretype', 'PKCS12', '-srcstorepass', PASSWORD,
        '-destkeystore', javaFile, '-deststoretype', 'PKCS12', '-deststorepass', `${PASSWORD}-java`],
      { timeout: TIMEOUT },
    );
    const back = await readPkcs12(await readFile(javaFile), `${PASSWORD}-java`);
    expect(pkcs8(back.privateKey).equals(pkcs8(issued.privateKey))).toBe(true);
    expect(back.certificate.equals(issued.certificate)).toBe(true);
    expect(back.chain).toEqual(issued.chain);
  }, TIMEOUT);

  it('authenticates a TLS client through tls.createSecureContext({ pfx, passphrase })', async () => {
    // The real use: the CTI client presents its certificate to a server that requires one.
    const server = tls.createServer({ ...serverIdentity, requestCert: true, rejectUnauthorized: true, ca: toPem(issued.chain[0]!) });
    const clientCertificate = new Promise<Buffer | undefined>((resolve, reject) => {
      server.once('secureConnection', (socket) => {
        resolve(socket.getPeerX509Certificate()?.raw);
        socket.end();
      });
      server.once('tlsClientError', reject);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      // The secure context replaces every other credential option of connect(), so it carries the CA too.
      const secureContext = tls.createSecureContext({ pfx: bytes, passphrase: PASSWORD, ca: serverIdentity.cert });
      const socket = tls.connect({ host: '127.0.0.1', port, secureContext, servername: 'localhost' });
      await once(socket, 'secureConnect');
      // In TLS 1.3 the client is connected before the server has checked its certificate: wait for that.
      const presented = await clientCertificate;
      socket.destroy();
      expect(presented?.equals(issued.certificate)).toBe(true);
    } finally {
      server.close();
    }
  }, TIMEOUT);
});

describe('keystores written by OpenSSL', () => {
  let issued: IssuedFixture;
  let pemFile: string;
  beforeAll(async () => {
    issued = await issueCertificate({ type: 'ec', curve: 'P-256' });
    pemFile = join(dir, 'openssl-input.pem');
    const keyPem = issued.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    await writeFile(pemFile, keyPem + toPem(issued.certificate) + toPem(issued.chain[0]!), { mode: 0o600 });
  });

  it('read back (OpenSSL 3 defaults: PBES2/AES-256, SHA-256 MAC)', async () => {
    const out = join(dir, 'openssl.p12');
    await run('openssl', ['pkcs12', '-export', '-in', pemFile, '-name', 'fromopenssl', '-passout', `pass:${PASSWORD}`, '-out', out], { timeout: TIMEOUT });
    const back = await readPkcs12(await readFile(out), PASSWORD);
    expect(back.friendlyName).toBe('fromopenssl');
    expect(pkcs8(back.privateKey).equals(pkcs8(issued.privateKey))).toBe(true);
    expect(new X509Certificate(back.certificate).checkPrivateKey(back.privateKey)).toBe(true);
    expect(back.chain).toEqual(issued.chain);
  }, TIMEOUT);

  it.each(['sha1', 'sha512'])('read back with a %s MAC', async (macalg) => {
    const out = join(dir, `openssl-${macalg}.p12`);
    await run('openssl', ['pkcs12', '-export', '-in', pemFile, '-macalg', macalg, '-passout', `pass:${PASSWORD}`, '-out', out], { timeout: TIMEOUT });
    const back = await readPkcs12(await readFile(out), PASSWORD);
    expect(pkcs8(back.privateKey).equals(pkcs8(issued.privateKey))).toBe(true);
    await expect(readPkcs12(await readFile(out), `${PASSWORD}x`)).rejects.toThrow(/password is wrong/);
  }, TIMEOUT);

  it('in the legacy format (RC2/3DES) are refused with KEYSTORE naming the cipher', async () => {
    const out = join(dir, 'legacy.p12');
    await run('openssl', ['pkcs12', '-export', '-legacy', '-in', pemFile, '-passout', `pass:${PASSWORD}`, '-out', out], { timeout: TIMEOUT });
    const err = await readPkcs12(await readFile(out), PASSWORD).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CtiError);
    expect((err as CtiError).code).toBe('KEYSTORE');
    expect((err as CtiError).message).toMatch(/legacy encryption pbeWithSHAAnd(40BitRC2-CBC|3-KeyTripleDES-CBC) is not supported/);
  }, TIMEOUT);
});

describe('a keystore protected by a random vault password (fewer iterations)', () => {
  const randomPassword = 'p2X9c0rJ3mQv8Lw1sYb6TnKe4HdA7uZiGf5oVqWxEyR';
  let issued: IssuedFixture;
  let file: string;
  beforeAll(async () => {
    issued = await issueCertificate({ type: 'rsa', bits: 2048 });
    file = join(dir, 'random-password.p12');
    await writeFile(file, await buildPkcs12({ ...issued, password: randomPassword, friendlyName: ALIAS, passwordKind: 'random' }));
  });

  it(`uses ${PKCS12_ITERATIONS_RANDOM_PASSWORD.pbkdf2} PBKDF2 iterations and ${PKCS12_ITERATIONS_RANDOM_PASSWORD.mac} for the MAC, and opens with openssl`, async () => {
    const info = await run('openssl', ['pkcs12', '-info', '-nodes', '-in', file, '-passin', `pass:${randomPassword}`], { timeout: TIMEOUT });
    const details = info.stdout + info.stderr;
    expect(details).toContain(`MAC: sha256, Iteration ${PKCS12_ITERATIONS_RANDOM_PASSWORD.mac}`);
    expect(details).toContain(`Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration ${PKCS12_ITERATIONS_RANDOM_PASSWORD.pbkdf2}, PRF hmacWithSHA256`);
    const key = createPrivateKey(info.stdout.slice(info.stdout.indexOf('-----BEGIN PRIVATE KEY-----')));
    expect(pkcs8(key).equals(pkcs8(issued.privateKey))).toBe(true);
  }, TIMEOUT);

  it('lists as a PrivateKeyEntry in keytool', async () => {
    const { stdout } = await run('keytool', ['-list', '-keystore', file, '-storetype', 'PKCS12', '-storepass', randomPassword], { timeout: TIMEOUT });
    expect(stdout).toMatch(/Your keystore contains 1 entry/);
    expect(stdout).toMatch(/PrivateKeyEntry/);
  }, TIMEOUT);
});
