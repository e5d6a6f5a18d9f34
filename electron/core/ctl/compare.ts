/**
 * The trusted list and a refused update side by side: which signer, which bytes, which records were
 * added, removed or changed. Records are matched by their certificate first (a certificate that moved to
 * another role is a change), then by role and subject (a regenerated certificate is a change, not one
 * removal and one addition); whatever is left was added or removed.
 */
import type { CtlRecordChange, CtlRecordInfo, CtlSide } from '../../../shared/model.ts';
import { fingerprintSha256 } from './certificate-fields.ts';
import type { CtlFile } from './codec.ts';
import { describeRecord } from './describe.ts';
import { sha256Hex } from './refused-store.ts';
import { verifyCtlSignature } from './verify.ts';

export interface RecordDifferences {
  added: CtlRecordInfo[];
  removed: CtlRecordInfo[];
  changed: CtlRecordChange[];
}

/** The SHA-256 of a file in the form fingerprints are shown in. */
export function displaySha256(hex: string): string {
  return hex.toUpperCase().match(/../g)!.join(':');
}

/** A certificate's identity; a record without a readable certificate is known by role, subject and serial. */
function certificateKey(record: CtlRecordInfo): string {
  return record.fingerprintSha256 ?? `${record.role}|${record.subject}|${record.serialNumber}`;
}

const sameRoleAndSubject = (a: CtlRecordInfo, b: CtlRecordInfo) => a.role === b.role && a.subject === b.subject;
const sameCertificate = (a: CtlRecordInfo, b: CtlRecordInfo) => certificateKey(a) === certificateKey(b);
const identical = (a: CtlRecordInfo, b: CtlRecordInfo) => sameCertificate(a, b) && a.role === b.role;

/** Removes from `before` and `after` every pair `matches` accepts, first come first paired; returns the pairs. */
function pairOff(before: CtlRecordInfo[], after: CtlRecordInfo[], matches: (a: CtlRecordInfo, b: CtlRecordInfo) => boolean): CtlRecordChange[] {
  const pairs: CtlRecordChange[] = [];
  for (let i = 0; i < before.length; ) {
    const j = after.findIndex((candidate) => matches(before[i]!, candidate));
    if (j < 0) {
      i++;
      continue;
    }
    pairs.push({ before: before[i]!, after: after[j]! });
    before.splice(i, 1);
    after.splice(j, 1);
  }
  return pairs;
}

export function compareRecords(trusted: readonly CtlRecordInfo[], refused: readonly CtlRecordInfo[]): RecordDifferences {
  const removed = [...trusted];
  const added = [...refused];
  pairOff(removed, added, identical);
  const changed = [...pairOff(removed, added, sameCertificate), ...pairOff(removed, added, sameRoleAndSubject)];
  return { added, removed, changed };
}

/** The signer the file's own signature proves, or why none is proven. */
export function provenSigner(ctl: CtlFile): { fingerprint: string } | { problem: string } {
  try {
    return { fingerprint: fingerprintSha256(verifyCtlSignature(ctl).certificate.raw) };
  } catch (err) {
    return { problem: `its own signature does not verify with its own signer, so no signer is proven (${(err as Error).message})` };
  }
}

export function ctlSide(ctl: CtlFile, where: { fileName: string; source: string }, signerFingerprintSha256: string): CtlSide {
  return {
    signerSubject: ctl.header.signer.name,
    signerFingerprintSha256,
    sha256: displaySha256(sha256Hex(ctl.bytes)),
    timestamp: new Date(ctl.header.timestamp * 1000).toISOString(),
    fileName: where.fileName,
    source: where.source,
  };
}

export function recordsOf(ctl: CtlFile): CtlRecordInfo[] {
  return ctl.records.map(describeRecord);
}
