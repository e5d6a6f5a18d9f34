/**
 * The trusted CTL on disk: trust on first use, later files only when signed by a certificate that the
 * trusted CTL lists in the SAST role (compared by SHA-256 fingerprint, never by name) and not older than
 * the trusted one, and an HMAC (key from the OS vault) so a CTL changed on disk is reported, never used.
 *
 * Files in `dir`:
 *   ctl-trust.json     the integrity record: SHA-256 of the CTL bytes, the folder it belongs to, timestamps,
 *                      source, the name the cluster served it under, signer fingerprint, and an HMAC-SHA256
 *                      over all of them. Writing it is the commit point. The folder is in the MAC, so
 *                      trusted files copied in from another folder are detected. Records of the earlier
 *                      formats (no folder; format 1 also no served name: it was always CTLFile.tlv) are
 *                      read once and rewritten in the current format.
 *   CTLFile.tlv        the trusted CTL bytes.
 *   CTLFile.tlv.next   the incoming CTL while a change is being committed.
 * And, outside `dir` (in the user's private home), a marker that this folder holds a trusted list: a list
 * deleted from the folder is then reported as missing instead of silently trusted on first use again.
 *
 * Crash consistency: a change writes CTLFile.tlv.next, then ctl-trust.json, then CTLFile.tlv, then removes
 * the .next file, each write atomic and durable. A crash before the record is written leaves the old state
 * intact (the record still names the old CTLFile.tlv); a crash after it leaves the new bytes in .next,
 * which `current()` finds by their hash and moves into place. Only bytes whose hash the authenticated record
 * names are ever used, so no crash point looks like tampering and no tampering looks like a crash.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { join, resolve } from 'node:path';
import { CtiError } from '../../../shared/errors.ts';
import { writeFileAtomic } from '../fs/atomic-file.ts';
import { fileSystemError } from '../fs/fs-errors.ts';
import { silentLogger, type Logger } from '../log.ts';
import { fingerprintSha256, tryCertificateFieldsOf } from './certificate-fields.ts';
import { decodeCtl, type CtlFile } from './codec.ts';
import type { CtlTrustMeta } from './describe.ts';
import { CTLFILE_NAME } from './file-names.ts';
import type { RefusedCtlStore } from './refused-store.ts';
import { CTL_SIGNING_ROLES } from './tags.ts';
import { verifyCtlSignature } from './verify.ts';

export const CTL_FILE_NAME = 'CTLFile.tlv';
export const CTL_PENDING_FILE_NAME = 'CTLFile.tlv.next';
export const CTL_TRUST_FILE_NAME = 'ctl-trust.json';

/** Format 3 binds the record to its folder; format 2 added the served file name; format 1 had neither. */
const TRUST_RECORD_FORMAT = 3;
const TRUST_RECORD_FORMAT_WITHOUT_FOLDER = 2;
const TRUST_RECORD_FORMAT_WITHOUT_FILE_NAME = 1;
const HMAC_CONTEXT = 'ctiprefs ctl-trust v1';
const MIN_INTEGRITY_KEY_BYTES = 16;
/** Longer than the rest of a commit takes (its remaining atomic writes, a few ms each). */
const SECOND_LOOK_MS = 100;

export interface TrustedCtl extends CtlTrustMeta {
  ctl: CtlFile;
}

export type CtlAcceptOutcome = 'first-use' | 'unchanged' | 'updated';

/** How a first use is decided: as is, or only when the signer has the fingerprint an administrator gave. */
export interface FirstUseRule {
  /** Uppercase, colon-separated (shared/fields.ts parseSha256Fingerprint). */
  expectedSignerFingerprintSha256?: string;
}

export interface CtlTrustStoreOptions {
  dir: string;
  /** Secret from the OS vault, supplied by the caller; never written to disk by this class. */
  integrityKey: Buffer;
  logger?: Logger;
  /**
   * A file outside `dir` that records that this folder holds a trusted list (the core keeps it in the home
   * folder). Without it, a list deleted from `dir` cannot be told from a folder that never had one.
   */
  markerFile?: string;
  /** Where refused updates are kept aside for an administrator to compare and, on purpose, adopt. */
  refused?: RefusedCtlStore;
  /** For tests: the clock behind firstTrustedAt/updatedAt. */
  now?: () => Date;
}

