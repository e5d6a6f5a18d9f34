/**
 * Property-based fuzzing of the decoders that read bytes from the network: the CTL decoder (random bytes,
 * and a real signed CTL with bytes flipped, inserted, cut or overwritten) and the CAPF stream reader and
 * element readers (random chunks, and real messages mutated). Every outcome is a value or a typed CtiError;
 * nothing hangs, and memory stays bounded. 5,000+ cases per decoder in `npm test`, 100,000+ in `npm run faults`.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { CtiError } from '../../shared/errors.ts';
import { CapfElement } from '../../electron/core/capf/constants.ts';
import { CapfMessageReader, decodeCapfMessage, encodeCapfMessage, readString, readU16, readU8, stringElement, u8Element, unwrapCertificate } from '../../electron/core/capf/codec.ts';
import { buildSignedCtl } from '../../electron/core/ctl/build.ts';
import { decodeCtl } from '../../electron/core/ctl/codec.ts';
import { describeCtl } from '../../electron/core/ctl/describe.ts';
import { Role } from '../../electron/core/ctl/tags.ts';
import { selfSignedIdentity } from '../unit/core/ctl/fixtures.ts';
import { recordFaults, trials } from './fault-report.ts';

const RUNS = trials(5_000, 100_000);
/** Heap growth allowed over a whole property run: a decoder that keeps what it read would blow far past it. */
const MAX_HEAP_GROWTH_BYTES = 256 * 1024 * 1024;

let validCtl: Buffer;
let validCapf: Buffer;

beforeAll(async () => {
  const sast = await selfSignedIdentity({ CN: 'fuzz-sast' });
  validCtl = buildSignedCtl({ signer: sast, hash: 'sha256', timestamp: 1_800_000_000, records: [{ role: Role.SAST, certificate: sast.certificate }, { role: Role.CAPF, certificate: sast.certificate, dnsName: 'capf' }] });
  validCapf = encodeCapfMessage({ command: 2, sessionId: 7, elements: [u8Element(CapfElement.reason, 1), stringElement(CapfElement.deviceName, 'CTI-fuzz')] });
}, 60_000);

/** A mutation of a valid input: flip, overwrite, insert or cut bytes at arbitrary places. */
function mutated(base: () => Buffer): fc.Arbitrary<Buffer> {
  return fc
    .array(
      fc.oneof(
        fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
        fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
        fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 8 }) }),
        fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }),
      ),
      { minLength: 1, maxLength: 6 },
    )
    .map((edits) => {
      let bytes = Buffer.from(base());
      for (const edit of edits) {
        const at = bytes.length === 0 ? 0 : edit.at % bytes.length;
        if (edit.kind === 'flip') bytes[at] = (bytes[at] ?? 0) ^ (1 << edit.bit);
        else if (edit.kind === 'set') bytes[at] = edit.value;
        else if (edit.kind === 'insert') bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(edit.bytes), bytes.subarray(at)]);
        else bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + edit.length)]);
      }
      return bytes;
    });
}

/** Runs the decoder; passes when it returns or throws a CtiError, and counts which. */
function typedOnly(decode: (bytes: Buffer) => unknown, tally: { ok: number; typed: number }) {
  return (bytes: Buffer) => {
    try {
      decode(bytes);
      tally.ok += 1;
    } catch (err) {
      if (!(err instanceof CtiError)) throw err;
      tally.typed += 1;
    }
  };
}

async function fuzz(family: string, cases: [string, fc.Arbitrary<Buffer>, (bytes: Buffer) => unknown][]) {
  const heapBefore = process.memoryUsage().heapUsed;
  const tally = { ok: 0, typed: 0 };
  const failures: string[] = [];
  for (const [name, arbitrary, decode] of cases) {
    const result = fc.check(fc.property(arbitrary, typedOnly(decode, tally)), { numRuns: RUNS });
    if (result.failed) failures.push(`${name}: ${fc.defaultReportMessage(result)?.slice(0, 2000)}`);
  }
  const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
  await recordFaults({
    family,
    trials: tally.ok + tally.typed + failures.length,
    handled: tally.ok + tally.typed,
    lost: failures.length,
    notes: `${tally.ok} decoded, ${tally.typed} typed errors; heap growth ${Math.round(heapGrowth / 1024 / 1024)} MiB`,
  });
  expect(failures).toEqual([]);
  expect(heapGrowth).toBeLessThan(MAX_HEAP_GROWTH_BYTES);
}

describe('fuzzing the network decoders', () => {
  it(`CTL decoder: ${RUNS} random files and ${RUNS} mutations of a signed CTL, then describing what decoded`, async () => {
    const decodeAndDescribe = (bytes: Buffer) => {
      const ctl = decodeCtl(bytes);
      return describeCtl(ctl, { firstTrustedAt: '', updatedAt: '', source: '', fileName: 'CTLFile.tlv', trustedOnFirstUse: true, signerFingerprintSha256: '' });
    };
    await fuzz('fuzzing: CTL decoder', [
      ['random bytes', fc.uint8Array({ maxLength: 4096 }).map((a) => Buffer.from(a)), decodeAndDescribe],
      ['mutated CTL', mutated(() => validCtl), decodeAndDescribe],
    ]);
  }, 1_800_000);

  it(`CAPF reader: ${RUNS} random streams and ${RUNS} mutated messages, element readers included`, async () => {
    const readAll = (bytes: Buffer) => {
      const reader = new CapfMessageReader();
      // Split at arbitrary points: a server may send a message in any number of pieces.
      const messages = [...reader.push(bytes.subarray(0, bytes.length >> 1)), ...reader.push(bytes.subarray(bytes.length >> 1))];
      for (const message of messages) {
        for (const element of message.elements) {
          for (const read of [() => readU8(element.value, 'u8'), () => readU16(element.value, 'u16'), () => readString(element.value, 'string'), () => unwrapCertificate(element.value)]) {
            try {
              read();
            } catch (err) {
              if (!(err instanceof CtiError)) throw err;
            }
          }
        }
      }
      return messages;
    };
    await fuzz('fuzzing: CAPF decoder', [
      ['random stream', fc.uint8Array({ maxLength: 2048 }).map((a) => Buffer.from(a)), readAll],
      ['mutated message', mutated(() => validCapf), readAll],
      ['mutated message, whole', mutated(() => validCapf), (bytes) => decodeCapfMessage(bytes)],
    ]);
  }, 1_800_000);
});
