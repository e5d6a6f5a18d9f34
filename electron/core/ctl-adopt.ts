/**
 * A signer change examined and adopted on purpose: the refused updates of a certificate folder beside its
 * trusted list, and adopting the newest one signed by the signer whose fingerprint the administrator confirms
 * (the fix Cisco's technotes describe for regenerated certificates, without trusting whatever comes next).
 */
import { CtiError } from '../../shared/errors.ts';
import { parseSha256Fingerprint, shortSha256 } from '../../shared/fields.ts';
import type { CtlAdoptResult, RefusedCtlInfo, RefusedCtlReport } from '../../shared/model.ts';
import type { CoreContext } from './context.ts';
import { decodeCtl, type CtlFile } from './ctl/codec.ts';
import { compareRecords, ctlSide, displaySha256, provenSigner, recordsOf } from './ctl/compare.ts';
import { describeCtl } from './ctl/describe.ts';
import type { RefusedCtl, RefusedCtlEntry } from './ctl/refused-store.ts';
import type { TrustedCtl } from './ctl/trust-store.ts';
import { recordOperation } from './history.ts';

/** A kept list decoded, or why it cannot be (changed on disk, missing, unreadable). */
function keptCtl(refused: RefusedCtl): { ctl: CtlFile } | { problem: string } {
  if ('problem' in refused) return { problem: refused.problem };
  try {
    return { ctl: decodeCtl(refused.bytes) };
  } catch (err) {
    return { problem: (err as Error).message };
  }
}

/** A kept list with the signer its own signature proves, or why it has none. */
function provenKept(refused: RefusedCtl): { ctl: CtlFile; fingerprint: string } | { problem: string } {
  const kept = keptCtl(refused);
  if ('problem' in kept) return kept;
  const signer = provenSigner(kept.ctl);
  return 'problem' in signer ? signer : { ctl: kept.ctl, fingerprint: signer.fingerprint };
}

function describeRefused(refused: RefusedCtl, trusted: TrustedCtl | null): RefusedCtlInfo {
  const where = { fileName: refused.fileName, source: refused.source };
  const unreadable = (problem: string): RefusedCtlInfo => ({
    refusedAt: refused.refusedAt,
    reason: refused.reason,
    problem,
    list: { signerSubject: '', signerFingerprintSha256: '', sha256: displaySha256(refused.sha256), timestamp: '', ...where },
    added: [],
    removed: [],
    changed: [],
  });
  const kept = keptCtl(refused);
  if ('problem' in kept) return unreadable(kept.problem);
  const { ctl } = kept;
  const signer = provenSigner(ctl);
  return {
    refusedAt: refused.refusedAt,
    reason: refused.reason,
    ...('problem' in signer ? { problem: signer.problem } : {}),
    list: ctlSide(ctl, where, 'fingerprint' in signer ? signer.fingerprint : ''),
    ...compareRecords(trusted ? recordsOf(trusted.ctl) : [], recordsOf(ctl)),
  };
}

/** The trusted list to compare with; a tampered one is no basis for a comparison (the Trust list tab names it). */
async function trustedOrNone(core: CoreContext, dir: string): Promise<TrustedCtl | null> {
  try {
    return await (await core.trustStore(dir)).current();
  } catch (err) {
    if (err instanceof CtiError && err.code === 'CTL_TAMPERED') return null;
    throw err;
  }
}

export async function refusedCtlReport(core: CoreContext, dir: string): Promise<RefusedCtlReport> {
  const trusted = await trustedOrNone(core, dir);
  const refused = await (await core.refusedStore(dir)).list();
  return {
    folder: dir,
    trusted: trusted ? ctlSide(trusted.ctl, trusted, trusted.signerFingerprintSha256) : null,
    refused: refused.map((entry) => describeRefused(entry, trusted)),
  };
}

/** What the administrator confirmed: the signer, and optionally which kept list (by its file SHA-256, as shown). */
export interface AdoptRequest {
  fingerprint: string;
  fileSha256?: string;
}

/** The names of the request's fields in messages: the CLI's flags, or the window's labels. */
export interface AdoptLabels {
  fingerprint: string;
  fileSha256: string;
}

const WINDOW_LABELS: AdoptLabels = { fingerprint: 'Fingerprint', fileSha256: 'File SHA-256' };

type Adoptable = RefusedCtlEntry & { ctl: CtlFile };

/** A kept list as messages name it: when it was refused, and the start of its file's hash. */
const nameOf = (entry: RefusedCtl) => `the list refused ${entry.refusedAt} (file SHA-256 ${shortSha256(displaySha256(entry.sha256))})`;

/**
 * The kept list to adopt: the one asked for by its file hash, or else, of those whose own signature proves
 * the confirmed signer, the one with the newest timestamp (the cluster's latest; a list refused later, a
 * stranger's or an old one replayed, does not stand in its way). None is an error naming each kept list's
 * signer, or why it cannot be used.
 */
