/** The CTI OS files as OpenSSL reads them: the CA, requests, signed sets, and a third-party CA made by openssl. */
import { execFile } from 'node:child_process';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCtiosCa } from '../../../electron/core/ctios/ca.ts';
import { checkCtiosSet } from '../../../electron/core/ctios/check.ts';
import { combineCtiosFiles } from '../../../electron/core/ctios/combine.ts';
import { createCtiosRequest } from '../../../electron/core/ctios/request.ts';
import { signCtiosRequest } from '../../../electron/core/ctios/sign.ts';
import { CA_PASSWORD, makeCa } from '../../helpers/ctios.ts';
import { tempDir } from '../../helpers/temp.ts';

const run = promisify(execFile);
const openssl = async (...args: string[]) => (await run('openssl', args)).stdout;

describe('CTI OS files read by openssl', () => {
  let tmp: { path: string; remove(): Promise<void> };
  let ca: string;
  beforeAll(async () => {
    tmp = await tempDir('ctios-openssl');
    ca = await makeCa(join(tmp.path, 'ca'));
  });
  afterAll(() => tmp.remove());

  it('the CA: a self-signed CA certificate and its key encrypted with the CA password', async () => {
    const text = await openssl('x509', '-in', join(ca, 'CtiosRootCert.pem'), '-noout', '-subject', '-issuer', '-ext', 'basicConstraints,keyUsage');
    expect(text).toContain('subject=OU = CTI OS Security, CN = CTI OS Root CA');
    expect(text).toContain('issuer=OU = CTI OS Security, CN = CTI OS Root CA');
    expect(text).toContain('CA:TRUE');
    expect(text).toContain('Certificate Sign');
    const keyPem = await readFile(join(ca, 'CtiosRoot.pem'), 'utf8');
    expect(keyPem).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    expect(await openssl('pkey', '-in', join(ca, 'CtiosRoot.pem'), '-passin', `pass:${CA_PASSWORD}`, '-noout', '-text')).toContain('Private-Key: (2048 bit');
    await expect(openssl('pkey', '-in', join(ca, 'CtiosRoot.pem'), '-passin', 'pass:wrong-password', '-noout')).rejects.toThrow();
    expect((await stat(join(ca, 'CtiosRoot.pem'))).mode & 0o777).toBe(0o600);
  });

  it('requests verify with openssl req -verify and keep the subject', async () => {
    const dir = join(tmp.path, 'req');
    const made = await createCtiosRequest('server', dir, { CN: 'ctios-a.example', OU: 'CTI OS Server', O: 'Example', C: 'US' });
    expect(made.requestFile).toBe(join(dir, 'CtiosServerReq.pem'));
    expect(made.keyFile).toBe(join(dir, 'CtiosServerKey.pem'));
    const { stderr, stdout } = await run('openssl', ['req', '-verify', '-in', made.requestFile, '-noout', '-subject']);
    expect(`${stdout}${stderr}`).toContain('verify OK');
    expect(stdout).toContain('subject=C = US, O = Example, OU = CTI OS Server, CN = ctios-a.example');
    expect(await openssl('pkey', '-in', made.keyFile, '-noout', '-text')).toContain('Private-Key: (2048 bit');
    expect((await stat(made.keyFile)).mode & 0o777).toBe(0o600);
  });

  it('sign: CtiosClient.pem is the certificate then the key, verified by openssl against CtiosRootCert.pem', async () => {
    const dir = join(tmp.path, 'client');
    const made = await createCtiosRequest('peer', dir, { CN: 'peer-b' });
    expect(made.requestFile).toBe(join(dir, 'CtiosClientreq.pem'));
    const signed = await signCtiosRequest({ caDir: ca, password: CA_PASSWORD, requestFile: made.requestFile, outDir: dir });
    expect(signed.file).toBe(join(dir, 'CtiosClient.pem'));
    const text = await readFile(signed.file, 'utf8');
    expect(text.indexOf('-----BEGIN CERTIFICATE-----')).toBe(0);
    expect(text.indexOf('-----BEGIN PRIVATE KEY-----')).toBeGreaterThan(text.indexOf('-----END CERTIFICATE-----'));
    expect((await openssl('verify', '-CAfile', join(ca, 'CtiosRootCert.pem'), signed.file)).trim()).toBe(`${signed.file}: OK`);
    expect(await openssl('x509', '-in', signed.file, '-noout', '-subject', '-ext', 'extendedKeyUsage')).toContain('TLS Web Client Authentication');
    const certModulus = await openssl('x509', '-in', signed.file, '-noout', '-modulus');
    const keyModulus = await openssl('rsa', '-in', signed.file, '-noout', '-modulus');
    expect(certModulus).toBe(keyModulus);
  });

  it('sign with the wrong CA password fails and writes nothing', async () => {
    const dir = join(tmp.path, 'wrong-password');
    const made = await createCtiosRequest('client', dir, { CN: 'desk' });
    const before = (await readdir(dir)).sort();
    await expect(signCtiosRequest({ caDir: ca, password: 'not-the-password', requestFile: made.requestFile, outDir: dir })).rejects.toThrow(
      /The CA password does not open .*CtiosRoot.pem/,
    );
    expect((await readdir(dir)).sort()).toEqual(before);
  });

  it('sign refuses a key that is not the request\'s, and an existing output', async () => {
    const a = join(tmp.path, 'mix-a');
    const b = join(tmp.path, 'mix-b');
    const reqA = await createCtiosRequest('client', a, { CN: 'a' });
    const reqB = await createCtiosRequest('client', b, { CN: 'b' });
    await writeFile(reqA.keyFile, await readFile(reqB.keyFile));
    await expect(signCtiosRequest({ caDir: ca, password: CA_PASSWORD, requestFile: reqA.requestFile, outDir: a })).rejects.toThrow(/is not the key of/);
    await expect(signCtiosRequest({ caDir: ca, password: CA_PASSWORD, requestFile: reqB.requestFile, outDir: b })).resolves.toBeDefined();
    await expect(signCtiosRequest({ caDir: ca, password: CA_PASSWORD, requestFile: reqB.requestFile, outDir: b })).rejects.toThrow(/already exists and is kept/);
  });

  it('combine: a certificate from a third-party CA (openssl) + the request key, in that order; --cleanup deletes both', async () => {
    const third = join(tmp.path, 'third');
    const dir = join(tmp.path, 'third-client');
    await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(tmp.path, 'third-ca.key'), '-out', join(tmp.path, 'third-ca.pem'), '-subj', '/CN=Third Party CA', '-days', '30']);
    const made = await createCtiosRequest('client', dir, { CN: 'desk-3' });
    const certFile = join(dir, 'CtiosClientCert.pem');
    await run('openssl', ['x509', '-req', '-in', made.requestFile, '-CA', join(tmp.path, 'third-ca.pem'), '-CAkey', join(tmp.path, 'third-ca.key'), '-CAcreateserial', '-out', certFile, '-days', '30']);
    await writeFile(join(dir, 'CtiosRootCert.pem'), await readFile(join(tmp.path, 'third-ca.pem')));
    const combined = await combineCtiosFiles({ certificateFile: certFile, keyFile: made.keyFile, outFile: join(dir, 'CtiosClient.pem'), cleanup: true });
    expect(combined.issuer).toBe('CN=Third Party CA');
    expect(combined.deleted).toEqual([certFile, made.keyFile]);
    expect((await readdir(dir)).sort()).toEqual(['CtiosClient.pem', 'CtiosClientreq.pem', 'CtiosRootCert.pem']);
    expect((await openssl('verify', '-CAfile', join(dir, 'CtiosRootCert.pem'), join(dir, 'CtiosClient.pem'))).trim()).toMatch(/: OK$/);
    const report = await checkCtiosSet(dir, 'client');
    expect(report.findings).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it('combine refuses a key that does not belong to the certificate, and a chain', async () => {
    const dir = join(tmp.path, 'combine-bad');
    const made = await createCtiosRequest('server', dir, { CN: 'srv' });
    const other = await createCtiosRequest('client', dir, { CN: 'other' });
    const signed = await signCtiosRequest({ caDir: ca, password: CA_PASSWORD, requestFile: made.requestFile, outDir: dir });
    const certOnly = join(dir, 'CtiosServerCert.pem');
    const text = await readFile(signed.file, 'utf8');
    await writeFile(certOnly, text.slice(0, text.indexOf('-----BEGIN PRIVATE KEY-----')));
    await expect(combineCtiosFiles({ certificateFile: certOnly, keyFile: other.keyFile, outFile: join(dir, 'out.pem') })).rejects.toThrow(/is not the key of/);
    const chain = join(dir, 'chain.pem');
    await writeFile(chain, `${await readFile(certOnly, 'utf8')}${await readFile(join(ca, 'CtiosRootCert.pem'), 'utf8')}`);
    await expect(combineCtiosFiles({ certificateFile: chain, keyFile: made.keyFile, outFile: join(dir, 'out.pem') })).rejects.toThrow(/chain of 2 certificates; CTI OS supports no chain/);
    await expect(readFile(join(dir, 'out.pem'))).rejects.toThrow(/ENOENT/);
  });

  it('never overwrites an existing CA', async () => {
    await expect(createCtiosCa(ca, CA_PASSWORD)).rejects.toThrow(/CtiosRoot.pem already exists and is kept/);
  });
});
