/**
 * Property tests: a valid CTL with bytes changed inside its signer's certificate (most of all its public
 * key) is decoded, verified and described with typed errors only (CTL_INVALID naming the fault), never an
 * untyped OpenSSL error.
 */
import { X509Certificate } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { CtiError } from '../../../../shared/errors.ts';
import { buildSignedCtl } from '../../../../electron/lab/ctl-builder.ts';
import { decodeCtl } from '../../../../electron/core/ctl/codec.ts';
import { describeCtl } from '../../../../electron/core/ctl/describe.ts';
import { Role } from '../../../../electron/core/ctl/tags.ts';
import { verifyCtlSignature } from '../../../../electron/core/ctl/verify.ts';
import { issuedIdentity, selfSignedIdentity, type TestIdentity } from './fixtures.ts';

const META = { firstTrustedAt: '', updatedAt: '', source: 'fuzz', fileName: 'CTLFile.tlv', trustedOnFirstUse: true, signerFingerprintSha256: '' };

let sast: TestIdentity;
let ctlBytes: Buffer;
/** Where the SAST certificate and its SubjectPublicKeyInfo sit in the file. */
let certificate: { start: number; end: number };
let publicKey: { start: number; end: number };

beforeAll(async () => {
  sast = await selfSignedIdentity({ CN: 'ITLRECOVERY_fuzz', O: 'Example Corp' });
  const ccm = await issuedIdentity({ CN: 'cucm-fuzz', O: 'Example Corp' }, sast);
  const capf = await issuedIdentity({ CN: 'CAPF-fuzz', O: 'Example Corp' }, sast, { type: 'ec', curve: 'P-256' });
  ctlBytes = buildSignedCtl({
    signer: sast,
    hash: 'sha256',
    timestamp: 1_800_000_000,
    records: [
      { role: Role.SAST, certificate: sast.certificate },
      { role: Role.CCM_TFTP, certificate: ccm.certificate },
      { role: Role.CAPF, certificate: capf.certificate },
    ],
  });
  const spki = new X509Certificate(sast.certificate).publicKey.export({ type: 'spki', format: 'der' });
  const certificateStart = ctlBytes.indexOf(sast.certificate);
  const spkiStart = ctlBytes.indexOf(spki, certificateStart);
  expect(certificateStart).toBeGreaterThan(0);
  expect(spkiStart).toBeGreaterThan(certificateStart);
  certificate = { start: certificateStart, end: certificateStart + sast.certificate.length };
  publicKey = { start: spkiStart, end: spkiStart + spki.length };
});

function mutated(changes: readonly (readonly [number, number])[]): Buffer {
  const copy = Buffer.from(ctlBytes);
  for (const [offset, value] of changes) copy[offset] = value;
  return copy;
}

/** What `ctl fetch` does with downloaded bytes on first use, minus the disk: decode, verify, describe. */
function firstUse(bytes: Buffer): unknown {
  try {
    const ctl = decodeCtl(bytes);
    verifyCtlSignature(ctl);
    describeCtl(ctl, META);
    return null;
  } catch (err) {
    return err;
  }
}

function expectTypedOrNothing(error: unknown): void {
  if (error === null) return;
  expect(error).toBeInstanceOf(CtiError);
  expect((error as CtiError).code).toBe('CTL_INVALID');
}

const changesIn = (range: () => { start: number; end: number }) =>
  fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }).map((changes) => {
    const { start, end } = range();
    return changes.map(([at, value]) => [start + (at % (end - start)), value] as const);
  });

describe('CTL decoding and signature check under mutation', () => {
  it('names a malformed signer public key as CTL_INVALID', () => {
    // Inside the SPKI's BIT STRING, the RSAPublicKey SEQUENCE tag (0x30) becomes a SET (0x31): the
    // certificate still parses, its key does not.
    const spki = new X509Certificate(sast.certificate).publicKey.export({ type: 'spki', format: 'der' });
    const innerSequence = spki.indexOf(Buffer.from([0x03, 0x81, 0x8d, 0x00, 0x30])) + 4;
    expect(innerSequence).toBeGreaterThan(4);
    const error = firstUse(mutated([[publicKey.start + innerSequence, 0x31]]));
    expect(error).toBeInstanceOf(CtiError);
    expect((error as CtiError).code).toBe('CTL_INVALID');
    expect((error as CtiError).message).toMatch(/signer "[^"]+" \(serial [0-9A-F]+\) has a malformed public key/);
  });

  it('throws only CTL_INVALID for bytes changed inside the signer public key', () => {
    fc.assert(fc.property(changesIn(() => publicKey), (changes) => expectTypedOrNothing(firstUse(mutated(changes)))), { numRuns: 2000 });
  });

  it('throws only CTL_INVALID for bytes changed anywhere in the signer certificate', () => {
    fc.assert(fc.property(changesIn(() => certificate), (changes) => expectTypedOrNothing(firstUse(mutated(changes)))), { numRuns: 1000 });
  });
});
