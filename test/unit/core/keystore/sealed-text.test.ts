import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openSealedText, sealText } from '../../../../electron/core/keystore/sealed-text.ts';

const key = randomBytes(32);
const seal = (text = 'the secret 12345678') => Buffer.from(sealText(key, 'purpose/v1', text, 'home:profile'));

describe('sealed texts', () => {
  it('open with the key, purpose and binding they were sealed with, and hold no plain text', () => {
    const sealed = seal();
    expect(openSealedText(key, 'purpose/v1', sealed, 'home:profile')).toBe('the secret 12345678');
    expect(sealed.toString('latin1')).not.toContain('12345678');
    // A fresh IV each time: the same text never seals to the same bytes.
    expect(seal().equals(seal())).toBe(false);
  });

  it('open for nothing else: another key, purpose or binding, a changed byte, or no seal at all', () => {
    const sealed = seal();
    expect(openSealedText(randomBytes(32), 'purpose/v1', sealed, 'home:profile')).toBeNull();
    expect(openSealedText(key, 'other/v1', sealed, 'home:profile')).toBeNull();
    expect(openSealedText(key, 'purpose/v1', sealed, 'home:other')).toBeNull();
    const fields = JSON.parse(sealed.toString('utf8')) as Record<string, string>;
    for (const name of ['iv', 'tag', 'data']) {
      const bytes = Buffer.from(fields[name]!, 'base64url');
      bytes[bytes.length - 1]! ^= 1;
      const changed = Buffer.from(JSON.stringify({ ...fields, [name]: bytes.toString('base64url') }));
      expect(openSealedText(key, 'purpose/v1', changed, 'home:profile')).toBeNull();
    }
    for (const garbage of ['', 'null', '[]', '{"format":"ctiprefs-sealed/v1"}', JSON.stringify({ ...fields, iv: 'AAAA' }), 'not json']) {
      expect(openSealedText(key, 'purpose/v1', Buffer.from(garbage), 'home:profile')).toBeNull();
    }
  });
});
