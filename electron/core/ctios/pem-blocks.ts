/**
 * PEM files as CTI OS reads them: a sequence of blocks whose order matters (certificate first, then key).
 * The reader keeps the order and every label, so a check can say what came first; it never trusts a file's
 * size or its base64 to be sane.
 */
import { readFile } from 'node:fs/promises';
import { CtiError } from '../../../shared/errors.ts';

export const PEM_LABEL = {
  certificate: 'CERTIFICATE',
  privateKey: 'PRIVATE KEY',
  rsaPrivateKey: 'RSA PRIVATE KEY',
  ecPrivateKey: 'EC PRIVATE KEY',
  encryptedPrivateKey: 'ENCRYPTED PRIVATE KEY',
  certificateRequest: 'CERTIFICATE REQUEST',
  newCertificateRequest: 'NEW CERTIFICATE REQUEST',
} as const;

const KEY_LABELS: ReadonlySet<string> = new Set([
  PEM_LABEL.privateKey,
  PEM_LABEL.rsaPrivateKey,
  PEM_LABEL.ecPrivateKey,
  PEM_LABEL.encryptedPrivateKey,
]);

/** Far larger than any CTI OS file (a few KB); anything bigger is not one. */
export const MAX_PEM_FILE_BYTES = 256 * 1024;

export interface PemBlock {
  label: string;
  der: Buffer;
  /** The block's text, BEGIN to END line, as found (kept for writing keys back unchanged). */
  text: string;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]{1,40})-----\r?\n([\s\S]*?)-----END \1-----\r?\n?/g;

export function parsePemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const match of text.matchAll(BLOCK)) {
    const label = match[1]!;
    const body = match[2]!.replace(/^[A-Za-z-]+:.*\r?\n/gm, ''); // RFC 1421 headers (legacy encrypted keys)
    if (!/^[A-Za-z0-9+/=\s]*$/.test(body)) continue;
    blocks.push({ label, der: Buffer.from(body.replace(/\s+/g, ''), 'base64'), text: match[0].endsWith('\n') ? match[0] : `${match[0]}\n` });
  }
  return blocks;
}

export function isKeyLabel(label: string): boolean {
  return KEY_LABELS.has(label);
}

/** Reads a PEM file, naming the file when it is missing, too large or holds no PEM block. */
export async function readPemFile(path: string, what: string): Promise<PemBlock[]> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CtiError('BAD_INPUT', code === 'ENOENT' ? `${what} ${path} does not exist` : `${what} ${path} cannot be read (${code ?? 'error'})`);
  }
  if (bytes.length > MAX_PEM_FILE_BYTES) throw new CtiError('BAD_INPUT', `${what} ${path} is larger than ${MAX_PEM_FILE_BYTES} bytes: not a CTI OS PEM file`);
  const blocks = parsePemBlocks(bytes.toString('latin1'));
  if (blocks.length === 0) throw new CtiError('BAD_INPUT', `${what} ${path} holds no PEM block`);
  return blocks;
}

/** The one block of `label` a single-purpose file must hold (a request, a CA certificate). */
export function singleBlock(blocks: PemBlock[], labels: readonly string[], what: string, path: string): PemBlock {
  const found = blocks.filter((b) => labels.includes(b.label));
  if (found.length !== 1) {
    throw new CtiError('BAD_INPUT', `${what} ${path} must hold exactly one ${labels[0]} block, found ${found.length}`);
  }
  return found[0]!;
}
