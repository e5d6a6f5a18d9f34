/**
 * The trust store against real files in a temp folder and real, freshly issued certificates: first use,
 * trusted updates, compromise, tampering and interrupted commits.
 */
import { setTimeout } from 'node:timers/promises';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { memoryLogger } from '../../../electron/core/log.ts';
import { buildSignedCtl, type CtlRecordSource } from '../../../electron/lab/ctl-builder.ts';
import { fingerprintSha256 } from '../../../electron/core/ctl/certificate-fields.ts';
import { decodeCtl } from '../../../electron/core/ctl/codec.ts';
import { CAPF_ROLES, CTIMANAGER_ROLES, Role } from '../../../electron/core/ctl/tags.ts';
import {
  CTL_FILE_NAME,
  CTL_PENDING_FILE_NAME,
  CTL_TRUST_FILE_NAME,
  CtlTrustStore,
  trustAnchorsByRole,
} from '../../../electron/core/ctl/trust-store.ts';
import { certificateFieldsOf } from '../../../electron/core/ctl/certificate-fields.ts';
import { issuedIdentity, selfSignedIdentity, type TestIdentity } from '../../unit/core/ctl/fixtures.ts';
import { ctiRejection } from '../../helpers/rejection.ts';

async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) out[name] = (await readFile(join(dir, name))).toString('hex');
  return out;
}

let sast1: TestIdentity;
let sast2: TestIdentity;
let ccm: TestIdentity;
let capf: TestIdentity;
let appServer: TestIdentity;
let stranger: TestIdentity;
let tftpOnly: TestIdentity;
let lookAlike: TestIdentity;

beforeAll(async () => {
  sast1 = await selfSignedIdentity({ CN: 'ITLRECOVERY_cucm-pub', O: 'Example' }, { key: { type: 'rsa', bits: 2048 } });
  sast2 = await selfSignedIdentity({ CN: 'ITLRECOVERY_cucm-sub', O: 'Example' });
  ccm = await selfSignedIdentity({ CN: 'cucm-pub', O: 'Example' });
  capf = await issuedIdentity({ CN: 'CAPF-cucm-pub', O: 'Example' }, sast1, { type: 'ec', curve: 'P-256' });
  appServer = await selfSignedIdentity({ CN: 'tomcat', O: 'Example' });
  stranger = await selfSignedIdentity({ CN: 'attacker' });
  tftpOnly = await selfSignedIdentity({ CN: 'tftp-only', O: 'Example' });
  // Same subject and serial (and so the same issuer name) as sast1, another key.
  lookAlike = await selfSignedIdentity({ CN: 'ITLRECOVERY_cucm-pub', O: 'Example' }, { serialNumber: certificateFieldsOf(sast1.certificate).serialNumber });
});

const baseRecords = (): CtlRecordSource[] => [
  { role: Role.SAST, certificate: sast1.certificate },
  { role: Role.SAST, certificate: sast2.certificate },
  { role: Role.CCM_TFTP, certificate: ccm.certificate, dnsName: 'cucm-pub.example' },
  { role: Role.CAPF, certificate: capf.certificate },
  { role: Role.APP_SERVER, certificate: appServer.certificate },
  { role: Role.TFTP, certificate: tftpOnly.certificate },
];

function ctlSignedBy(signer: TestIdentity, timestamp: number, records: CtlRecordSource[] = baseRecords()): Buffer {
  return buildSignedCtl({ signer, hash: 'sha512', timestamp, records });
}

let dir: string;
let markers: string;
let key: Buffer;
let clock: number;
let logger: ReturnType<typeof memoryLogger>;
const newStore = (integrityKey = key, folder = dir) =>
  new CtlTrustStore({
    dir: folder,
    integrityKey,
    logger,
    markerFile: join(markers, `${Buffer.from(folder).toString('hex').slice(-40)}.json`),
    now: () => new Date(Date.UTC(2026, 0, 1) + clock++ * 60_000),
  });

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ctiprefs-ctl-'));
  markers = await mkdtemp(join(tmpdir(), 'ctiprefs-ctl-markers-'));
  key = randomBytes(32);
  clock = 0;
  logger = memoryLogger();
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
  await rm(markers, { recursive: true, force: true });
});