interface TrustRecord extends CtlTrustMeta {
  format: number;
  ctlSha256: string;
  /** The absolute folder the record belongs to (format 3). */
  folder?: string;
  hmac: string;
}

type StoredTrustRecord = Omit<TrustRecord, 'fileName'> & { fileName?: string };

function tampered(message: string): CtiError {
  return new CtiError('CTL_TAMPERED', `Stored CTL: ${message}`);
}

function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function readOptional(path: string): Promise<Buffer | null> {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new CtiError('KEYSTORE', `Stored CTL: cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
}

function parseTrustRecord(text: string): StoredTrustRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw tampered(`${CTL_TRUST_FILE_NAME} is not valid JSON`);
  }
  const r = value as Partial<Record<keyof TrustRecord, unknown>>;
  const strings = ['ctlSha256', 'firstTrustedAt', 'updatedAt', 'source', 'signerFingerprintSha256', 'hmac'] as const;
  const formatFieldsOk =
    r.format === TRUST_RECORD_FORMAT
      ? typeof r.fileName === 'string' && typeof r.folder === 'string'
      : r.format === TRUST_RECORD_FORMAT_WITHOUT_FOLDER
        ? typeof r.fileName === 'string' && r.folder === undefined
        : r.format === TRUST_RECORD_FORMAT_WITHOUT_FILE_NAME && r.fileName === undefined && r.folder === undefined;
  if (
    typeof value !== 'object' ||
    value === null ||
    !formatFieldsOk ||
    typeof r.trustedOnFirstUse !== 'boolean' ||
    strings.some((key) => typeof r[key] !== 'string')
  ) {
    throw tampered(`${CTL_TRUST_FILE_NAME} does not have the expected fields (format ${TRUST_RECORD_FORMAT_WITHOUT_FILE_NAME} to ${TRUST_RECORD_FORMAT})`);
  }
  return value as StoredTrustRecord;
}

/** Certificates of the given roles, DER, each once: CAPF (4) for CAPF TLS, CCM and CCM+TFTP (1, 2) for CTIManager. */
export function trustAnchorsByRole(ctl: CtlFile, roles: readonly number[]): Buffer[] {
  const anchors: Buffer[] = [];
  for (const record of ctl.records) {
    if (!roles.includes(record.role) || !record.certificate) continue;
    const certificate = record.certificate;
    if (!anchors.some((known) => known.equals(certificate))) anchors.push(certificate);
  }
  return anchors;
}

/** SHA-256 fingerprints of the certificates the CTL lists in a role that may sign its successor (SAST). */
export function signingFingerprints(ctl: CtlFile): Set<string> {
  const fingerprints = new Set<string>();
  for (const record of ctl.records) {
    if (CTL_SIGNING_ROLES.has(record.role) && record.certificate) fingerprints.add(fingerprintSha256(record.certificate));
  }
  return fingerprints;
}

/**
 * A pinned signer (FirstUseRule) holds after the first use too: the list a folder trusts must be signed by
 * it or list it as a SAST. Trust is kept per folder, so a list that another, unpinned profile (or a plain
 * `ctl fetch`) trusted into the same folder does not do for a managed profile.
 */
export function requirePinnedSigner(trusted: TrustedCtl, rule: FirstUseRule, folder: string): void {
  const pin = rule.expectedSignerFingerprintSha256;
  if (pin === undefined || trusted.signerFingerprintSha256 === pin || signingFingerprints(trusted.ctl).has(pin)) return;
  throw new CtiError(
    'CTL_COMPROMISED',
    `The CTL trusted in ${folder} is signed by SHA-256 ${trusted.signerFingerprintSha256} and does not list the expected signer ${pin}; forget it (ctl forget) and fetch it again`,
  );
}

export class CtlTrustStore {
  readonly #dir: string;
  readonly #markerFile: string | undefined;
  readonly #key: Buffer;
  readonly #logger: Logger;
  readonly #now: () => Date;
  readonly #refused: RefusedCtlStore | undefined;
  /** Serialises reads and writes of this store within the process. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: CtlTrustStoreOptions) {
    if (options.integrityKey.length < MIN_INTEGRITY_KEY_BYTES) {
      throw new CtiError('BAD_INPUT', `CTL integrity key must be at least ${MIN_INTEGRITY_KEY_BYTES} bytes`);
    }
    this.#dir = resolve(options.dir);
    this.#markerFile = options.markerFile;
    this.#key = Buffer.from(options.integrityKey);
    this.#logger = options.logger ?? silentLogger;
    this.#now = options.now ?? (() => new Date());
    this.#refused = options.refused;
  }

  get #ctlPath(): string {
    return join(this.#dir, CTL_FILE_NAME);
  }
  get #pendingPath(): string {
    return join(this.#dir, CTL_PENDING_FILE_NAME);
  }
  get #trustPath(): string {
    return join(this.#dir, CTL_TRUST_FILE_NAME);
  }

  #exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #hmac(record: Omit<StoredTrustRecord, 'hmac'>): Buffer {
    // A fixed field order: the MAC must not depend on how JSON happens to order keys.
    const fields = [
      record.format,
      record.ctlSha256,
      ...(record.folder === undefined ? [] : [record.folder]),
      record.firstTrustedAt,
      record.updatedAt,
      record.source,
      record.trustedOnFirstUse,
      record.signerFingerprintSha256,
      // Appended from format 2 on, so format 1 records keep the MAC they were written with.
      ...(record.fileName === undefined ? [] : [record.fileName]),
    ];
    return createHmac('sha256', this.#key).update(HMAC_CONTEXT).update(JSON.stringify(fields)).digest();
  }

  /** The trusted CTL, or null when none is stored; CTL_TAMPERED when the stored copy fails its integrity check. */
  current(): Promise<TrustedCtl | null> {
    return this.#exclusive(() => this.#load());
  }

  async #load(): Promise<TrustedCtl | null> {
    try {
      try {
        return await this.#loadChecked();
      } catch (err) {
        // Another process committing (a `ctl fetch` beside an enrollment) can be caught between two of its
        // files, say after our read of the missing record and before our read of the CTL it then wrote. A
        // finding is believed only when a second look, once that commit has had time to end, sees it too.
        if (!(err instanceof CtiError) || err.code !== 'CTL_TAMPERED') throw err;
        await sleep(SECOND_LOOK_MS);
        return await this.#loadChecked();
      }
    } catch (err) {
      if (err instanceof CtiError && err.code === 'CTL_TAMPERED') this.#logger.log('error', 'ctl.tampered', { dir: this.#dir, reason: err.message });
      throw err;
    }
  }

  async #loadChecked(): Promise<TrustedCtl | null> {
    const recordBytes = await readOptional(this.#trustPath);
    if (!recordBytes) {
      // CTLFile.tlv is only ever written after its record, so a CTL without one was put there by someone else.
      if (await readOptional(this.#ctlPath)) throw tampered(`${CTL_FILE_NAME} has no integrity record (${CTL_TRUST_FILE_NAME} is missing)`);
      if (this.#markerFile && (await readOptional(this.#markerFile))) {
        throw tampered(`the trusted list of ${this.#dir} is missing (its files were removed); "ctiprefs ctl forget" starts over with a first use`);
      }
      return null;
    }
    const record = parseTrustRecord(recordBytes.toString('utf8'));
    const { hmac, ...fields } = record;
    const expected = this.#hmac(fields);
    const given = Buffer.from(hmac, 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw tampered(`${CTL_TRUST_FILE_NAME} fails its integrity check (changed on disk, or a different integrity key)`);
    }
    if (record.folder !== undefined && record.folder !== this.#dir) {
      throw tampered(`${CTL_TRUST_FILE_NAME} belongs to the folder ${record.folder}, not to ${this.#dir} (copied in from elsewhere)`);
    }

    let bytes = await readOptional(this.#ctlPath);
    if (!bytes || sha256Hex(bytes) !== record.ctlSha256) {
      const pending = await readOptional(this.#pendingPath);
      if (!pending || sha256Hex(pending) !== record.ctlSha256) {
        throw tampered(`${CTL_FILE_NAME} ${bytes ? 'does not match its integrity record' : 'is missing'}`);
      }
      // Interrupted commit: the record already names the new bytes; finish moving them into place.
      try {
        await this.#finishCommit(pending);
        this.#logger.log('warn', 'ctl.commit-completed', { dir: this.#dir });
      } catch (err) {
        // The bytes are authenticated either way; the next commit retries the move.
        this.#logger.log('warn', 'ctl.commit-completion-failed', { dir: this.#dir, reason: (err as Error).message });
      }
      bytes = pending;
    }
    const trusted: TrustedCtl = {
      ctl: decodeCtl(bytes),
      firstTrustedAt: record.firstTrustedAt,
      updatedAt: record.updatedAt,
      source: record.source,
      fileName: record.fileName ?? CTLFILE_NAME,
      trustedOnFirstUse: record.trustedOnFirstUse,
      signerFingerprintSha256: record.signerFingerprintSha256,
    };
    if (record.format !== TRUST_RECORD_FORMAT) await this.#upgradeLegacyRecord(trusted);
    else await this.#writeMarker().catch((err: Error) => this.#logger.log('warn', 'ctl.marker-write-failed', { dir: this.#dir, reason: err.message }));
    return trusted;
  }

  /** A record of an earlier format, written before records named their folder: bound to this folder now. */
  async #upgradeLegacyRecord(trusted: TrustedCtl): Promise<void> {
    const { ctl, ...meta } = trusted;
    try {
      await this.#commit(ctl, meta);
      this.#logger.log('info', 'ctl.record-upgraded', { dir: this.#dir, format: TRUST_RECORD_FORMAT });
    } catch (err) {
      this.#logger.log('warn', 'ctl.record-upgrade-failed', { dir: this.#dir, reason: (err as Error).message });
    }
  }

  /** Records (outside the folder) that the folder holds a trusted list; repaired on every load. */
  async #writeMarker(): Promise<void> {
    if (!this.#markerFile || (await readOptional(this.#markerFile))) return;
    await writeFileAtomic(this.#markerFile, `${JSON.stringify({ folder: this.#dir })}\n`);
  }

  async #finishCommit(bytes: Buffer): Promise<void> {
    await writeFileAtomic(this.#ctlPath, bytes);
    await rm(this.#pendingPath, { force: true });
  }

  /**
   * All or nothing, and the outcome says which: a failure before the record is written undoes what was
   * written and throws (the stored CTL is unchanged); once the record is written the new CTL is trusted,
   * and a failure moving its bytes into place is only logged (they are in .next, and `current()` finishes).
   */
  async #commit(ctl: CtlFile, meta: CtlTrustMeta): Promise<TrustedCtl> {
    const fields: Omit<TrustRecord, 'hmac'> = { format: TRUST_RECORD_FORMAT, ctlSha256: sha256Hex(ctl.bytes), folder: this.#dir, ...meta };
    const record: TrustRecord = { ...fields, hmac: this.#hmac(fields).toString('hex') };
    const recordText = `${JSON.stringify(record, null, 2)}\n`;
    let pendingWritten = false;
    try {
      await this.#settleInterruptedCommit();
      await writeFileAtomic(this.#pendingPath, ctl.bytes);
      pendingWritten = true;
      await writeFileAtomic(this.#trustPath, recordText);
    } catch (err) {
      // A write can fail after its rename (the folder fsync): then the record is in place and the commit stands.
      if (!(await this.#recordIs(recordText))) {
        if (pendingWritten) await rm(this.#pendingPath, { force: true }).catch(() => undefined);
        // KEYSTORE like every fault of the certificate folder (its hint: check the certificate path).
        const failure = fileSystemError(err, `Stored CTL: cannot write to ${this.#dir}`);
        throw new CtiError('KEYSTORE', `${failure.message}; the stored CTL is unchanged`, { cause: err });
      }
    }
    // Once the record stands, the bytes' move and the marker (another folder) depend only on it: side by side.
    for (const outcome of await Promise.allSettled([this.#finishCommit(ctl.bytes), this.#writeMarker()])) {
      if (outcome.status === 'rejected') {
        this.#logger.log('warn', 'ctl.commit-completion-failed', { dir: this.#dir, reason: (outcome.reason as Error).message });
      }
    }
    return { ctl, ...meta };
  }

  async #recordIs(text: string): Promise<boolean> {
    const bytes = await readOptional(this.#trustPath).catch(() => null);
    return bytes !== null && bytes.toString('utf8') === text;
  }

  /**
   * A commit whose move was cut short leaves the trusted bytes only in .next: they are moved into place
   * before .next is reused, so no later failure can leave a record whose bytes are nowhere.
   */
  async #settleInterruptedCommit(): Promise<void> {
    const pending = await readOptional(this.#pendingPath);
    if (!pending) return;
    const recordBytes = await readOptional(this.#trustPath);
    let named: string | undefined;
    try {
      named = recordBytes ? parseTrustRecord(recordBytes.toString('utf8')).ctlSha256 : undefined;
    } catch {
      named = undefined;
    }
    // A .next the record does not name is a leftover of a commit that never reached its record.
    if (named !== sha256Hex(pending)) return;
    const placed = await readOptional(this.#ctlPath);
    if (placed && sha256Hex(placed) === named) return;
    await this.#finishCommit(pending);
  }

  /**
   * Decides on downloaded CTL bytes. First use: trusted as is once its own signature verifies. Same bytes:
   * unchanged. A new file: accepted only if its signature verifies, its signing certificate is listed in the
   * SAST role by the trusted CTL, and its timestamp is newer than the trusted one's; otherwise
   * CTL_COMPROMISED and the trusted CTL stays untouched.
   * `fileName` is the name the cluster served the file under; either name obeys the same rules.
   */
  accept(
    bytes: Buffer,
    source: string,
    fileName: string = CTLFILE_NAME,
    firstUse: FirstUseRule = {},
  ): Promise<{ outcome: CtlAcceptOutcome; trusted: TrustedCtl }> {
    return this.#exclusive(() => this.#accept(bytes, source, fileName, firstUse));
  }

  async #accept(bytes: Buffer, source: string, fileName: string, firstUse: FirstUseRule): Promise<{ outcome: CtlAcceptOutcome; trusted: TrustedCtl }> {
    const incoming = decodeCtl(bytes);
    const current = await this.#load();
    const now = this.#now().toISOString();

    if (!current) {
      const signer = verifyCtlSignature(incoming);
      const signerFingerprintSha256 = fingerprintSha256(signer.certificate.raw);
      const expected = firstUse.expectedSignerFingerprintSha256;
      if (expected !== undefined && expected !== signerFingerprintSha256) {
        this.#logger.log('error', 'ctl.first-use-refused', { source, expected, signerFingerprintSha256 });
        throw new CtiError(
          'CTL_COMPROMISED',
          `CTL from ${source} not trusted: its signer "${incoming.header.signer.name}" has SHA-256 ${signerFingerprintSha256}, but ${expected} was expected. Nothing was stored.`,
        );
      }
      const trusted = await this.#commit(incoming, {
        firstTrustedAt: now,
        updatedAt: now,
        source,
        fileName,
        // A signer the administrator named beforehand is verified, not merely trusted on first use.
        trustedOnFirstUse: expected === undefined,
        signerFingerprintSha256,
      });
      this.#logger.log('warn', 'ctl.trusted-on-first-use', { source, fileName, signerSubject: incoming.header.signer.name, signerFingerprintSha256 });
      return { outcome: 'first-use', trusted };
    }

    if (incoming.bytes.equals(current.ctl.bytes)) return { outcome: 'unchanged', trusted: current };

    let signerFingerprintSha256: string;
    try {
      signerFingerprintSha256 = this.#trustedSignerOf(incoming, current, source);
      this.#refuseRollback(incoming, current, source);
    } catch (err) {
      await this.#keepRefused(incoming, source, fileName, now, err as Error);
      throw err;
    }
    const trusted = await this.#commit(incoming, {
      firstTrustedAt: current.firstTrustedAt,
      updatedAt: now,
      source,
      fileName,
      trustedOnFirstUse: false,
      signerFingerprintSha256,
    });
    this.#logger.log('info', 'ctl.updated', { source, fileName, signerSubject: incoming.header.signer.name, signerFingerprintSha256 });
    return { outcome: 'updated', trusted };
  }

  /** Keeping a refused file aside is a courtesy to the administrator: its failure never hides the refusal. */
  async #keepRefused(incoming: CtlFile, source: string, fileName: string, refusedAt: string, refusal: Error): Promise<void> {
    if (!this.#refused) return;
    try {
      const kept = await this.#refused.keep(incoming.bytes, { refusedAt, source, fileName, reason: refusal.message });
      this.#logger.log('info', 'ctl.refused-kept', { dir: this.#dir, sha256: kept.sha256 });
    } catch (err) {
      this.#logger.log('warn', 'ctl.refused-keep-failed', { dir: this.#dir, reason: (err as Error).message });
    }
  }

  /**
   * Trusts a list an administrator chose after its update was refused, like a first use whose signer was
   * named beforehand: its own signature must verify with its own signer, that signer must have the
   * fingerprint the administrator confirmed, and it must be newer than the trusted list (never a rollback).
   * Returns the trusted list it replaces (null when none was stored) and the one now trusted.
   */
  adopt(
    bytes: Buffer,
    source: string,
    fileName: string,
    confirmedSignerFingerprintSha256: string,
  ): Promise<{ previous: TrustedCtl | null; trusted: TrustedCtl }> {
    return this.#exclusive(async () => {
      const incoming = decodeCtl(bytes);
      const previous = await this.#load();
      const signerFingerprintSha256 = fingerprintSha256(verifyCtlSignature(incoming).certificate.raw);
      if (signerFingerprintSha256 !== confirmedSignerFingerprintSha256) {
        throw new CtiError(
          'CTL_COMPROMISED',
          `Not adopted: the refused CTL's signer "${incoming.header.signer.name}" has SHA-256 ${signerFingerprintSha256}, but ${confirmedSignerFingerprintSha256} was confirmed. The trusted CTL was kept.`,
        );
      }
      if (previous && incoming.header.timestamp <= previous.ctl.header.timestamp) {
        const when = (seconds: number) => new Date(seconds * 1000).toISOString();
        throw new CtiError(
          'CTL_COMPROMISED',
          `Not adopted: the refused CTL's timestamp ${when(incoming.header.timestamp)} is not newer than the trusted CTL's ${when(previous.ctl.header.timestamp)} (a rollback). The trusted CTL was kept.`,
        );
      }
      const now = this.#now().toISOString();
      const trusted = await this.#commit(incoming, {
        firstTrustedAt: now,
        updatedAt: now,
        source,
        fileName,
        trustedOnFirstUse: false,
        signerFingerprintSha256,
      });
      return { previous, trusted };
    });
  }

  #reject(source: string, reason: string, fields: Record<string, unknown>): never {
    this.#logger.log('error', 'ctl.update-rejected', { source, reason, ...fields });
    throw new CtiError('CTL_COMPROMISED', `CTL from ${source} rejected: ${reason}. The trusted CTL was kept.`);
  }

  /**
   * A signed but older list is a replay (an attacker re-serving a list from before a signer was removed);
   * the same timestamp with other content cannot come from one signing run either.
   */
  #refuseRollback(incoming: CtlFile, current: TrustedCtl, source: string): void {
    const [newer, older] = [incoming.header.timestamp, current.ctl.header.timestamp];
    if (newer > older) return;
    const when = (seconds: number) => new Date(seconds * 1000).toISOString();
    this.#reject(
      source,
      newer < older
        ? `its timestamp ${when(newer)} is older than the trusted CTL's ${when(older)} (a rollback)`
        : `it has the trusted CTL's timestamp ${when(older)} but other content`,
      { incoming: newer, trusted: older },
    );
  }

  /** The fingerprint of the incoming file's signer if the trusted CTL vouches for it; else CTL_COMPROMISED. */
  #trustedSignerOf(incoming: CtlFile, current: TrustedCtl, source: string): string {
    const reject = (reason: string, fields: Record<string, unknown>): never => this.#reject(source, reason, fields);
    let certificateDer: Buffer;
    try {
      certificateDer = verifyCtlSignature(incoming).certificate.raw;
    } catch (err) {
      return reject((err as Error).message, { signerSubject: incoming.header.signer.name });
    }
    const fingerprint = fingerprintSha256(certificateDer);
    if (!signingFingerprints(current.ctl).has(fingerprint)) {
      const subject = tryCertificateFieldsOf(certificateDer)?.subject ?? incoming.header.signer.name;
      return reject(`its signer "${subject}" (SHA-256 ${fingerprint}) is not listed in the SAST role of the trusted CTL`, {
        signerSubject: subject,
        signerFingerprintSha256: fingerprint,
      });
    }
    return fingerprint;
  }

  /** Removes the stored CTL and its record (the way out after CTL_TAMPERED: the next download is a first use). */
  forget(): Promise<void> {
    return this.#exclusive(async () => {
      await rm(this.#trustPath, { force: true });
      await rm(this.#ctlPath, { force: true });
      await rm(this.#pendingPath, { force: true });
      if (this.#markerFile) await rm(this.#markerFile, { force: true });
      this.#logger.log('warn', 'ctl.forgotten', { dir: this.#dir });
    });
  }
}
