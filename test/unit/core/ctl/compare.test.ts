/** The record comparison of a refused update: by certificate first, then by role and subject. */
import { describe, expect, it } from 'vitest';
import { compareRecords } from '../../../../electron/core/ctl/compare.ts';
import type { CtlRecordInfo } from '../../../../shared/model.ts';

const record = (role: number, roleName: string, subject: string, fingerprintSha256?: string): CtlRecordInfo => ({
  role,
  roleName,
  subject,
  issuer: subject,
  serialNumber: '01',
  ...(fingerprintSha256 ? { fingerprintSha256 } : {}),
});

describe('compareRecords', () => {
  it('finds nothing between identical lists', () => {
    const list = [record(0, 'SAST', 'CN=sast', 'AA'), record(4, 'CAPF', 'CN=capf', 'BB')];
    expect(compareRecords(list, [...list])).toEqual({ added: [], removed: [], changed: [] });
  });

  it('calls a regenerated certificate (same role and subject) a change, and a moved one too', () => {
    const sast = record(0, 'SAST', 'CN=sast', 'AA');
    const regenerated = record(0, 'SAST', 'CN=sast', 'A2');
    const tftp = record(3, 'TFTP', 'CN=cucm', 'CC');
    const moved = record(2, 'CCM+TFTP', 'CN=cucm', 'CC');
    expect(compareRecords([sast, tftp], [moved, regenerated])).toEqual({
      added: [],
      removed: [],
      changed: [
        { before: tftp, after: moved },
        { before: sast, after: regenerated },
      ],
    });
  });

  it('lists what only one side has as added or removed, records without certificates included', () => {
    const kept = record(0, 'SAST', 'CN=sast', 'AA');
    const gone = record(4, 'CAPF', 'CN=capf-old', 'BB');
    const bare = record(1, 'CCM', 'CN=no-certificate');
    const fresh = record(4, 'CAPF', 'CN=capf-new', 'DD');
    expect(compareRecords([kept, gone, bare], [kept, fresh, bare])).toEqual({ added: [fresh], removed: [gone], changed: [] });
  });
});
