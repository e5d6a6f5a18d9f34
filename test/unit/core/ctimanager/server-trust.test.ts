import { beforeAll, describe, expect, it } from 'vitest';
import { checkServerCertificate, readableSubject } from '../../../../electron/core/ctimanager/server-trust.ts';
import { createCertificate } from '../../../../electron/core/pki/certificate-builder.ts';
import { generateKeyPair } from '../../../../electron/core/pki/certificates.ts';

async function selfSigned(CN: string): Promise<Buffer> {
  const keys = await generateKeyPair({ type: 'ec', curve: 'P-256' });
  return createCertificate({ subject: { O: 'Lab', CN }, publicKey: keys.publicKey, selfSigningKey: keys.privateKey });
}

let ccm: Buffer;
let lookAlike: Buffer;
let tftp: Buffer;

beforeAll(async () => {
  [ccm, lookAlike, tftp] = await Promise.all([selfSigned('cucm1'), selfSigned('cucm1'), selfSigned('cucm2')]);
});

describe('checkServerCertificate', () => {
  it('trusts a certificate the CTL lists, byte for byte', () => {
    expect(checkServerCertificate(Buffer.from(ccm), [tftp, ccm])).toEqual({ trusted: true, subject: 'CN=cucm1, O=Lab' });
  });

  it('refuses a look-alike with the same subject and another key', () => {
    const decision = checkServerCertificate(lookAlike, [ccm]);
    expect(decision).toMatchObject({ trusted: false, subject: 'CN=cucm1, O=Lab' });
    expect(decision.trusted === false && decision.reason).toContain('is not one of the CTL');
  });

  it('refuses a server without a certificate, and with no trust anchors at all', () => {
    expect(checkServerCertificate(undefined, [ccm])).toMatchObject({ trusted: false, reason: 'the server presented no certificate' });
    expect(checkServerCertificate(ccm, [])).toMatchObject({ trusted: false });
  });

  it('refuses bytes that are not a certificate without throwing', () => {
    const decision = checkServerCertificate(Buffer.from([0x30, 0x82, 0xff, 0xff, 0x00]), [ccm]);
    expect(decision).toMatchObject({ trusted: false });
    expect(decision).not.toHaveProperty('subject');
  });
});

describe('readableSubject', () => {
  it('lists the most specific name first', () => {
    expect(readableSubject(ccm)).toBe('CN=cucm1, O=Lab');
  });

  it('is undefined for garbage', () => {
    expect(readableSubject(Buffer.from('not a certificate'))).toBeUndefined();
  });
});
