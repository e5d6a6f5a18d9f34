import { X509Certificate } from 'node:crypto';
import * as asn1js from 'asn1js';
import fc from 'fast-check';
import * as pkijs from 'pkijs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CtiError } from '../../../../shared/errors.ts';
import { childrenOf, decodeOne, der, readOctets } from '../../../../electron/core/pki/der.ts';
import { buildPkcs12, MAX_PKCS12_ITERATIONS, PKCS12_ITERATIONS, PKCS12_ITERATIONS_RANDOM_PASSWORD, prepareKeys, readPkcs12 } from '../../../../electron/core/keystore/pkcs12.ts';
import { issueCertificate, KEY_SPECS, pkcs8, type IssuedFixture } from './fixtures.ts';

const PASSWORD = 'correct horse battery staple';

async function expectKeystoreError(promise: Promise<unknown>, pattern?: RegExp): Promise<CtiError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CtiError);
  const error = err as CtiError;
  expect(error.code).toBe('KEYSTORE');
  expect(error.message).not.toContain(PASSWORD);
  if (pattern) expect(error.message).toMatch(pattern);
  return error;
}

describe('PKCS#12 round trip', () => {
  for (const { name, spec } of KEY_SPECS) {
    it(`keeps the ${name} key, certificate, chain and friendlyName`, async () => {
      const issued = await issueCertificate(spec);
      const bytes = await buildPkcs12({ ...issued, password: PASSWORD, friendlyName: 'JtapiUser1' });
      const back = await readPkcs12(bytes, PASSWORD);
      expect(pkcs8(back.privateKey).equals(pkcs8(issued.privateKey))).toBe(true);
      expect(back.certificate.equals(issued.certificate)).toBe(true);
      expect(back.chain).toEqual(issued.chain);
      expect(back.friendlyName).toBe('JtapiUser1');
    });
  }

  it('works without a chain and with a non-ASCII password', async () => {
    const issued = await issueCertificate({ type: 'ec', curve: 'P-256' });
    const password = 'pässwörd-Ω-日本';
    const bytes = await buildPkcs12({ privateKey: issued.privateKey, certificate: issued.certificate, password, friendlyName: 'x' });
    const back = await readPkcs12(bytes, password);
    expect(back.chain).toEqual([]);
    expect(back.certificate.equals(issued.certificate)).toBe(true);
  });

  it('encrypts each keystore afresh (random salts and IVs)', async () => {
    const issued = await issueCertificate({ type: 'ec', curve: 'P-256' });
    const a = await buildPkcs12({ ...issued, password: PASSWORD, friendlyName: 'x' });
    const b = await buildPkcs12({ ...issued, password: PASSWORD, friendlyName: 'x' });
    expect(a.equals(b)).toBe(false);
  });
});

describe('BER from other writers', () => {
  it('reads a keystore whose outer layers have indefinite lengths and whose data is an OCTET STRING in parts', async () => {
    const issued = await issueCertificate({ type: 'ec', curve: 'P-256' });
    const bytes = await buildPkcs12({ ...issued, password: PASSWORD, friendlyName: 'ber' });
    const [version, authSafe, macData] = childrenOf(decodeOne(bytes, 'PFX'), 'PFX');
    const [contentType, explicit] = childrenOf(authSafe!, 'authSafe');
    const content = readOctets(childrenOf(explicit!, 'content')[0], 'content');
    const END = Buffer.from([0, 0]);
    const indefinite = (tag: number, ...parts: Buffer[]) => Buffer.concat([Buffer.from([tag, 0x80]), ...parts, END]);
    // The MAC covers the joined octets, so splitting them keeps it valid.
    const parts = indefinite(0x24, der.octetString(content.subarray(0, 100)), der.octetString(content.subarray(100)));
    const ber = indefinite(0x30, version!.der, indefinite(0x30, contentType!.der, indefinite(0xa0, parts)), macData!.der);
    expect(asn1js.fromBER(new Uint8Array(ber)).offset).toBe(ber.length);
    const back = await readPkcs12(ber, PASSWORD);
    expect(back.certificate.equals(issued.certificate)).toBe(true);
    expect(back.friendlyName).toBe('ber');
  });
});

