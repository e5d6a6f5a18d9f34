/**
 * A signer change examined and adopted on purpose: the refused updates of a certificate folder beside its
 * trusted list, and adopting the newest one signed by the signer whose fingerprint the administrator confirms
 * (the fix Cisco's technotes describe for regenerated certificates, without trusting whatever comes next).
 */
import { CtiError } from '../../shared/errors.ts';
import { parseSha256Fingerprint } from '../../shared/fields.ts';
import type { CtlAdoptResult, RefusedCtlInfo, RefusedCtlReport } from '../../shared/model.ts';
import type { CoreContext } from './context.ts';
import { decodeCtl } from './ctl/codec.ts';
import { compareRecords, ctlSide, displaySha256, provenSignerFingerprint, recordsOf } from './ctl/compare.ts';
import { describeCtl } from './ctl/describe.ts';
import type { RefusedCtl } from './ctl/refused-store.ts';
import type { TrustedCtl } from './ctl/trust-store.ts';
import { recordOperation } from './history.ts';

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
  if ('problem' in refused) return unreadable(refused.problem);
  let ctl;
  try {
    ctl = decodeCtl(refused.bytes);
  } catch (err) {
    return unreadable((err as Error).message);
  }
  const signer = provenSignerFingerprint(ctl);
  return {
    refusedAt: refused.refusedAt,
    reason: refused.reason,
    ...(signer ? {} : { problem: 'its own signature does not verify with its own signer, so no signer is proven' }),
    list: ctlSide(ctl, where, signer),
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

/**
 * The newest kept list whose own signature proves the confirmed signer: a list refused later (a stranger's
 * on the TFTP path, say) does not stand in the way of the one the administrator confirmed. None is an
 * error naming each kept list's signer, or why it cannot be used.
 */
function refusedBySigner(refused: RefusedCtl[], confirmed: string, dir: string): RefusedCtl & { bytes: Buffer } {
  if (refused.length === 0) throw new CtiError('CTL_NOTHING_REFUSED', `No refused CTL is kept for ${dir}; nothing to adopt`);
  const signers: string[] = [];
  const problems: string[] = [];
  for (const entry of refused) {
    if ('problem' in entry) {
      problems.push(entry.problem);
      continue;
    }
    let signer: string;
    try {
      signer = provenSignerFingerprint(decodeCtl(entry.bytes));
    } catch (err) {
      problems.push((err as Error).message);
      continue;
    }
    if (signer === confirmed) return entry;
    signers.push(signer ? `SHA-256 ${signer}` : 'no proven signer');
  }
  if (signers.length === 0) throw new CtiError('CTL_INVALID', `Not adopted: no refused CTL kept for ${dir} can be used: ${problems.join('; ')}. The trusted CTL was kept.`);
  throw new CtiError(
    'CTL_COMPROMISED',
    `Not adopted: no refused CTL kept for ${dir} is signed by SHA-256 ${confirmed}, which was confirmed; their signers: ${signers.join(', ')}${problems.length ? `; unusable: ${problems.join('; ')}` : ''}. The trusted CTL was kept.`,
  );
}

/**
 * Adopts the newest refused list of `dir` signed by the confirmed signer. Everything is checked again at
 * this moment: the kept bytes are the ones that were refused (hash and HMAC of their entry), they still
 * parse, their own signature verifies with their own signer, that signer has the confirmed fingerprint, and
 * the list is newer than the trusted one. The trust record is then written like a first use with a signer
 * named beforehand.
 */
export async function adoptRefusedCtl(core: CoreContext, dir: string, fingerprint: string, label = 'Fingerprint'): Promise<CtlAdoptResult> {
  const confirmed = parseSha256Fingerprint(fingerprint, label);
  if (typeof confirmed !== 'string') throw new CtiError('BAD_INPUT', confirmed.error);
  const refusedStore = await core.refusedStore(dir);
  const chosen = refusedBySigner(await refusedStore.list(), confirmed, dir);
  const startedAt = new Date().toISOString();
  let adopted;
  try {
    adopted = await (await core.trustStore(dir)).adopt(chosen.bytes, chosen.source, chosen.fileName, confirmed);
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
