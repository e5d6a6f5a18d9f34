/** The keystore key derivations against independent implementations: node:crypto and pkijs's own MAC code. */
import { execFile } from 'node:child_process';
import { createHash, createHmac, pbkdf2Sync, randomBytes, webcrypto } from 'node:crypto';
import { promisify } from 'node:util';
import * as pkijs from 'pkijs';
import { describe, expect, it } from 'vitest';
import { macKey, pbes2Key, type Pkcs12Hash } from '../../../../electron/core/keystore/pkcs12-kdf.ts';
import { sha256Chain } from '../../../../electron/core/keystore/sha256-chain.ts';

describe('sha256Chain', () => {
  it('equals SHA-256 applied round by round with node:crypto', () => {
    const start = createHash('sha256').update('ctiprefs').digest();
    let expected = start;
    for (let round = 1; round <= 300; round++) {
      expected = createHash('sha256').update(expected).digest();
      if ([1, 2, 64, 300].includes(round)) expect(sha256Chain(start, round)).toEqual(expected);
    }
    expect(sha256Chain(start, 0)).toEqual(start);
  });

  it('refuses anything but a 32-byte digest', () => {
    expect(() => sha256Chain(new Uint8Array(31), 1)).toThrow(RangeError);
  });

  it('gives the same where WebAssembly cannot run (node --jitless)', async () => {
    const script = `const { sha256Chain } = await import(${JSON.stringify(new URL('../../../../electron/core/keystore/sha256-chain.ts', import.meta.url).href)});
      console.log(typeof WebAssembly, sha256Chain(Buffer.alloc(32, 7), 300).toString('hex'));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--jitless', '--import', 'tsx', '--input-type=module', '-e', script]);
    expect(stdout.trim()).toBe(`undefined ${sha256Chain(Buffer.alloc(32, 7), 300).toString('hex')}`);
  });
});

describe('macKey (RFC 7292 B.2)', () => {
  const engine = new pkijs.CryptoEngine({ name: 'node', crypto: webcrypto as unknown as Crypto });
  const pkijsName: Record<string, string> = { sha1: 'SHA-1', sha256: 'SHA-256', sha384: 'SHA-384', sha512: 'SHA-512' };

  it.each([
    ['sha256', 'through node:crypto', 999],
    // From 1 000 rounds on the chain runs in sha256-chain.ts rather than node:crypto.
    ['sha256', 'correct horse battery staple', 2048],
    ['sha256', 'a password a person chose', 10_000],
    ['sha256', 'pässwörd-Ω-日本-😀', 1],
    ['sha1', 'an-old-openssl-file', 2048],
    ['sha384', 'x', 3],
    ['sha512', 'java-style password with spaces', 1000],
  ] as [Pkcs12Hash, string, number][])('gives the MAC pkijs computes (%s, %j, %i iterations)', async (hash, password, iterations) => {
    const salt = randomBytes(hash === 'sha256' ? 64 : 20);
    const content = randomBytes(300);
    const ours = createHmac(hash, await macKey(password, salt, iterations, hash)).update(content).digest();
    const theirs = await engine.stampDataWithPassword({
      password: new Uint8Array(Buffer.from(password, 'utf8')).buffer,
      hashAlgorithm: pkijsName[hash]!,
      salt: new Uint8Array(salt).buffer,
      iterationCount: iterations,
      contentToStamp: new Uint8Array(content).buffer,
    });
    expect(ours).toEqual(Buffer.from(theirs));
  });

  it('gives different keys for different salts, passwords and counts', async () => {
    const salt = randomBytes(64);
    const key = await macKey('password-1', salt, 10, 'sha256');
    expect(await macKey('password-1', salt, 10, 'sha256')).toEqual(key);
    expect(await macKey('password-2', salt, 10, 'sha256')).not.toEqual(key);
    expect(await macKey('password-1', randomBytes(64), 10, 'sha256')).not.toEqual(key);
    expect(await macKey('password-1', salt, 11, 'sha256')).not.toEqual(key);
  });
});

describe('pbes2Key', () => {
  it('is PBKDF2 over the UTF-8 password', async () => {
    const salt = randomBytes(64);
    expect(await pbes2Key('pässwörd', salt, 1000, 'sha256', 32)).toEqual(pbkdf2Sync(Buffer.from('pässwörd', 'utf8'), salt, 1000, 32, 'sha256'));
    expect(await pbes2Key('pässwörd', salt, 1000, 'sha1', 16)).toEqual(pbkdf2Sync(Buffer.from('pässwörd', 'utf8'), salt, 1000, 16, 'sha1'));
  });
});
