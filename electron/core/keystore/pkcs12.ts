/**
 * PKCS#12 keystores (RFC 7292) for RSA and EC keys alike, in the modern profile that OpenSSL 3 (without
 * -legacy), Java 17 keytool and Node's tls read: the key in a PKCS#8 shrouded key bag and the certificates
 * in an EncryptedData safe, both PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC), and a SHA-256 password MAC.
 *
 * The ASN.1 is written and read with pki/der.ts, field by field as RFC 7292 and RFC 8018 define it; the
 * cryptography is node:crypto (AES, HMAC, PBKDF2) and pkcs12-kdf.ts (the MAC key).
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
import { CtiError } from '../../../shared/errors.ts';
import {
  childrenOf,
  contextTag,
  decodeOne,
  der,
  DerError,
  readOctets,
  readOid,
  readSmallInteger,
  readString,
  sequenceOf,
  Tag,
  tlv,
  type DerElement,
} from '../pki/der.ts';
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
const ENCRYPTED_DATA_VERSION = 0;

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
/**
 * Iterations for a random 256-bit password, which no count makes harder to guess: PBKDF2 keeps OpenSSL's
 * default (FIPS providers refuse fewer than 1000; native, so it costs well under a millisecond), while the
 * MAC, a SHA-256 chain on the main thread, gets one, RFC 7292's default (left out, as DER requires).
 */
export const PKCS12_ITERATIONS_RANDOM_PASSWORD = { pbkdf2: 2048, mac: 1 } as const;
/** RFC 7292 MacData: `iterations INTEGER DEFAULT 1`. */
const DEFAULT_MAC_ITERATIONS = 1;
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
  /** From prepareKeys() with the same password and kind: its salts, whose keys may already be derived. */
  prepared?: PreparedKeys;
}

/** The salts of one future keystore, whose keys may be derived ahead of time; use them for one file only. */
export interface PreparedKeys {
  readonly password: string;
  readonly iterations: Iterations;
  readonly macSalt: Buffer;
  readonly encryptionSalt: Buffer;
}

/**
 * The salts and counts of a keystore to come, so that its keys can be derived before its contents exist
 * (key derivations depend only on password, salt and count): see deriveAhead().
 */
export function prepareKeys(password: string, passwordKind: PasswordKind = 'chosen'): PreparedKeys {
  checkPassword(password);
  const begun = passwordKind === 'chosen' ? begunAhead.get(password) : undefined;
  if (begun) {
    begunAhead.delete(password);
    return begun;
  }
  return { password, iterations: iterationsFor(passwordKind), macSalt: randomBytes(SALT_BYTES), encryptionSalt: randomBytes(SALT_BYTES) };
}

/** What beginKeysAhead() began, per password: the next prepareKeys() of that chosen password takes it, once. */
const begunAhead = new Map<string, PreparedKeys>();

/**
 * Begins the keys of the next keystore a chosen password will write before that keystore is known (its
 * salts are random, and its keys depend on nothing else): an enrollment with CTIPREFS_KEYSTORE_PASSWORD
 * begins them first thing, so that the MAC key's 100 000-round chain runs in the gaps while the run waits
 * for its files, locks and servers, rather than after them.
 */
export function beginKeysAhead(password: string): void {
  if (begunAhead.has(password)) return;
  const prepared = prepareKeys(password, 'chosen');
  begunAhead.set(password, prepared);
  deriveAhead(prepared);
}

/**
 * Starts deriving the two keys of prepared keys: PBKDF2 on the thread pool, the MAC key's SHA-256 chain on
 * this thread in slices between other work. Both compete with whatever runs meanwhile, so this is best
 * begun when the caller is about to wait anyway; buildPkcs12 derives whatever nobody began.
 */
export function deriveAhead(prepared: PreparedKeys): void {
  // Remembered by pkcs12-kdf.ts; a failure here shows again, with its context, when buildPkcs12 asks.
  const started = [
    pbes2Key(prepared.password, prepared.encryptionSalt, prepared.iterations.pbkdf2, HASH, AES_256_KEY_BYTES),
    macKey(prepared.password, prepared.macSalt, prepared.iterations.mac, HASH),
  ];
  for (const key of started) key.catch(() => undefined);
}

interface Iterations {
  readonly pbkdf2: number;
  readonly mac: number;
}

