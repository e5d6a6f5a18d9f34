/**
 * PKCS#12 keystores (RFC 7292) for RSA and EC keys alike, in the modern profile that OpenSSL 3 (without
 * -legacy), Java 17 keytool and Node's tls read: the key in a PKCS#8 shrouded key bag and the certificates
 * in an EncryptedData safe, both PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC), and a SHA-256 password MAC.
 *
 * pkijs supplies the ASN.1 classes; the cryptography is node:crypto (AES, HMAC, PBKDF2) and
 * pkcs12-kdf.ts (the MAC key), so no pkijs crypto engine and no global pkijs state is involved.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  randomBytes,
  timingSafeEqual,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { CtiError } from '../../../shared/errors.ts';
import { macKey, pbes2Key, type Pkcs12Hash } from './pkcs12-kdf.ts';

const OID = {
  data: '1.2.840.113549.1.7.1',
  encryptedData: '1.2.840.113549.1.7.6',
  keyBag: '1.2.840.113549.1.12.10.1.1',
  pkcs8ShroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  friendlyName: '1.2.840.113549.1.9.20',
  localKeyId: '1.2.840.113549.1.9.21',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  hmacWithSha256: '1.2.840.113549.2.9',
  sha256: '2.16.840.1.101.3.4.2.1',
  aes256Cbc: '2.16.840.1.101.3.4.1.42',
} as const;

/** The PBES2 ciphers a keystore may use (AES-CBC, RFC 3565 OIDs) and their key sizes; we write AES-256. */
const AES_CBC_KEY_BYTES: Record<string, number> = {
  '2.16.840.1.101.3.4.1.2': 16,
  '2.16.840.1.101.3.4.1.22': 24,
  [OID.aes256Cbc]: 32,
};
const AES_BLOCK_BYTES = 16;
/** Pre-2020 defaults (OpenSSL 1.1 and older, Windows): readable only with weak ciphers, so refused by name. */
const LEGACY_PBE_NAMES: Record<string, string> = {
  '1.2.840.113549.1.12.1.1': 'pbeWithSHAAnd128BitRC4',
  '1.2.840.113549.1.12.1.2': 'pbeWithSHAAnd40BitRC4',
  '1.2.840.113549.1.12.1.3': 'pbeWithSHAAnd3-KeyTripleDES-CBC',
  '1.2.840.113549.1.12.1.4': 'pbeWithSHAAnd2-KeyTripleDES-CBC',
  '1.2.840.113549.1.12.1.5': 'pbeWithSHAAnd128BitRC2-CBC',
  '1.2.840.113549.1.12.1.6': 'pbeWithSHAAnd40BitRC2-CBC',
};
/** PBKDF2 pseudo-random functions (RFC 8018 B.1.2); absent means HMAC-SHA-1. */
const PBES2_PRF_HASHES: Record<string, Pkcs12Hash> = {
  '1.2.840.113549.2.7': 'sha1',
  '1.2.840.113549.2.8': 'sha224',
  [OID.hmacWithSha256]: 'sha256',
  '1.2.840.113549.2.10': 'sha384',
  '1.2.840.113549.2.11': 'sha512',
};
const DEFAULT_PBES2_PRF_HASH: Pkcs12Hash = 'sha1';
/** MAC digest algorithms (RFC 5754 OIDs). */
const MAC_HASHES: Record<string, Pkcs12Hash> = {
  '1.3.14.3.2.26': 'sha1',
  [OID.sha256]: 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};
const PFX_VERSION = 3;

/**
 * Where a keystore password comes from decides how much key-derivation work protects it:
 * - chosen: a person picked it (CTIPREFS_KEYSTORE_PASSWORD, an export password), so it may be guessable
 *   and every guess must cost: PKCS12_ITERATIONS.
 * - random: the vault generated 256 random bits; nobody can guess those at any speed, so iterations only
 *   cost time: PKCS12_ITERATIONS_RANDOM_PASSWORD.
 */
export type PasswordKind = 'chosen' | 'random';
/**
 * Iterations for PBKDF2 and for the MAC key of a chosen password. Both are equal because an attacker
 * brute-forces whichever is cheaper. See scripts/bench-keystore.ts for what they cost.
 */
export const PKCS12_ITERATIONS = 100_000;
/** Iterations for a random 256-bit password: OpenSSL's own default, which every reader accepts. */
export const PKCS12_ITERATIONS_RANDOM_PASSWORD = 2048;
/**
 * Reading refuses files asking for more: a hostile file could otherwise ask for billions of iterations
 * and hang the app. OpenSSL writes 2048, Java 10 000, so this leaves plenty of room.
 */