function chooseRefused(refused: RefusedCtl[], confirmed: string, fileSha256: string | undefined, dir: string, labels: AdoptLabels): Adoptable {
  if (refused.length === 0) throw new CtiError('CTL_NOTHING_REFUSED', `No refused CTL is kept for ${dir}; nothing to adopt`);
  const candidates = fileSha256 === undefined ? refused : refused.filter((entry) => displaySha256(entry.sha256) === fileSha256);
  if (candidates.length === 0) {
    const kept = refused.map((entry) => displaySha256(entry.sha256)).join(', ');
    throw new CtiError('BAD_INPUT', `${labels.fileSha256}: no refused CTL kept for ${dir} has the file SHA-256 ${fileSha256}; kept: ${kept}`);
  }
  const signers = new Set<string>();
  const problems: string[] = [];
  let chosen: Adoptable | undefined;
  for (const entry of candidates) {
    const proven = provenKept(entry);
    if ('problem' in proven) problems.push(`${nameOf(entry)}: ${proven.problem}`);
    else if (proven.fingerprint !== confirmed) signers.add(`SHA-256 ${proven.fingerprint}`);
    else if (!chosen || proven.ctl.header.timestamp > chosen.ctl.header.timestamp) chosen = { ...entry, ctl: proven.ctl };
  }
  if (chosen) return chosen;
  const unusable = problems.join('; ');
  if (signers.size === 0) throw new CtiError('CTL_INVALID', `Not adopted: no refused CTL kept for ${dir} can be used: ${unusable}. The trusted CTL was kept.`);
  throw new CtiError(
    'CTL_COMPROMISED',
    `Not adopted: no refused CTL kept for ${dir} is signed by SHA-256 ${confirmed}, which was confirmed; their signers: ${[...signers].join(', ')}${unusable ? `; unusable: ${unusable}` : ''}. The trusted CTL was kept.`,
  );
}

/**
 * Adopts a refused list of `dir` signed by the confirmed signer (see chooseRefused). Everything is checked
 * again at this moment: the kept bytes are the ones that were refused (hash and HMAC of their entry), they
 * still parse, their own signature verifies with their own signer, that signer has the confirmed
 * fingerprint, and the list is newer than the trusted one. The trust record is then written like a first use
 * with a signer named beforehand.
 */
export async function adoptRefusedCtl(core: CoreContext, dir: string, request: AdoptRequest, labels: AdoptLabels = WINDOW_LABELS): Promise<CtlAdoptResult> {
  const confirmed = parseSha256Fingerprint(request.fingerprint, labels.fingerprint);
  if (typeof confirmed !== 'string') throw new CtiError('BAD_INPUT', confirmed.error);
  const fileSha256 = request.fileSha256 === undefined ? undefined : parseSha256Fingerprint(request.fileSha256, labels.fileSha256);
  if (typeof fileSha256 === 'object') throw new CtiError('BAD_INPUT', fileSha256.error);
  const refusedStore = await core.refusedStore(dir);
  const chosen = chooseRefused(await refusedStore.list(), confirmed, fileSha256, dir, labels);
  const startedAt = new Date().toISOString();
  let adopted;
  try {
    adopted = await (await core.trustStore(dir)).adopt(chosen.ctl.bytes, chosen.source, chosen.fileName, confirmed);
  } catch (err) {
    core.logger.log('error', 'ctl.adopt-refused', { dir, confirmed, message: (err as Error).message });
    throw err;
  }
  const previous = adopted.previous?.signerFingerprintSha256 ?? null;
  const signer = adopted.trusted.signerFingerprintSha256;
  core.logger.log('warn', 'ctl.adopted', { dir, previousSignerFingerprintSha256: previous, signerFingerprintSha256: signer, sha256: chosen.sha256 });
  await refusedStore.remove(chosen.sha256);
  await recordAdoption(core, dir, { startedAt, previous, adopted: signer });
  return { previousSignerFingerprintSha256: previous, signerFingerprintSha256: signer, trustList: describeCtl(adopted.trusted.ctl, adopted.trusted) };
}

/** In the history of every profile whose certificate folder this is. */
async function recordAdoption(core: CoreContext, dir: string, adoption: { startedAt: string; previous: string | null; adopted: string }): Promise<void> {
  const { profiles } = await core.settings.read();
  const endedAt = new Date().toISOString();
  for (const profile of profiles.filter((p) => core.dirOf(p) === dir)) {
    await recordOperation(core, profile.id, {
      startedAt: adoption.startedAt,
      endedAt,
      outcome: 'adopted',
      attempts: 1,
      capfServer: `${profile.capfHost}:${profile.capfPort}`,
      signers: { previous: adoption.previous, adopted: adoption.adopted },
    });
  }
}