function iterationsFor(kind: PasswordKind | undefined): Iterations {
  return kind === 'random' ? PKCS12_ITERATIONS_RANDOM_PASSWORD : { pbkdf2: PKCS12_ITERATIONS, mac: PKCS12_ITERATIONS };
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
  const sameCounts = input.prepared?.iterations.pbkdf2 === iterations.pbkdf2 && input.prepared.iterations.mac === iterations.mac;
  const prepared = input.prepared?.password === password && sameCounts ? input.prepared : undefined;
  // keytool pairs a key with its certificate only through matching localKeyID attributes.
  const attributes = der.set(
    attribute(OID.friendlyName, der.bmpString(input.friendlyName)),
    attribute(OID.localKeyId, der.octetString(createHash('sha256').update(input.certificate).digest())),
  );
  // certValue keeps the exact DER bytes of each certificate.
  const certBags = [input.certificate, ...chain].map((certificate, index) =>
    safeBag(OID.certBag, der.sequence(der.oid(OID.x509Certificate), der.explicit(0, der.octetString(certificate))), index === 0 ? attributes : undefined),
  );
  const pkcs8 = input.privateKey.export({ type: 'pkcs8', format: 'der' });
  // One salt, so one key, for both bags, each with its own IV: a second derivation would double the
  // writer's work but not an attacker's, who needs to break only one of them.
  const encryptionSalt = prepared?.encryptionSalt ?? randomBytes(SALT_BYTES);
  const [shrouded, certificates] = await Promise.all([
    encrypt(pkcs8, password, iterations.pbkdf2, encryptionSalt),
    encrypt(der.sequence(...certBags), password, iterations.pbkdf2, encryptionSalt),
  ]);
  // EncryptedPrivateKeyInfo; the key bag is already encrypted on its own, as OpenSSL and Java do.
  const keyBag = safeBag(OID.pkcs8ShroudedKeyBag, der.sequence(shrouded.algorithm, der.octetString(shrouded.encrypted)), attributes);
  const keySafe = dataContentInfo(der.sequence(keyBag));
  const certSafe = der.sequence(
    der.oid(OID.encryptedData),
    der.explicit(
      0,
      der.sequence(
        der.integer(ENCRYPTED_DATA_VERSION),
        // EncryptedContentInfo, its content [0] IMPLICIT OCTET STRING.
        der.sequence(der.oid(OID.data), certificates.algorithm, tlv(contextTag(0, false), certificates.encrypted)),
      ),
    ),
  );

  const authenticatedSafe = der.sequence(certSafe, keySafe);
  const macSalt = prepared?.macSalt ?? randomBytes(SALT_BYTES);
  const mac = createHmac(HASH, await macKey(password, macSalt, iterations.mac, HASH)).update(authenticatedSafe).digest();
  const macData = der.sequence(
    der.sequence(der.sequence(der.oid(OID.sha256)), der.octetString(mac)),
    der.octetString(macSalt),
    ...(iterations.mac === DEFAULT_MAC_ITERATIONS ? [] : [der.integer(iterations.mac)]),
  );
  return der.sequence(der.integer(PFX_VERSION), dataContentInfo(authenticatedSafe), macData);
}

function attribute(type: string, value: Buffer): Buffer {
  return der.sequence(der.oid(type), der.set(value));
}

function safeBag(bagId: string, value: Buffer, attributes: Buffer | undefined): Buffer {
  return der.sequence(der.oid(bagId), der.explicit(0, value), ...(attributes ? [attributes] : []));
}

function dataContentInfo(content: Buffer): Buffer {
  return der.sequence(der.oid(OID.data), der.explicit(0, der.octetString(content)));
}

/** PBES2 (RFC 8018 6.2): PBKDF2-HMAC-SHA256 with a fresh salt, then AES-256-CBC with a fresh IV. */
async function encrypt(content: Buffer, password: string, iterations: number, salt: Buffer): Promise<{ algorithm: Buffer; encrypted: Buffer }> {
  const iv = randomBytes(AES_BLOCK_BYTES);
  const key = await pbes2Key(password, salt, iterations, HASH, AES_256_KEY_BYTES);
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  const encrypted = Buffer.concat([cipher.update(content), cipher.final()]);
  const kdf = der.sequence(der.oid(OID.pbkdf2), der.sequence(der.octetString(salt), der.integer(iterations), der.sequence(der.oid(OID.hmacWithSha256), der.null())));
  const scheme = der.sequence(der.oid(OID.aes256Cbc), der.octetString(iv));
  return { algorithm: der.sequence(der.oid(OID.pbes2), der.sequence(kdf, scheme)), encrypted };
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
    // Decoder and crypto messages describe the structure (never the password); keep them short for the log.
    const reason = err instanceof Error ? err.message.slice(0, 200) : 'unknown error';
    throw new CtiError('KEYSTORE', `The keystore file is damaged or is not a PKCS#12 keystore (${reason})`, { cause: err });
  }
}