describe('PKCS#12 structure', () => {
  let issued: IssuedFixture;
  let pfx: pkijs.PFX;
  beforeAll(async () => {
    issued = await issueCertificate({ type: 'ec', curve: 'P-256' });
    pfx = pkijs.PFX.fromBER(new Uint8Array(await buildPkcs12({ ...issued, password: PASSWORD, friendlyName: 'Alias1' })));
  });

  it('has a SHA-256 MAC with the configured iteration count', () => {
    expect(PKCS12_ITERATIONS).toBeGreaterThanOrEqual(10_000);
    expect(pfx.macData?.mac.digestAlgorithm.algorithmId).toBe('2.16.840.1.101.3.4.2.1');
    expect(pfx.macData?.iterations).toBe(PKCS12_ITERATIONS);
  });

  it('encrypts the certificates and shrouds the key with PBES2, PBKDF2-HMAC-SHA256 and AES-256-CBC', () => {
    const safes = pkijs.AuthenticatedSafe.fromBER((pfx.authSafe.content as asn1js.OctetString).getValue()).safeContents;
    expect(safes.map((safe) => safe.contentType)).toEqual(['1.2.840.113549.1.7.6', '1.2.840.113549.1.7.1']);
    const certAlgorithm = new pkijs.EncryptedData({ schema: safes[0]!.content }).encryptedContentInfo.contentEncryptionAlgorithm;
    const keySafe = pkijs.SafeContents.fromBER((safes[1]!.content as asn1js.OctetString).getValue());
    expect(keySafe.safeBags.map((bag) => bag.bagId)).toEqual(['1.2.840.113549.1.12.10.1.2']);
    const keyAlgorithm = (keySafe.safeBags[0]!.bagValue as pkijs.PKCS8ShroudedKeyBag).encryptionAlgorithm;
    for (const algorithm of [certAlgorithm, keyAlgorithm]) {
      expect(algorithm.algorithmId).toBe('1.2.840.113549.1.5.13');
      const pbes2 = new pkijs.PBES2Params({ schema: algorithm.algorithmParams });
      expect(pbes2.encryptionScheme.algorithmId).toBe('2.16.840.1.101.3.4.1.42');
      const pbkdf2 = new pkijs.PBKDF2Params({ schema: pbes2.keyDerivationFunc.algorithmParams });
      expect(pbkdf2.prf?.algorithmId).toBe('1.2.840.113549.2.9');
      expect(pbkdf2.iterationCount).toBe(PKCS12_ITERATIONS);
    }
  });

  it('uses few iterations for a random password: the MAC the DER default of one (left out), both PBES2 safes OpenSSL\'s 2048', async () => {
    const bytes = await buildPkcs12({ ...issued, password: 'random-vault-secret-0123456789abcdefghijklm', friendlyName: 'x', passwordKind: 'random' });
    const random = pkijs.PFX.fromBER(new Uint8Array(bytes));
    expect(PKCS12_ITERATIONS_RANDOM_PASSWORD).toEqual({ pbkdf2: 2048, mac: 1 });
    expect(random.macData?.iterations).toBeUndefined();
    const safes = pkijs.AuthenticatedSafe.fromBER((random.authSafe.content as asn1js.OctetString).getValue()).safeContents;
    const certAlgorithm = new pkijs.EncryptedData({ schema: safes[0]!.content }).encryptedContentInfo.contentEncryptionAlgorithm;
    const keyAlgorithm = (pkijs.SafeContents.fromBER((safes[1]!.content as asn1js.OctetString).getValue()).safeBags[0]!.bagValue as pkijs.PKCS8ShroudedKeyBag).encryptionAlgorithm;
    for (const algorithm of [certAlgorithm, keyAlgorithm]) {
      const pbes2 = new pkijs.PBES2Params({ schema: algorithm.algorithmParams });
      expect(new pkijs.PBKDF2Params({ schema: pbes2.keyDerivationFunc.algorithmParams }).iterationCount).toBe(PKCS12_ITERATIONS_RANDOM_PASSWORD.pbkdf2);
    }
    expect((await readPkcs12(bytes, 'random-vault-secret-0123456789abcdefghijklm')).friendlyName).toBe('x');
  });
});

describe('prepared keys', () => {
  it('uses the prepared salts for the same password and count, and fresh ones otherwise', async () => {
    const issued = await issueCertificate({ type: 'ec', curve: 'P-256' });
    const prepared = prepareKeys(PASSWORD);
    const macSaltOf = (bytes: Buffer) => Buffer.from(pkijs.PFX.fromBER(new Uint8Array(bytes)).macData!.macSalt.valueBlock.valueHexView);
    const bytes = await buildPkcs12({ ...issued, password: PASSWORD, friendlyName: 'x', prepared });
    expect(macSaltOf(bytes)).toEqual(prepared.macSalt);
    // One encryption salt for both bags (each with its own IV): both PBKDF2Params carry it.
    expect(bytes.toString('hex').split(prepared.encryptionSalt.toString('hex')).length - 1).toBe(2);
    expect((await readPkcs12(bytes, PASSWORD)).certificate.equals(issued.certificate)).toBe(true);

    const otherPassword = await buildPkcs12({ ...issued, password: `${PASSWORD}!`, friendlyName: 'x', prepared });
    expect(macSaltOf(otherPassword)).not.toEqual(prepared.macSalt);
    const otherCount = await buildPkcs12({ ...issued, password: PASSWORD, friendlyName: 'x', passwordKind: 'random', prepared });
    expect(macSaltOf(otherCount)).not.toEqual(prepared.macSalt);
    expect((await readPkcs12(otherCount, PASSWORD)).certificate.equals(issued.certificate)).toBe(true);
  });
});

