import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createCertificateRequest, readCertificateRequest } from '../../../../electron/core/ctios/certificate-request.ts';
import { parseSubject } from '../../../../electron/core/ctios/distinguished-name.ts';
import { parsePemBlocks } from '../../../../electron/core/ctios/pem-blocks.ts';
import { toPem } from '../../../../electron/core/pki/certificates.ts';

describe('PKCS#10 requests', () => {
  const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });

  it('round-trips subject and key, and the self-signature verifies', () => {
    const der = createCertificateRequest({ CN: 'desk', OU: 'CTI OS Client' }, keys.publicKey, keys.privateKey);
    const read = readCertificateRequest(der, 'req');
    expect(read.subjectText).toBe('OU=CTI OS Client, CN=desk');
    expect(read.publicKey.export({ type: 'spki', format: 'der' })).toEqual(keys.publicKey.export({ type: 'spki', format: 'der' }));
  });

  it('refuses a changed request and bytes that are no request', () => {
    const der = createCertificateRequest({ CN: 'desk' }, keys.publicKey, keys.privateKey);
    const changed = Buffer.from(der);
    const at = changed.indexOf(Buffer.from('desk'));
    changed[at] = 'D'.charCodeAt(0);
    expect(() => readCertificateRequest(changed, 'req')).toThrow("req: the request's signature does not verify; it was changed or damaged");
    expect(() => readCertificateRequest(Buffer.from('nonsense'), 'req')).toThrow('req is not a PKCS#10 certificate request');
  });
});

describe('--subject', () => {
  it('reads comma and slash forms', () => {
    expect(parseSubject('CN=desk-1, OU=CTI OS Client, O=Example, C=US')).toEqual({ CN: 'desk-1', OU: 'CTI OS Client', O: 'Example', C: 'US' });
    expect(parseSubject('/CN=a/O=b')).toEqual({ CN: 'a', O: 'b' });
  });

  it('names the fault', () => {
    expect(() => parseSubject('OU=x')).toThrow('--subject must include CN=...');
    expect(() => parseSubject('CN=a,L=Paris')).toThrow('--subject: "L=Paris" is not one of CN=..., OU=..., O=..., C=...');
    expect(() => parseSubject('CN=a,C=USA')).toThrow('two-letter country code');
    expect(() => parseSubject('CN=a,CN=b')).toThrow('CN is given twice');
  });
});

describe('PEM blocks', () => {
  it('keeps the order and the labels', () => {
    const text = `${toPem(Buffer.from([1, 2, 3]), 'PRIVATE KEY')}junk\n${toPem(Buffer.from([4]), 'CERTIFICATE')}`;
    expect(parsePemBlocks(text).map((b) => [b.label, [...b.der]])).toEqual([
      ['PRIVATE KEY', [1, 2, 3]],
      ['CERTIFICATE', [4]],
    ]);
  });
});