async function readVerified(bytes: Buffer, password: string): Promise<Pkcs12Contents> {
  let pfx: DerElement[];
  try {
    pfx = sequenceOf(decodeOne(bytes, 'PFX'), 'PFX', 2);
  } catch (err) {
    if (err instanceof DerError && /trailing/.test(err.message)) damaged(err.message);
    throw err;
  }
  const version = readSmallInteger(pfx[0], 'PFX version');
  if (version !== PFX_VERSION) damaged(`PFX version ${version}, expected ${PFX_VERSION}`);
  const authSafe = contentInfo(pfx[1], 'authSafe');
  if (authSafe.type !== OID.data) damaged(`integrity mode ${authSafe.type} is not supported, only password integrity (MAC)`);
  const authenticatedSafe = readOctets(authSafe.content, 'authSafe content');
  await verifyMac(pfx[2], authenticatedSafe, password);

  const key: { der?: Buffer; attributes?: DerElement; count: number } = { count: 0 };
  const certificates: Buffer[] = [];
  for (const safe of sequenceOf(decodeOne(authenticatedSafe, 'AuthenticatedSafe'), 'AuthenticatedSafe')) {
    for (const bagElement of sequenceOf(decodeOne(await openSafe(safe, password), 'SafeContents'), 'SafeContents')) {
      const [bagIdElement, bagValueElement, attributes] = sequenceOf(bagElement, 'SafeBag', 2);
      const bagId = readOid(bagIdElement, 'SafeBag type');
      const value = explicitContent(bagValueElement, 'SafeBag value');
      if (bagId === OID.pkcs8ShroudedKeyBag) {
        const [algorithm, encrypted] = sequenceOf(value, 'shrouded key bag', 2);
        key.der = await decrypt(algorithm, readOctets(encrypted, 'shrouded key'), password);
      } else if (bagId === OID.keyBag) {
        key.der = Buffer.from(value.der);
      } else if (bagId === OID.certBag) {
        const [certId, certValue] = sequenceOf(value, 'certificate bag', 2);
        if (readOid(certId, 'certificate bag type') !== OID.x509Certificate) continue; // SDSI / attribute certificates: not ours
        certificates.push(Buffer.from(readOctets(explicitContent(certValue, 'certificate bag value'), 'certificate bag value')));
        continue;
      } else {
        continue; // CRL, secret and nested bags carry nothing a client certificate needs: skipped.
      }
      key.attributes = attributes;
      key.count += 1;
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

/** ContentInfo (RFC 5652): its type, and the content inside [0] EXPLICIT when present. */
function contentInfo(element: DerElement | undefined, what: string): { type: string; content: DerElement | undefined } {
  const [type, content] = sequenceOf(element, what, 1);
  return { type: readOid(type, `${what} content type`), content: content && explicitContent(content, `${what} content`) };
}

/** The one element inside an EXPLICIT [0] tag. */
function explicitContent(element: DerElement | undefined, what: string): DerElement {
  const inner = sequenceOf(element, what, 1, contextTag(0, true));
  if (inner.length !== 1) damaged(`${what} holds ${inner.length} elements, expected one`);
  return inner[0]!;
}

async function verifyMac(macData: DerElement | undefined, content: Buffer, password: string): Promise<void> {
  if (!macData) damaged('it has no integrity check (MAC)');
  const [digestInfo, saltElement, iterationsElement] = sequenceOf(macData, 'MAC', 2);
  const [digestAlgorithm, digestElement] = sequenceOf(digestInfo, 'MAC digest', 2);
  const hashOid = readOid(sequenceOf(digestAlgorithm, 'MAC digest algorithm', 1)[0], 'MAC digest algorithm');
  const hash = MAC_HASHES[hashOid];
  if (!hash) damaged(`MAC hash ${hashOid} is not supported`);
  const iterations = iterationsElement ? readCount(iterationsElement, 'MAC') : DEFAULT_MAC_ITERATIONS;
  checkIterations(iterations, 'MAC');
  const key = await macKey(password, readOctets(saltElement, 'MAC salt'), iterations, hash);
  const expected = createHmac(hash, key).update(content).digest();
  const stored = readOctets(digestElement, 'MAC digest');
  if (stored.length !== expected.length || !timingSafeEqual(stored, expected)) {
    throw new CtiError('KEYSTORE', 'The keystore password is wrong, or the keystore file was altered (integrity check failed)');
  }
}

async function openSafe(safe: DerElement, password: string): Promise<Buffer> {
  const { type, content } = contentInfo(safe, 'safe');
  if (type === OID.data) return readOctets(content, 'data safe');
  if (type === OID.encryptedData) {
    const [, encryptedContentInfo] = sequenceOf(content, 'encrypted safe', 2);
    const [, algorithm, encrypted] = sequenceOf(encryptedContentInfo, 'encrypted safe content', 2);
    if (!encrypted) damaged('an encrypted safe has no content');
    // [0] IMPLICIT OCTET STRING, in one piece or in parts (BER), as some writers produce.
    return decrypt(algorithm, readOctets(encrypted, 'encrypted safe content', contextTag(0, false)), password);
  }
  return damaged(`safe content type ${type} is not supported (only password-protected safes)`);
}

/** Decrypts PBES2 content after checking its parameters, so hostile parameters fail cleanly and quickly. */
async function decrypt(algorithmElement: DerElement | undefined, encrypted: Buffer, password: string): Promise<Buffer> {
  const [algorithm, parameters] = sequenceOf(algorithmElement, 'encryption algorithm', 1);
  const algorithmId = readOid(algorithm, 'encryption algorithm');
  if (algorithmId !== OID.pbes2) {
    const name = LEGACY_PBE_NAMES[algorithmId] ?? algorithmId;
    damaged(`legacy encryption ${name} is not supported, only PBES2/AES (re-export it with OpenSSL 3 or Java 17)`);
  }
  const [kdf, scheme] = sequenceOf(parameters, 'PBES2 parameters', 2);
  const [kdfAlgorithm, kdfParameters] = sequenceOf(kdf, 'PBES2 key derivation', 1);
  const kdfId = readOid(kdfAlgorithm, 'PBES2 key derivation');
  if (kdfId !== OID.pbkdf2) damaged(`key derivation ${kdfId} is not PBKDF2`);
  // PBKDF2-params: salt, iterationCount, keyLength OPTIONAL, prf DEFAULT hmacWithSHA1.
  const [salt, countElement, ...optional] = sequenceOf(kdfParameters, 'PBKDF2 parameters', 2);
  if (salt!.tag !== Tag.octetString) damaged('PBKDF2 salt is not an OCTET STRING');
  const iterations = readCount(countElement!, 'PBKDF2');
  checkIterations(iterations, 'PBKDF2');
  const prf = optional.find((element) => element.tag === Tag.sequence);
  const prfId = prf ? readOid(childrenOf(prf, 'PBKDF2 PRF')[0], 'PBKDF2 PRF') : undefined;
  const prfHash = prfId === undefined ? DEFAULT_PBES2_PRF_HASH : PBES2_PRF_HASHES[prfId];
  if (!prfHash) damaged(`PBKDF2 PRF ${prfId} is not supported`);
  const [cipher, ivElement] = sequenceOf(scheme, 'PBES2 encryption scheme', 1);
  const cipherId = readOid(cipher, 'PBES2 cipher');
  const keyBytes = AES_CBC_KEY_BYTES[cipherId];
  if (!keyBytes) damaged(`cipher ${cipherId} is not AES-CBC`);
  if (ivElement?.tag !== Tag.octetString || ivElement.value.length !== AES_BLOCK_BYTES) damaged('AES-CBC IV is not 16 bytes');

  const key = await pbes2Key(password, salt!.value, iterations, prfHash, keyBytes);
  const decipher = createDecipheriv(`aes-${keyBytes * 8}-cbc`, key, ivElement.value);
  return Buffer.concat([decipher.update(encrypted), decipher.final()]);
}

// ---------------------------------------------------------------------------------------------------
// Helpers

function checkPassword(password: string): void {
  if (typeof password !== 'string' || password.length === 0) throw new CtiError('KEYSTORE', 'The keystore password must not be empty');
}

/** An iteration count as written; one too large for a number is refused like any count above the limit. */
function readCount(element: DerElement, what: string): number {
  if (element.tag === Tag.integer && element.value.length > 6) damaged(`${what} iteration count is outside 1 to ${MAX_PKCS12_ITERATIONS}`);
  return readSmallInteger(element, `${what} iteration count`);
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

/** The first value of a bag attribute when it is a BMPString (friendlyName). */
function bmpAttribute(attributes: DerElement | undefined, type: string): string | undefined {
  if (attributes?.tag !== Tag.set) return undefined;
  for (const attributeElement of childrenOf(attributes, 'bag attributes')) {
    const [attributeType, values] = sequenceOf(attributeElement, 'bag attribute', 2);
    if (readOid(attributeType, 'bag attribute type') !== type) continue;
    const [first] = sequenceOf(values, 'bag attribute values', 0, Tag.set);
    return first?.tag === Tag.bmpString ? readString(first, 'friendlyName') : undefined;
  }
  return undefined;
}