export const MAX_PKCS12_ITERATIONS = 1_000_000;

const SALT_BYTES = 64;
const HASH: Pkcs12Hash = 'sha256';
const AES_256_KEY_BYTES = 32;

export interface Pkcs12Contents {
  privateKey: KeyObject;
  /** The certificate of the private key, DER. */
  certificate: Buffer;
  /** The issuing certificates, DER, in the order stored. */
  chain: Buffer[];
  friendlyName?: string;
}

export interface Pkcs12Input {
  privateKey: KeyObject;
  certificate: Buffer;
  chain?: Buffer[];
  password: string;
  /** The alias keytool shows; also OpenSSL's "friendlyName". */
  friendlyName: string;
  /** Sets the key-derivation work; 'chosen' (the safe choice) when not given. */
  passwordKind?: PasswordKind;
  /** From prepareKeys() with the same password and kind: its salts, whose keys are already being derived. */
  prepared?: PreparedKeys;
}

/** The salts of one future keystore whose keys are being derived ahead of time; use them for one file only. */
export interface PreparedKeys {
  readonly password: string;
  readonly iterations: number;
  readonly macSalt: Buffer;
  readonly keySalt: Buffer;
  readonly certificatesSalt: Buffer;
}

/**
 * Starts deriving the three keys of a keystore before its contents exist (the key derivations depend only
 * on password, salt and count), so that a caller waiting for a certificate pays for them meanwhile.
 */
export function prepareKeys(password: string, passwordKind: PasswordKind = 'chosen'): PreparedKeys {
  checkPassword(password);
  const prepared = { password, iterations: iterationsFor(passwordKind), macSalt: randomBytes(SALT_BYTES), keySalt: randomBytes(SALT_BYTES), certificatesSalt: randomBytes(SALT_BYTES) };
  // Remembered by pkcs12-kdf.ts; a failure here shows again, with its context, when buildPkcs12 asks.
  const started = [
    macKey(password, prepared.macSalt, prepared.iterations, HASH),
    ...[prepared.keySalt, prepared.certificatesSalt].map((salt) => pbes2Key(password, salt, prepared.iterations, HASH, AES_256_KEY_BYTES)),
  ];
  for (const key of started) key.catch(() => undefined);
  return prepared;
}

function iterationsFor(kind: PasswordKind | undefined): number {
  return kind === 'random' ? PKCS12_ITERATIONS_RANDOM_PASSWORD : PKCS12_ITERATIONS;
}

// ---------------------------------------------------------------------------------------------------
// Writing

export async function buildPkcs12(input: Pkcs12Input): Promise<Buffer> {
  checkPassword(input.password);
  if (input.friendlyName.length === 0) throw new CtiError('KEYSTORE', 'Keystore friendlyName must not be empty');
  const leaf = parseCertificate(input.certificate, 'certificate');
  if (input.privateKey.type !== 'private') throw new CtiError('KEYSTORE', 'Keystore privateKey must be a private key');
  if (!leaf.checkPrivateKey(input.privateKey)) {
    throw new CtiError('KEYSTORE', 'The certificate does not belong to the private key; the keystore was not written');
  }
  const chain = input.chain ?? [];
  chain.forEach((der, index) => parseCertificate(der, `chain[${index}]`));

  const { password } = input;
  const iterations = iterationsFor(input.passwordKind);
  const prepared = input.prepared?.password === password && input.prepared.iterations === iterations ? input.prepared : undefined;
  // keytool pairs a key with its certificate only through matching localKeyID attributes.
  const attributes = [
    new pkijs.Attribute({ type: OID.friendlyName, values: [new asn1js.BmpString({ value: input.friendlyName })] }),
    new pkijs.Attribute({
      type: OID.localKeyId,
      values: [new asn1js.OctetString({ valueHex: createHash('sha256').update(input.certificate).digest() })],
    }),
  ];

  const certBags = [input.certificate, ...chain].map(
    (der, index) =>
      new pkijs.SafeBag({
        bagId: OID.certBag,
        // certValue keeps the exact DER bytes (parsedValue would re-encode them).
        bagValue: new pkijs.CertBag({ certId: OID.x509Certificate, certValue: new asn1js.OctetString({ valueHex: der }) }),
        ...(index === 0 ? { bagAttributes: attributes } : {}),
      }),
  );
  const pkcs8 = input.privateKey.export({ type: 'pkcs8', format: 'der' });
  // Two independent key derivations: side by side on the thread pool.
  const [shrouded, certificates] = await Promise.all([
    encrypt(pkcs8, password, iterations, prepared?.keySalt),
    encrypt(encode(new pkijs.SafeContents({ safeBags: certBags })), password, iterations, prepared?.certificatesSalt),
  ]);
  const keyBag = new pkijs.SafeBag({
    bagId: OID.pkcs8ShroudedKeyBag,
    bagValue: new pkijs.PKCS8ShroudedKeyBag({
      encryptionAlgorithm: shrouded.contentEncryptionAlgorithm,
      encryptedData: encryptedOctets(shrouded),
    }),
    bagAttributes: attributes,
  });

  const keySafe = new pkijs.ContentInfo({
    contentType: OID.data,
    // The key bag is already encrypted on its own, as OpenSSL and Java do.
    content: new asn1js.OctetString({ valueHex: encode(new pkijs.SafeContents({ safeBags: [keyBag] })) }),
  });
  const certSafe = new pkijs.ContentInfo({
    contentType: OID.encryptedData,
    content: new pkijs.EncryptedData({
      version: 0,
      encryptedContentInfo: certificates,
    }).toSchema(),
  });

  const authenticatedSafe = Buffer.from(new pkijs.AuthenticatedSafe({ safeContents: [certSafe, keySafe] }).toSchema().toBER(false));
  const macSalt = prepared?.macSalt ?? randomBytes(SALT_BYTES);
  const mac = createHmac(HASH, await macKey(password, macSalt, iterations, HASH)).update(authenticatedSafe).digest();
  const pfx = new pkijs.PFX({
    version: PFX_VERSION,
    authSafe: new pkijs.ContentInfo({ contentType: OID.data, content: new asn1js.OctetString({ valueHex: authenticatedSafe }) }),
    macData: new pkijs.MacData({
      mac: new pkijs.DigestInfo({
        digestAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256 }),
        digest: new asn1js.OctetString({ valueHex: mac }),
      }),
      macSalt: new asn1js.OctetString({ valueHex: macSalt }),
      iterations,
    }),
  });
  return Buffer.from(pfx.toSchema().toBER(false));
}