it('has a look-alike that matches the trusted SAST in everything but the key', () => {
  const [real, fake] = [certificateFieldsOf(sast1.certificate), certificateFieldsOf(lookAlike.certificate)];
  expect([fake.subject, fake.issuer, fake.serialNumber]).toEqual([real.subject, real.issuer, real.serialNumber]);
  expect(fake.fingerprintSha256).not.toBe(real.fingerprintSha256);
});

describe('CtlTrustStore: first use', () => {
  it('has nothing before the first download', async () => {
    expect(await newStore().current()).toBeNull();
  });

  it('trusts the first CTL as is, records who signed it, and reads it back', async () => {
    const bytes = ctlSignedBy(sast1, 1_800_000_000);
    const { outcome, trusted } = await newStore().accept(bytes, '192.0.2.10:69');
    expect(outcome).toBe('first-use');
    expect(trusted).toMatchObject({
      trustedOnFirstUse: true,
      source: '192.0.2.10:69',
      firstTrustedAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
      signerFingerprintSha256: fingerprintSha256(sast1.certificate),
    });
    expect(await readFile(join(dir, CTL_FILE_NAME))).toEqual(bytes);
    expect((await readdir(dir)).sort()).toEqual([CTL_FILE_NAME, CTL_TRUST_FILE_NAME]);
    if (process.platform !== 'win32') expect((await stat(join(dir, CTL_TRUST_FILE_NAME))).mode & 0o777).toBe(0o600);

    const reread = await newStore().current();
    expect(reread?.ctl.bytes).toEqual(bytes);
    expect(reread).toMatchObject({ trustedOnFirstUse: true, source: '192.0.2.10:69', signerFingerprintSha256: trusted.signerFingerprintSha256 });
    expect(logger.lines.some((line) => line.includes('ctl.trusted-on-first-use') && line.includes(trusted.signerFingerprintSha256))).toBe(true);
  });

  it('refuses a first CTL whose own signature fails, and writes nothing', async () => {
    const bytes = Buffer.from(ctlSignedBy(sast1, 1_800_000_000));
    bytes[bytes.length - 1]! ^= 0x01;
    const error = await ctiRejection(newStore().accept(bytes, 'tftp-a:69'));
    expect(error.code).toBe('CTL_INVALID');
    expect(error.message).toMatch(/bad signature/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses bytes that are not a CTL, and writes nothing', async () => {
    const error = await ctiRejection(newStore().accept(Buffer.from('garbage'), 'tftp-a:69'));
    expect(error.code).toBe('CTL_INVALID');
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('CtlTrustStore: later downloads', () => {
  let original: Buffer;
  beforeEach(async () => {
    original = ctlSignedBy(sast1, 1_800_000_000);
    await newStore().accept(original, 'tftp-a:69');
  });

  it('reports the same bytes as unchanged and does not rewrite anything', async () => {
    const before = await snapshot(dir);
    const beforeMtime = (await stat(join(dir, CTL_TRUST_FILE_NAME))).mtimeMs;
    const { outcome, trusted } = await newStore().accept(Buffer.from(original), 'tftp-b:69');
    expect(outcome).toBe('unchanged');
    expect(trusted.source).toBe('tftp-a:69');
    expect(await snapshot(dir)).toEqual(before);
    expect((await stat(join(dir, CTL_TRUST_FILE_NAME))).mtimeMs).toBe(beforeMtime);
  });

  it('accepts a new CTL signed by the same SAST, keeps firstTrustedAt and ends trust-on-first-use', async () => {
    const next = ctlSignedBy(sast1, 1_800_000_100, baseRecords().slice(0, 4));
    const { outcome, trusted } = await newStore().accept(next, 'tftp-b:69');
    expect(outcome).toBe('updated');
    expect(trusted).toMatchObject({
      trustedOnFirstUse: false,
      source: 'tftp-b:69',
      firstTrustedAt: '2026-01-01T00:00:00.000Z',
      signerFingerprintSha256: fingerprintSha256(sast1.certificate),
    });
    expect(trusted.updatedAt > trusted.firstTrustedAt).toBe(true);
    expect(await readFile(join(dir, CTL_FILE_NAME))).toEqual(next);
    expect((await newStore().current())?.ctl.records).toHaveLength(4);
  });

  it('accepts a new CTL signed by the second SAST the trusted CTL lists', async () => {
    const next = ctlSignedBy(sast2, 1_800_000_100);
    const { outcome, trusted } = await newStore().accept(next, 'tftp-a:69');
    expect(outcome).toBe('updated');
    expect(trusted.signerFingerprintSha256).toBe(fingerprintSha256(sast2.certificate));
  });

  it('accepts a tokenless CTL whose signing CallManager certificate the trusted CTL lists as SAST', async () => {
    await newStore().accept(ctlSignedBy(sast1, 1_800_000_050, [...baseRecords(), { role: Role.SAST, certificate: ccm.certificate }]), 'tftp-a:69');
    expect((await newStore().accept(ctlSignedBy(ccm, 1_800_000_100), 'tftp-a:69')).outcome).toBe('updated');
  });

  it('chains trust: after an update, the next file is judged against the updated CTL', async () => {
    const withoutSast2 = [baseRecords()[0]!, baseRecords()[2]!];
    await newStore().accept(ctlSignedBy(sast1, 1_800_000_100, withoutSast2), 'tftp-a:69');
    const error = await ctiRejection(newStore().accept(ctlSignedBy(sast2, 1_800_000_200), 'tftp-a:69'));
    expect(error.code).toBe('CTL_COMPROMISED');
  });

  describe.each([
    ['an unknown signer', () => ctlSignedBy(stranger, 1_800_000_100, [{ role: Role.SAST, certificate: stranger.certificate }, ...baseRecords()])],
    ['a look-alike of the trusted SAST (same subject and serial, other key)', () =>
      ctlSignedBy(lookAlike, 1_800_000_100, [{ role: Role.SAST, certificate: lookAlike.certificate }, ...baseRecords().slice(1)])],
    ['a listed certificate in a role that may not sign (APP-SERVER)', () => ctlSignedBy(appServer, 1_800_000_100)],
    ['the certificate the trusted CTL names only as CCM+TFTP', () => ctlSignedBy(ccm, 1_800_000_100)],
    ['the certificate the trusted CTL names only as TFTP', () => ctlSignedBy(tftpOnly, 1_800_000_100)],
    ['a trusted SAST, but older than the trusted CTL (a rollback)', () => ctlSignedBy(sast1, 1_799_999_999, baseRecords().slice(0, 4))],
    ['a trusted SAST, the same timestamp as the trusted CTL but other content', () => ctlSignedBy(sast1, 1_800_000_000, baseRecords().slice(0, 4))],
    ['a trusted signer, changed after signing', () => {
      const bytes = Buffer.from(ctlSignedBy(sast1, 1_800_000_100));
      bytes[bytes.length - 1]! ^= 0x01;
      return bytes;
    }],
  ])('rejects a CTL from %s', (_label, make) => {
    it('as CTL_COMPROMISED, logs an error, and leaves the trusted CTL byte-for-byte intact', async () => {
      const before = await snapshot(dir);
      const error = await ctiRejection(newStore().accept(make(), 'tftp-evil:69'));
      expect(error.code).toBe('CTL_COMPROMISED');
      expect(error.message).toMatch(/CTL from tftp-evil:69 rejected: .*The trusted CTL was kept\./);
      expect(await snapshot(dir)).toEqual(before);
      expect(logger.lines.some((line) => line.includes('"level":"error"') && line.includes('ctl.update-rejected'))).toBe(true);
      const current = await newStore().current();
      expect(current?.ctl.bytes).toEqual(original);
      expect(current?.trustedOnFirstUse).toBe(true);
    });
  });

  it('names the untrusted signer and its fingerprint in the message', async () => {
    const bytes = ctlSignedBy(stranger, 1_800_000_100, [{ role: Role.SAST, certificate: stranger.certificate }]);
    const error = await ctiRejection(newStore().accept(bytes, 'tftp-evil:69'));
    expect(error.message).toContain(`"CN=attacker" (SHA-256 ${fingerprintSha256(stranger.certificate)}) is not listed in the SAST role of the trusted CTL`);
  });

  it('names a rollback with both timestamps', async () => {
    const error = await ctiRejection(newStore().accept(ctlSignedBy(sast2, 1_799_000_000), 'tftp-evil:69'));
    expect(error.message).toContain('its timestamp 2027-01-03T18:13:20.000Z is older than the trusted CTL\'s 2027-01-15T08:00:00.000Z (a rollback)');
  });

  it('rejects a damaged download as CTL_INVALID and keeps the trusted CTL', async () => {
    const before = await snapshot(dir);
    const error = await ctiRejection(newStore().accept(original.subarray(0, original.length - 7), 'tftp-a:69'));
    expect(error.code).toBe('CTL_INVALID');
    expect(await snapshot(dir)).toEqual(before);
  });

  it('serialises concurrent accepts', async () => {
    const store = newStore();
    const b = ctlSignedBy(sast1, 1_800_000_100, baseRecords().slice(0, 3));
    const c = ctlSignedBy(sast2, 1_800_000_200, baseRecords().slice(0, 2));
    const results = await Promise.all([store.accept(b, 'b'), store.accept(c, 'c')]);
    expect(results.map((r) => r.outcome)).toEqual(['updated', 'updated']);
    const current = await newStore().current();
    expect(current?.ctl.bytes).toEqual(c);
    expect(current?.source).toBe('c');
  });
});

describe('CtlTrustStore: tampering on disk', () => {
  let original: Buffer;
  beforeEach(async () => {
    original = ctlSignedBy(sast1, 1_800_000_000);
    await newStore().accept(original, 'tftp-a:69');
  });

  async function expectTampered(store = newStore(), message?: RegExp): Promise<void> {
    const error = await ctiRejection(store.current());
    expect(error.code).toBe('CTL_TAMPERED');
    if (message) expect(error.message).toMatch(message);
    // No downgrade to a new first use either.
    const onAccept = await ctiRejection(store.accept(ctlSignedBy(stranger, 1, [{ role: Role.SAST, certificate: stranger.certificate }]), 'tftp-evil:69'));
    expect(onAccept.code).toBe('CTL_TAMPERED');
  }

  it('reports a changed CTLFile.tlv, even one that is itself validly signed', async () => {
    await writeFile(join(dir, CTL_FILE_NAME), ctlSignedBy(sast1, 1_800_000_999));
    await expectTampered(newStore(), /CTLFile.tlv does not match its integrity record/);
  });

  it('reports a changed byte in CTLFile.tlv', async () => {
    const bytes = Buffer.from(original);
    bytes[100]! ^= 0xff;
    await writeFile(join(dir, CTL_FILE_NAME), bytes);
    await expectTampered();
  });

  it('reports changed metadata', async () => {
    const path = join(dir, CTL_TRUST_FILE_NAME);
    const record = JSON.parse(await readFile(path, 'utf8'));
    await writeFile(path, JSON.stringify({ ...record, trustedOnFirstUse: false }));
    await expectTampered(newStore(), /fails its integrity check/);
    await writeFile(path, JSON.stringify({ ...record, source: 'elsewhere:69' }));
    await expectTampered();
  });

  it('reports a changed served file name, and a format 1 record that carries one', async () => {
    const path = join(dir, CTL_TRUST_FILE_NAME);
    const record = JSON.parse(await readFile(path, 'utf8'));
    expect(record).toMatchObject({ format: 3, fileName: 'CTLFile.tlv', folder: dir });
    await writeFile(path, JSON.stringify({ ...record, fileName: 'CTLCAPF7f000001.tlv' }));
    await expectTampered(newStore(), /fails its integrity check/);
    await writeFile(path, JSON.stringify({ ...record, format: 1 }));
    await expectTampered(newStore(), /does not have the expected fields \(format 1 to 3\)/);
  });

  it('reports metadata that is not JSON or misses fields', async () => {
    const path = join(dir, CTL_TRUST_FILE_NAME);
    await writeFile(path, '{ nope');
    await expectTampered(newStore(), /is not valid JSON/);
    await writeFile(path, '{"format":1}');
    await expectTampered(newStore(), /does not have the expected fields/);
  });

  it('reports a CTL whose metadata was deleted', async () => {
    await rm(join(dir, CTL_TRUST_FILE_NAME));
    await expectTampered(newStore(), /has no integrity record/);
  });

  it('takes a second look before it calls a half-seen commit of another process tampered', async () => {
    // Caught between two files of a commit elsewhere: the record is gone for the first look and back for
    // the second (the commit writes its record before its CTL), so the stored list is what it was.
    const path = join(dir, CTL_TRUST_FILE_NAME);
    const record = await readFile(path);
    await rm(path);
    const loading = newStore().current();
    // After the first look (a few ms), well before the second.
    await setTimeout(30);
    await writeFile(path, record);
    expect((await loading)?.signerFingerprintSha256).toMatch(/^[0-9A-F:]{95}$/);
  });

  it('reports a trusted list whose files were all removed, instead of trusting the next download on first use', async () => {
    await rm(join(dir, CTL_FILE_NAME));
    await rm(join(dir, CTL_TRUST_FILE_NAME));
    await expectTampered(newStore(), new RegExp(`the trusted list of ${dir} is missing`));
  });

  it('reports trusted files copied in from another folder', async () => {
    const other = await mkdtemp(join(tmpdir(), 'ctiprefs-ctl-other-'));
    try {
      await newStore(key, other).accept(ctlSignedBy(sast2, 1_800_000_500), 'tftp-other:69');
      await cp(join(other, CTL_FILE_NAME), join(dir, CTL_FILE_NAME));
      await cp(join(other, CTL_TRUST_FILE_NAME), join(dir, CTL_TRUST_FILE_NAME));
      await expectTampered(newStore(), new RegExp(`belongs to the folder ${other}, not to ${dir}`));
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it('reports a deleted CTLFile.tlv', async () => {
    await rm(join(dir, CTL_FILE_NAME));
    await expectTampered(newStore(), /CTLFile.tlv is missing/);
  });

  it('fails with a different integrity key', async () => {
    await expectTampered(newStore(randomBytes(32)), /different integrity key/);
  });

  it('logs tampering as an error without the key', async () => {
    await writeFile(join(dir, CTL_FILE_NAME), Buffer.from('x'));
    await ctiRejection(newStore().current());
    const line = logger.lines.find((l) => l.includes('ctl.tampered'));
    expect(line).toBeDefined();
    expect(line).not.toContain(key.toString('hex'));
  });

  it('starts over after forget(): the next download is a first use', async () => {
    await writeFile(join(dir, CTL_FILE_NAME), Buffer.from('x'));
    const store = newStore();
    await store.forget();
    expect(await readdir(dir)).toEqual([]);
    expect(await readdir(markers)).toEqual([]);
    expect(await store.current()).toBeNull();
    expect((await store.accept(original, 'tftp-a:69')).outcome).toBe('first-use');
  });
});

describe('CtlTrustStore: interrupted commits', () => {
  it('keeps the old CTL when the crash came before the metadata switched', async () => {
    const original = ctlSignedBy(sast1, 1_800_000_000);
    await newStore().accept(original, 'tftp-a:69');
    await writeFile(join(dir, CTL_PENDING_FILE_NAME), ctlSignedBy(sast1, 1_800_000_100));
    const current = await newStore().current();
    expect(current?.ctl.bytes).toEqual(original);
  });

  it('completes the new CTL when the crash came after the metadata switched', async () => {
    const original = ctlSignedBy(sast1, 1_800_000_000);
    const next = ctlSignedBy(sast2, 1_800_000_100);
    // Produce the real post-switch metadata, then stage the state a crash right after writing it leaves.
    await newStore().accept(original, 'tftp-a:69');
    await newStore().accept(next, 'tftp-a:69');
    const switchedRecord = await readFile(join(dir, CTL_TRUST_FILE_NAME));
    await writeFile(join(dir, CTL_FILE_NAME), original);
    await writeFile(join(dir, CTL_PENDING_FILE_NAME), next);
    await writeFile(join(dir, CTL_TRUST_FILE_NAME), switchedRecord);

    const current = await newStore().current();
    expect(current?.ctl.bytes).toEqual(next);
    expect(current?.trustedOnFirstUse).toBe(false);
    expect(await readFile(join(dir, CTL_FILE_NAME))).toEqual(next);
    expect((await readdir(dir)).sort()).toEqual([CTL_FILE_NAME, CTL_TRUST_FILE_NAME]);
  });

  it('still reports tampering when the pending file does not match either', async () => {
    await newStore().accept(ctlSignedBy(sast1, 1_800_000_000), 'tftp-a:69');
    await writeFile(join(dir, CTL_FILE_NAME), Buffer.from('x'));
    await writeFile(join(dir, CTL_PENDING_FILE_NAME), Buffer.from('y'));
    expect((await ctiRejection(newStore().current())).code).toBe('CTL_TAMPERED');
  });
});

describe('trustAnchorsByRole', () => {
  it('returns CAPF and CTIManager anchors, each certificate once', () => {
    const ctl = decodeCtl(
      ctlSignedBy(sast1, 1_800_000_000, [...baseRecords(), { role: Role.CCM, certificate: ccm.certificate }, { role: Role.CCM, certificate: sast2.certificate }]),
    );
    expect(trustAnchorsByRole(ctl, CAPF_ROLES)).toEqual([capf.certificate]);
    expect(trustAnchorsByRole(ctl, CTIMANAGER_ROLES)).toEqual([ccm.certificate, sast2.certificate]);
    expect(trustAnchorsByRole(ctl, [Role.TVS])).toEqual([]);
  });
});

describe('CtlTrustStore storage faults', () => {
  it('reports a folder it cannot use as KEYSTORE, not as tampering', async () => {
    const blocker = join(dir, 'not-a-folder');
    await writeFile(blocker, 'x');
    const store = new CtlTrustStore({ dir: join(blocker, 'ctl'), integrityKey: key });
    const error = await ctiRejection(store.accept(ctlSignedBy(sast1, 1_800_000_000), 'tftp-a:69'));
    expect(error.code).toBe('KEYSTORE');
    expect(error.message).toContain('not-a-folder');
  });
});

describe('CtlTrustStore options', () => {
  it('refuses a short integrity key', () => {
    expect(() => new CtlTrustStore({ dir, integrityKey: Buffer.alloc(8) })).toThrow(/at least 16 bytes/);
  });
});

describe('CtlTrustStore: the name the cluster served', () => {
  it('keeps the served name with the trusted record; either name obeys the same rules', async () => {
    const original = ctlSignedBy(sast1, 1_800_000_000);
    const first = await newStore().accept(original, 'tftp-a:69', 'CTLCAPF806b8c4c.tlv');
    expect(first.trusted.fileName).toBe('CTLCAPF806b8c4c.tlv');
    expect((await newStore().current())?.fileName).toBe('CTLCAPF806b8c4c.tlv');

    // The same bytes under the other name are unchanged; the record keeps the name the bytes were trusted under.
    expect((await newStore().accept(Buffer.from(original), 'tftp-a:69', 'CTLFile.tlv')).outcome).toBe('unchanged');
    const compromised = await ctiRejection(newStore().accept(ctlSignedBy(stranger, 1_800_000_100), 'tftp-a:69', 'CTLFile.tlv'));
    expect(compromised.code).toBe('CTL_COMPROMISED');
    const updated = await newStore().accept(ctlSignedBy(sast2, 1_800_000_200), 'tftp-b:69', 'CTLFile.tlv');
    expect(updated).toMatchObject({ outcome: 'updated', trusted: { fileName: 'CTLFile.tlv', source: 'tftp-b:69' } });
    expect((await newStore().current())?.fileName).toBe('CTLFile.tlv');
  });

  it('still reads a format 1 record (written before names were kept) as served as CTLFile.tlv', async () => {
    const original = ctlSignedBy(sast1, 1_800_000_000);
    await writeFile(join(dir, CTL_FILE_NAME), original);
    // What the previous release wrote: the MAC over these fields in this order, no file name.
    const fields = {
      format: 1,
      ctlSha256: createHash('sha256').update(original).digest('hex'),
      firstTrustedAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
      source: 'tftp-a:69',
      trustedOnFirstUse: true,
      signerFingerprintSha256: fingerprintSha256(sast1.certificate),
    };
    const hmac = createHmac('sha256', key)
      .update('ctiprefs ctl-trust v1')
      .update(JSON.stringify([fields.format, fields.ctlSha256, fields.firstTrustedAt, fields.updatedAt, fields.source, fields.trustedOnFirstUse, fields.signerFingerprintSha256]))
      .digest('hex');
    await writeFile(join(dir, CTL_TRUST_FILE_NAME), JSON.stringify({ ...fields, hmac }));

    expect(await newStore().current()).toMatchObject({ fileName: 'CTLFile.tlv', source: 'tftp-a:69', trustedOnFirstUse: true });
    // Read once, it is bound to its folder (the current format), and the folder's marker is written.
    expect(JSON.parse(await readFile(join(dir, CTL_TRUST_FILE_NAME), 'utf8'))).toMatchObject({ format: 3, fileName: 'CTLFile.tlv', folder: dir });
    expect(await readdir(markers)).toHaveLength(1);
    await newStore().accept(ctlSignedBy(sast2, 1_800_000_100), 'tftp-a:69', 'CTLCAPF806b8c4c.tlv');
    expect(JSON.parse(await readFile(join(dir, CTL_TRUST_FILE_NAME), 'utf8'))).toMatchObject({ format: 3, fileName: 'CTLCAPF806b8c4c.tlv' });
    expect((await newStore().current())?.fileName).toBe('CTLCAPF806b8c4c.tlv');
  });
});
