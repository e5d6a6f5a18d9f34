/**
 * The trust store's commit on a real full disk (a small tmpfs of the test's own): at every amount of free
 * space the outcome says what is on disk. Success means the new CTL is trusted; KEYSTORE means the old one
 * still is, exactly. Skipped, with the reason, where mounting is not permitted.
 */
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CtiError } from '../../../shared/errors.ts';
import { buildSignedCtl, type CtlRecordSource } from '../../../electron/lab/ctl-builder.ts';
import { Role } from '../../../electron/core/ctl/tags.ts';
import { CTL_FILE_NAME, CTL_PENDING_FILE_NAME, CTL_TRUST_FILE_NAME, CtlTrustStore } from '../../../electron/core/ctl/trust-store.ts';
import { issuedIdentity, selfSignedIdentity, type TestIdentity } from '../../unit/core/ctl/fixtures.ts';
import { mountTmpfs, PAGE_BYTES } from '../../helpers/tmpfs.ts';

const disk = mountTmpfs('ctl-full', 256 * 1024);
const noDisk = 'skip' in disk ? disk.skip : undefined;
if (noDisk) console.warn(`trust-store-full-disk: skipped: ${noDisk}`);

let sast: TestIdentity;
let others: TestIdentity[];
const key = randomBytes(32);

beforeAll(async () => {
  sast = await selfSignedIdentity({ CN: 'ITLRECOVERY_full', O: 'Example' });
  others = [];
  for (let i = 0; i < 6; i++) others.push(await issuedIdentity({ CN: `node-${i}`, O: 'Example' }, sast));
});
afterAll(() => {
  if (!('skip' in disk)) disk.unmount();
});

/** Signed by the trusted SAST and newer each time: a valid update under every trust rule. */
function ctl(timestamp: number, extra: number): Buffer {
  const records: CtlRecordSource[] = [
    { role: Role.SAST, certificate: sast.certificate },
    ...others.slice(0, extra).map((identity) => ({ role: Role.CCM_TFTP, certificate: identity.certificate })),
  ];
  return buildSignedCtl({ signer: sast, hash: 'sha256', timestamp, records });
}

describe.skipIf(noDisk)('CtlTrustStore on a nearly full disk', () => {
  it('either trusts the update or keeps the old CTL exactly, and says which, at every amount of free space', async () => {
    if ('skip' in disk) return;
    const dir = join(disk.path, 'certificates');
    const older = ctl(1_800_000_000, 2);
    const newer = ctl(1_800_000_100, 6);
    expect(newer.length).toBeGreaterThan(PAGE_BYTES); // so the commit's writes need different amounts of space
    const trials: { pages: number; said: string; onDisk: string; files: string[] }[] = [];
    const failures: CtiError[] = [];
    for (let pages = 0; pages <= 10; pages++) {
      disk.clear();
      await new CtlTrustStore({ dir, integrityKey: key }).accept(older, 'tftp:69');
      disk.fill(pages * PAGE_BYTES);
      const result = await new CtlTrustStore({ dir, integrityKey: key }).accept(newer, 'tftp:69').catch((err: unknown) => err);
      disk.unfill();
      const trusted = await new CtlTrustStore({ dir, integrityKey: key }).current();
      if (result instanceof CtiError) failures.push(result);
      const said = result instanceof CtiError ? result.code : (result as { outcome: string }).outcome;
      const onDisk = trusted?.ctl.bytes.equals(newer) ? 'new' : trusted?.ctl.bytes.equals(older) ? 'old' : 'neither';
      trials.push({ pages, said, onDisk, files: (await readdir(dir)).sort() });
    }
    const truthful = (t: { said: string; onDisk: string }) => (t.said === 'updated' && t.onDisk === 'new') || (t.said === 'KEYSTORE' && t.onDisk === 'old');
    expect(trials.filter((t) => !truthful(t))).toEqual([]);
    // Whatever the outcome, the folder ends in a clean state once there is room again.
    const clean = [CTL_FILE_NAME, CTL_TRUST_FILE_NAME].sort();
    expect(trials.filter((t) => t.files.join() !== clean.join())).toEqual([]);
    for (const failure of failures) {
      expect(failure.message).toContain(dir);
      expect(failure.message).toMatch(/the disk is full \(ENOSPC\); the stored CTL is unchanged$/);
    }
    // The sweep covered both sides: a disk too full for the update, and one with room for it.
    expect(trials.map((t) => t.said)).toContain('KEYSTORE');
    expect(trials.map((t) => t.said)).toContain('updated');
  });

  it('moves a trusted CTL still waiting in its pending file into place before the pending file is reused', async () => {
    if ('skip' in disk) return;
    const dir = join(disk.path, 'certificates');
    const first = ctl(1_800_000_000, 2);
    const second = ctl(1_800_000_100, 6);
    const third = ctl(1_800_000_200, 4);
    // Find a fill at which the second update is committed but its bytes stay in the pending file.
    let staged = false;
    for (let pages = 0; pages <= 10 && !staged; pages++) {
      disk.clear();
      await new CtlTrustStore({ dir, integrityKey: key }).accept(first, 'tftp:69');
      disk.fill(pages * PAGE_BYTES);
      const result = await new CtlTrustStore({ dir, integrityKey: key }).accept(second, 'tftp:69').catch((err: unknown) => err);
      staged = !(result instanceof CtiError) && (await readdir(dir)).includes(CTL_PENDING_FILE_NAME);
      if (!staged) disk.unfill();
    }
    expect(staged).toBe(true);
    // Still full: the third update fails, and the second must stay trusted (not be lost with the pending file).
    const result = await new CtlTrustStore({ dir, integrityKey: key }).accept(third, 'tftp:69').catch((err: unknown) => err);
    disk.unfill();
    const trusted = await new CtlTrustStore({ dir, integrityKey: key }).current();
    expect(trusted?.ctl.bytes.equals(result instanceof CtiError ? second : third)).toBe(true);
  });
});