describe('building refuses bad input', () => {
  it('refuses a certificate that does not belong to the key', async () => {
    const a = await issueCertificate({ type: 'ec', curve: 'P-256' });
    const b = await issueCertificate({ type: 'ec', curve: 'P-256' });
    await expectKeystoreError(
      buildPkcs12({ privateKey: a.privateKey, certificate: b.certificate, password: PASSWORD, friendlyName: 'x' }),
      /does not belong to the private key/,
    );
  });

  it('refuses an empty password, a public key and a broken chain certificate', async () => {
    const issued = await issueCertificate({ type: 'ec', curve: 'P-256' });
    await expectKeystoreError(buildPkcs12({ ...issued, password: '', friendlyName: 'x' }), /password must not be empty/);
    await expectKeystoreError(
      buildPkcs12({ ...issued, privateKey: new X509Certificate(issued.certificate).publicKey, password: PASSWORD, friendlyName: 'x' }),
      /private key/,
    );
    await expectKeystoreError(
      buildPkcs12({ ...issued, chain: [Buffer.from('not a certificate')], password: PASSWORD, friendlyName: 'x' }),
      /chain\[0\] is not a valid X\.509/,
    );
  });
});

describe('reading refuses wrong passwords and damaged files', () => {
  let issued: IssuedFixture;
  let bytes: Buffer;
  beforeAll(async () => {
    issued = await issueCertificate({ type: 'rsa', bits: 2048 });
    bytes = await buildPkcs12({ ...issued, password: PASSWORD, friendlyName: 'x' });
  });

  it('reports a wrong password without echoing either password', async () => {
    const error = await expectKeystoreError(readPkcs12(bytes, 'wrong password 123'), /password is wrong/);
    expect(error.message).not.toContain('wrong password 123');
  });

  it('refuses truncated files at any length', async () => {
    for (const length of [0, 1, 2, 10, 100, bytes.length >> 1, bytes.length - 40, bytes.length - 1]) {
      await expectKeystoreError(readPkcs12(bytes.subarray(0, length), PASSWORD));
    }
  });

  it('refuses trailing bytes after the keystore', async () => {
    await expectKeystoreError(readPkcs12(Buffer.concat([bytes, Buffer.from([0])]), PASSWORD), /trailing/);
  });

  it('refuses a file asking for more iterations than allowed, before spending them', async () => {
    const pfx = pkijs.PFX.fromBER(new Uint8Array(bytes));
    pfx.macData!.iterations = MAX_PKCS12_ITERATIONS + 1;
    const hostile = Buffer.from(pfx.toSchema().toBER(false));
    await expectKeystoreError(readPkcs12(hostile, PASSWORD), /MAC iteration count 1000001 is outside/);
  });

  it('refuses a keystore without a MAC', async () => {
    const pfx = pkijs.PFX.fromBER(new Uint8Array(bytes));
    delete pfx.macData;
    await expectKeystoreError(readPkcs12(Buffer.from(pfx.toSchema().toBER(false)), PASSWORD), /no integrity check/);
  });

  it('answers any single-byte change with the same keystore or a KEYSTORE error, never anything else', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), async (index, xor) => {
        const mutated = Buffer.from(bytes);
        mutated[index] = mutated[index]! ^ xor;
        try {
          const back = await readPkcs12(mutated, PASSWORD);
          // Only bytes outside the MAC (version, MAC salt encoding...) can change without failing.
          expect(back.certificate.equals(issued.certificate)).toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(CtiError);
          expect((err as CtiError).code).toBe('KEYSTORE');
          expect((err as CtiError).message).not.toContain(PASSWORD);
        }
      }),
      { numRuns: 60 },
    );
  }, 120_000);

  it('answers arbitrary bytes with a KEYSTORE error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), async (data) => {
        await expectKeystoreError(readPkcs12(Buffer.from(data), PASSWORD));
      }),
      { numRuns: 200 },
    );
  });

  it('answers well-formed DER that is not a keystore with a KEYSTORE error', async () => {
    await expectKeystoreError(readPkcs12(issued.certificate, PASSWORD));
    await expectKeystoreError(readPkcs12(Buffer.from(new asn1js.Sequence({ value: [new asn1js.Integer({ value: 3 })] }).toBER()), PASSWORD));
  });
});
