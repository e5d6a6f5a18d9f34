/**
 * Trust lists that were refused as updates (another signer, a bad signature, a rollback), kept aside so an
 * administrator can compare them with the trusted one and adopt a regenerated signer on purpose.
 *
 * Files in `dir` (in the private home, one folder per certificate folder, never in the certificate folder
 * itself, so the refused bytes can never be mistaken for trusted ones):
 *   refused.json       the index, newest first, at most REFUSED_KEEP entries; each entry with an HMAC
 *                      (key from the OS vault) over its fields, so an entry changed on disk is reported.
 *   <sha256>.tlv       the refused bytes. Named by their hash: the server chooses no part of a name.
 * The bytes are written before the index names them; files the index no longer names are removed after.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CtiError } from '../../../shared/errors.ts';
import { writeFileAtomic } from '../fs/atomic-file.ts';
import { CTL_MAX_FILE_BYTES } from './tags.ts';

/** The last refused lists kept per certificate folder. */
export const REFUSED_KEEP = 3;
export const REFUSED_INDEX_FILE_NAME = 'refused.json';
const REFUSED_INDEX_FORMAT = 1;
const HMAC_CONTEXT = 'ctiprefs ctl-refused v1';
const SHA256_HEX = /^[0-9a-f]{64}$/;
/** Long enough for any refusal reason the trust store writes; longer text is cut, never refused. */
const MAX_TEXT = 1000;

export interface RefusedCtlEntry {
  /** SHA-256 of the refused bytes, lowercase hex: also the file's name. */
  sha256: string;
  refusedAt: string;
  /** The TFTP server it came from, `host:port`. */
  source: string;
  /** The name the cluster served it under. */
  fileName: string;
  /** Why the trust store refused it. */
  reason: string;
}

/** A kept entry with its bytes, or the reason its bytes cannot be used (changed on disk, missing). */
export type RefusedCtl = RefusedCtlEntry & ({ bytes: Buffer } | { problem: string });

interface StoredEntry extends RefusedCtlEntry {
  hmac: string;
}

interface RefusedIndex {
  format: number;
  /** The certificate folder these refusals belong to: an index copied in from another folder is refused. */
  folder: string;
  entries: StoredEntry[];
}

export function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function isEntry(value: unknown): value is StoredEntry {
  const e = value as Partial<Record<keyof StoredEntry, unknown>>;
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof e.sha256 === 'string' &&
    SHA256_HEX.test(e.sha256) &&
    (['refusedAt', 'source', 'fileName', 'reason', 'hmac'] as const).every((key) => typeof e[key] === 'string' && (e[key] as string).length <= MAX_TEXT)
  );
}

export class RefusedCtlStore {
  readonly #dir: string;
  readonly #folder: string;
  readonly #key: Buffer;
  #queue: Promise<unknown> = Promise.resolve();

  /** `dir`: where the refusals are kept; `folder`: the certificate folder they belong to. */
  constructor(options: { dir: string; folder: string; integrityKey: Buffer }) {
    this.#dir = resolve(options.dir);
    this.#folder = resolve(options.folder);
    this.#key = Buffer.from(options.integrityKey);
  }

  get #indexPath(): string {
    return join(this.#dir, REFUSED_INDEX_FILE_NAME);
  }

  #bytesPath(sha256: string): string {
    return join(this.#dir, `${sha256}.tlv`);
  }

