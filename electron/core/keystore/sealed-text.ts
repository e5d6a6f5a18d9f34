/**
 * Small texts sealed under a key from the OS vault, for files that must open only for a reader of the
 * vault: AES-256-GCM under a key of their own purpose (HKDF-SHA256 of the vault's key), with what the text
 * belongs to (a home, a profile) as authenticated data, so a copy opens nowhere else. A fresh random IV per
 * seal. The file is JSON: `{ format, iv, tag, data }`, base64url.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const FORMAT = 'ctiprefs-sealed/v1';
const CIPHER = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** The file text sealing `text` for `purpose`, bound to `boundTo`. */
export function sealText(vaultKey: Buffer, purpose: string, text: string, boundTo: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(CIPHER, keyFor(vaultKey, purpose), iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(boundTo, 'utf8'));
  const data = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
  const b64 = (bytes: Buffer) => bytes.toString('base64url');
  return `${JSON.stringify({ format: FORMAT, iv: b64(iv), tag: b64(cipher.getAuthTag()), data: b64(data) })}\n`;
}

/** The sealed text, or null when the file is no seal, or none of this key, purpose and binding. */
export function openSealedText(vaultKey: Buffer, purpose: string, file: Buffer, boundTo: string): string | null {
  try {
    const sealed = JSON.parse(file.toString('utf8')) as Record<string, unknown>;
    if (sealed.format !== FORMAT || typeof sealed.iv !== 'string' || typeof sealed.tag !== 'string' || typeof sealed.data !== 'string') return null;
    const [iv, tag] = [Buffer.from(sealed.iv, 'base64url'), Buffer.from(sealed.tag, 'base64url')];
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) return null;
    const decipher = createDecipheriv(CIPHER, keyFor(vaultKey, purpose), iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(boundTo, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}

function keyFor(vaultKey: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', vaultKey, Buffer.alloc(0), purpose, KEY_BYTES));
}