/** PBES2 (RFC 8018 6.2): PBKDF2-HMAC-SHA256 with a fresh salt, then AES-256-CBC with a fresh IV. */
async function encrypt(content: Buffer, password: string, iterations: number, salt: Buffer = randomBytes(SALT_BYTES)): Promise<pkijs.EncryptedContentInfo> {
  const iv = randomBytes(AES_BLOCK_BYTES);
  const key = await pbes2Key(password, salt, iterations, HASH, AES_256_KEY_BYTES);
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  const encrypted = Buffer.concat([cipher.update(content), cipher.final()]);
  const kdf = new pkijs.PBKDF2Params({
    salt: new asn1js.OctetString({ valueHex: salt }),
    iterationCount: iterations,
    prf: new pkijs.AlgorithmIdentifier({ algorithmId: OID.hmacWithSha256, algorithmParams: new asn1js.Null() }),
  });
  const pbes2 = new pkijs.PBES2Params({
    keyDerivationFunc: new pkijs.AlgorithmIdentifier({ algorithmId: OID.pbkdf2, algorithmParams: kdf.toSchema() }),
    encryptionScheme: new pkijs.AlgorithmIdentifier({ algorithmId: OID.aes256Cbc, algorithmParams: new asn1js.OctetString({ valueHex: iv }) }),
  });
  return new pkijs.EncryptedContentInfo({
    contentType: OID.data,
    contentEncryptionAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.pbes2, algorithmParams: pbes2.toSchema() }),
    encryptedContent: new asn1js.OctetString({ valueHex: encrypted }),
  });
}

function encryptedOctets(info: pkijs.EncryptedContentInfo): asn1js.OctetString {
  if (!info.encryptedContent) throw new Error('encryption produced no content');
  return info.encryptedContent;
}

// ---------------------------------------------------------------------------------------------------
// Reading

/**
 * Opens a keystore. Every failure is a CtiError('KEYSTORE'): a wrong password and a damaged file are told
 * apart where the format allows it (the MAC cannot tell a wrong password from altered contents).
 */
export async function readPkcs12(bytes: Buffer, password: string): Promise<Pkcs12Contents> {
  checkPassword(password);
  try {
    return await readVerified(bytes, password);
  } catch (err) {
    if (err instanceof CtiError) throw err;
    // Library messages describe the structure (never the password); keep them short for the log.
    const reason = err instanceof Error ? err.message.slice(0, 200) : 'unknown error';
    throw new CtiError('KEYSTORE', `The keystore file is damaged or is not a PKCS#12 keystore (${reason})`, { cause: err });
  }
}