  #exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #hmac(entry: RefusedCtlEntry): Buffer {
    const fields = [REFUSED_INDEX_FORMAT, this.#folder, entry.sha256, entry.refusedAt, entry.source, entry.fileName, entry.reason];
    return createHmac('sha256', this.#key).update(HMAC_CONTEXT).update(JSON.stringify(fields)).digest();
  }

  #authentic(entry: StoredEntry): boolean {
    const given = Buffer.from(entry.hmac, 'hex');
    const expected = this.#hmac(entry);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /** The index's entries, newest first; a damaged or foreign index counts as empty (it only ever held refusals). */
  async #readIndex(): Promise<StoredEntry[]> {
    let text: string;
    try {
      text = await readFile(this.#indexPath, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new CtiError('KEYSTORE', `Refused CTLs: cannot read ${this.#indexPath}: ${(err as Error).message}`, { cause: err });
    }
    let value: Partial<RefusedIndex>;
    try {
      value = JSON.parse(text) as Partial<RefusedIndex>;
    } catch {
      return [];
    }
    if (value?.format !== REFUSED_INDEX_FORMAT || value.folder !== this.#folder || !Array.isArray(value.entries)) return [];
    return value.entries.filter(isEntry).slice(0, REFUSED_KEEP);
  }

  /**
   * Keeps refused bytes as the newest entry; the same bytes refused again move to the front instead of
   * being kept twice. Older entries beyond REFUSED_KEEP and their files are removed.
   */
  keep(bytes: Buffer, details: Omit<RefusedCtlEntry, 'sha256'>): Promise<RefusedCtlEntry> {
    return this.#exclusive(async () => {
      const entry: RefusedCtlEntry = {
        sha256: sha256Hex(bytes),
        refusedAt: details.refusedAt,
        source: details.source.slice(0, MAX_TEXT),
        fileName: details.fileName.slice(0, MAX_TEXT),
        reason: details.reason.slice(0, MAX_TEXT),
      };
      const older = (await this.#readIndex()).filter((e) => e.sha256 !== entry.sha256 && this.#authentic(e));
      const entries = [{ ...entry, hmac: this.#hmac(entry).toString('hex') }, ...older].slice(0, REFUSED_KEEP);
      await writeFileAtomic(this.#bytesPath(entry.sha256), bytes);
      await this.#writeIndex(entries);
      return entry;
    });
  }

  /** Forgets one entry (after it was adopted) and its file. */
  remove(sha256: string): Promise<void> {
    return this.#exclusive(async () => {
      await this.#writeIndex((await this.#readIndex()).filter((e) => e.sha256 !== sha256 && this.#authentic(e)));
    });
  }

  async #writeIndex(entries: StoredEntry[]): Promise<void> {
    const index: RefusedIndex = { format: REFUSED_INDEX_FORMAT, folder: this.#folder, entries };
    await writeFileAtomic(this.#indexPath, `${JSON.stringify(index, null, 2)}\n`);
    await this.#removeUnlisted(new Set(entries.map((e) => `${e.sha256}.tlv`)));
  }

  async #removeUnlisted(listed: ReadonlySet<string>): Promise<void> {
    for (const name of await readdir(this.#dir).catch(() => [] as string[])) {
      if (name.endsWith('.tlv') && !listed.has(name)) await rm(join(this.#dir, name), { force: true });
    }
  }

  /** The kept refusals, newest first, each with its bytes once they are proven to be the ones that were kept. */
  list(): Promise<RefusedCtl[]> {
    return this.#exclusive(async () => Promise.all((await this.#readIndex()).map((entry) => this.#withBytes(entry))));
  }

  async #withBytes(stored: StoredEntry): Promise<RefusedCtl> {
    const { hmac: _hmac, ...entry } = stored;
    if (!this.#authentic(stored)) return { ...entry, problem: `its entry in ${REFUSED_INDEX_FILE_NAME} fails its integrity check (changed on disk)` };
    let bytes: Buffer;
    try {
      bytes = await readFile(this.#bytesPath(entry.sha256));
    } catch {
      return { ...entry, problem: `its file ${entry.sha256}.tlv is missing` };
    }
    if (bytes.length > CTL_MAX_FILE_BYTES || sha256Hex(bytes) !== entry.sha256) {
      return { ...entry, problem: `its file ${entry.sha256}.tlv is not the one that was kept (its SHA-256 differs)` };
    }
    return { ...entry, bytes };
  }
}