async function readVerified(bytes: Buffer, password: string): Promise<Pkcs12Contents> {
  const pfx = pkijs.PFX.fromBER(strictDer(bytes, 'PFX'));
  if (pfx.version !== PFX_VERSION) damaged(`PFX version ${pfx.version}, expected ${PFX_VERSION}`);
  if (pfx.authSafe.contentType !== OID.data) {
    damaged(`integrity mode ${pfx.authSafe.contentType} is not supported, only password integrity (MAC)`);
  }
  if (!(pfx.authSafe.content instanceof asn1js.OctetString)) damaged('authSafe content is not an OCTET STRING');
  const authenticatedSafe = pfx.authSafe.content.getValue();
  await verifyMac(pfx.macData, authenticatedSafe, password);

  const key: { der?: Buffer; attributes?: pkijs.Attribute[]; count: number } = { count: 0 };
  const certificates: Buffer[] = [];
  for (const safe of pkijs.AuthenticatedSafe.fromBER(authenticatedSafe).safeContents) {
    const contents = pkijs.SafeContents.fromBER(await openSafe(safe, password));
    for (const bag of contents.safeBags) {
      if (bag.bagId === OID.pkcs8ShroudedKeyBag && bag.bagValue instanceof pkijs.PKCS8ShroudedKeyBag) {
        key.der = await decrypt(bag.bagValue.encryptionAlgorithm, bag.bagValue.encryptedData.getValue(), password);
        key.attributes = bag.bagAttributes;
        key.count += 1;
      } else if (bag.bagId === OID.keyBag && bag.bagValue instanceof pkijs.PrivateKeyInfo) {
        key.der = Buffer.from(bag.bagValue.toSchema().toBER(false));
        key.attributes = bag.bagAttributes;
        key.count += 1;
      } else if (bag.bagId === OID.certBag && bag.bagValue instanceof pkijs.CertBag) {
        if (bag.bagValue.certId !== OID.x509Certificate) continue; // SDSI / attribute certificates: not ours
        const value = bag.bagValue.certValue;
        if (!(value instanceof asn1js.OctetString)) damaged('certificate bag value is not an OCTET STRING');
        certificates.push(Buffer.from(value.getValue()));
      }
      // CRL, secret and nested bags carry nothing a client certificate needs: skipped.
    }
  }

  if (key.count === 0 || !key.der) damaged('it holds no private key');
  if (key.count > 1) damaged('it holds more than one private key');
  const privateKey = createPrivateKey({ key: key.der, format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  const leafIndex = certificates.findIndex((der) =>
    parseCertificate(der, 'certificate').publicKey.export({ type: 'spki', format: 'der' }).equals(publicKey),
  );
  if (leafIndex < 0) damaged('no certificate in it belongs to the private key');
  const friendlyName = bmpAttribute(key.attributes, OID.friendlyName);
  return {
    privateKey,
    certificate: certificates[leafIndex]!,
    chain: certificates.filter((_, index) => index !== leafIndex),
    ...(friendlyName === undefined ? {} : { friendlyName }),
  };
}

async function verifyMac(macData: pkijs.MacData | undefined, content: ArrayBuffer, password: string): Promise<void> {
  if (!macData) damaged('it has no integrity check (MAC)');
  const hash = MAC_HASHES[macData.mac.digestAlgorithm.algorithmId];
  if (!hash) damaged(`MAC hash ${macData.mac.digestAlgorithm.algorithmId} is not supported`);
  const iterations = macData.iterations ?? 1;
  checkIterations(iterations, 'MAC');
  const key = await macKey(password, macData.macSalt.valueBlock.valueHexView, iterations, hash);
  const expected = createHmac(hash, key).update(new Uint8Array(content)).digest();
  const stored = macData.mac.digest.valueBlock.valueHexView;
  if (stored.length !== expected.length || !timingSafeEqual(stored, expected)) {
    throw new CtiError('KEYSTORE', 'The keystore password is wrong, or the keystore file was altered (integrity check failed)');
  }
}

async function openSafe(safe: pkijs.ContentInfo, password: string): Promise<ArrayBuffer> {
  if (safe.contentType === OID.data) {
    if (!(safe.content instanceof asn1js.OctetString)) damaged('a data safe is not an OCTET STRING');
    return safe.content.getValue();
  }
  if (safe.contentType === OID.encryptedData) {
    const info = new pkijs.EncryptedData({ schema: safe.content }).encryptedContentInfo;
    if (!info.encryptedContent) damaged('an encrypted safe has no content');
    // getEncryptedContent() joins the parts of a constructed (BER) OCTET STRING, as some writers produce.
    return toArrayBuffer(await decrypt(info.contentEncryptionAlgorithm, info.getEncryptedContent(), password));
  }
  return damaged(`safe content type ${safe.contentType} is not supported (only password-protected safes)`);
}

/** Decrypts PBES2 content after checking its parameters, so hostile parameters fail cleanly and quickly. */
async function decrypt(algorithm: pkijs.AlgorithmIdentifier, encrypted: ArrayBuffer, password: string): Promise<Buffer> {
  if (algorithm.algorithmId !== OID.pbes2) {
    const name = LEGACY_PBE_NAMES[algorithm.algorithmId] ?? algorithm.algorithmId;
    damaged(`legacy encryption ${name} is not supported, only PBES2/AES (re-export it with OpenSSL 3 or Java 17)`);
  }
  const pbes2 = new pkijs.PBES2Params({ schema: algorithm.algorithmParams });
  if (pbes2.keyDerivationFunc.algorithmId !== OID.pbkdf2) damaged(`key derivation ${pbes2.keyDerivationFunc.algorithmId} is not PBKDF2`);
  const pbkdf2 = new pkijs.PBKDF2Params({ schema: pbes2.keyDerivationFunc.algorithmParams });
  checkIterations(pbkdf2.iterationCount, 'PBKDF2');
  if (!(pbkdf2.salt instanceof asn1js.OctetString)) damaged('PBKDF2 salt is not an OCTET STRING');
  const prfHash = pbkdf2.prf ? PBES2_PRF_HASHES[pbkdf2.prf.algorithmId] : DEFAULT_PBES2_PRF_HASH;
  if (!prfHash) damaged(`PBKDF2 PRF ${pbkdf2.prf?.algorithmId} is not supported`);
  const keyBytes = AES_CBC_KEY_BYTES[pbes2.encryptionScheme.algorithmId];
  if (!keyBytes) damaged(`cipher ${pbes2.encryptionScheme.algorithmId} is not AES-CBC`);
  const iv = pbes2.encryptionScheme.algorithmParams;
  if (!(iv instanceof asn1js.OctetString) || iv.valueBlock.valueHexView.byteLength !== AES_BLOCK_BYTES) damaged('AES-CBC IV is not 16 bytes');

  const key = await pbes2Key(password, pbkdf2.salt.valueBlock.valueHexView, pbkdf2.iterationCount, prfHash, keyBytes);
  const decipher = createDecipheriv(`aes-${keyBytes * 8}-cbc`, key, iv.valueBlock.valueHexView);
  return Buffer.concat([decipher.update(new Uint8Array(encrypted)), decipher.final()]);
}

// ---------------------------------------------------------------------------------------------------
// Helpers

function checkPassword(password: string): void {
  if (typeof password !== 'string' || password.length === 0) throw new CtiError('KEYSTORE', 'The keystore password must not be empty');
}

function checkIterations(count: number, what: string): void {
  if (!Number.isSafeInteger(count) || count < 1 || count > MAX_PKCS12_ITERATIONS) {
    damaged(`${what} iteration count ${count} is outside 1 to ${MAX_PKCS12_ITERATIONS}`);
  }
}

function damaged(reason: string): never {
  throw new CtiError('KEYSTORE', `The keystore file is damaged or not supported: ${reason}`);
}

function parseCertificate(der: Buffer, what: string): X509Certificate {
  try {
    return new X509Certificate(der);
  } catch (err) {
    throw new CtiError('KEYSTORE', `The keystore ${what} is not a valid X.509 certificate`, { cause: err });
  }
}

/** Decodes one DER/BER element and refuses trailing bytes, which pkijs alone would ignore. */
function strictDer(bytes: Buffer, what: string): ArrayBuffer {
  const buffer = toArrayBuffer(bytes);
  const decoded = asn1js.fromBER(buffer);
  if (decoded.offset === -1) damaged(`${what} is not valid ASN.1 (${decoded.result.error})`);
  if (decoded.offset !== buffer.byteLength) damaged(`${buffer.byteLength - decoded.offset} trailing bytes after the ${what}`);
  return buffer;
}

function bmpAttribute(attributes: pkijs.Attribute[] | undefined, type: string): string | undefined {
  const value = attributes?.find((attribute) => attribute.type === type)?.values[0];
  return value instanceof asn1js.BmpString ? value.valueBlock.value : undefined;
}

function encode(object: { toSchema(): asn1js.AsnType }): Buffer {
  return Buffer.from(object.toSchema().toBER(false));
}

function toArrayBuffer(view: Uint8Array): ArrayBuffer {
  return view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength) as ArrayBuffer;
}
