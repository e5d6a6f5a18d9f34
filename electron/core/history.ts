/**
 * The last operations of each profile (`history.json` in the home folder), so that support staff see
 * more than the latest status: when each certificate operation started and ended, how it ended, with
 * which code, after how many attempts, against which CAPF server. Never a secret.
 */
import { isErrorCode, toCtiError } from '../../shared/errors.ts';
import { checkOperationId } from '../../shared/fields.ts';
import type { OperationOutcome, OperationRecord } from '../../shared/model.ts';
import type { CoreContext } from './context.ts';
import { readJsonFile, writeJsonFile } from './json-file.ts';

/** Per profile, the newest first. */
export const HISTORY_LIMIT = 20;
const OUTCOMES = ['installed', 'fetched', 'deleted', 'failed', 'adopted'] as const satisfies readonly OperationOutcome[];
export type { OperationOutcome, OperationRecord };

const isFingerprint = (value: unknown) => typeof value === 'string' && /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/.test(value);

interface HistoryDocument {
  version: 1;
  profiles: Record<string, OperationRecord[]>;
}

const isIsoTime = (value: unknown) => typeof value === 'string' && value.length <= 40 && !Number.isNaN(Date.parse(value));

function isSigners(value: unknown): boolean {
  const s = value as { previous?: unknown; adopted?: unknown } | null;
  return typeof s === 'object' && s !== null && (s.previous === null || isFingerprint(s.previous)) && isFingerprint(s.adopted);
}

function isRecord(value: unknown): value is OperationRecord {
  const r = value as Partial<Record<keyof OperationRecord, unknown>>;
  return (
    typeof value === 'object' &&
    value !== null &&
    (r.operationId === undefined || checkOperationId(r.operationId) === null) &&
    isIsoTime(r.startedAt) &&
    isIsoTime(r.endedAt) &&
    (OUTCOMES as readonly unknown[]).includes(r.outcome) &&
    (r.code === undefined || isErrorCode(r.code)) &&
    Number.isInteger(r.attempts) &&
    (r.attempts as number) >= 1 &&
    (r.attempts as number) <= 100 &&
    typeof r.capfServer === 'string' &&
    r.capfServer.length <= 300 &&
    (r.signers === undefined || isSigners(r.signers))
  );
}

/** Keeps only well-formed entries: a damaged history must not stop an enrollment. */
function checkHistoryDocument(value: unknown): HistoryDocument {
  const doc: HistoryDocument = { version: 1, profiles: {} };
  const profiles = (value as { profiles?: unknown } | null)?.profiles;
  if (typeof profiles !== 'object' || profiles === null) return doc;
  for (const [id, records] of Object.entries(profiles)) {
    if (!/^[a-z0-9-]{1,64}$/.test(id) || !Array.isArray(records)) continue;
    doc.profiles[id] = records.filter(isRecord).slice(0, HISTORY_LIMIT);
  }
  return doc;
}

export class HistoryStore {
  // Serialised like the status file, so two profiles finishing together keep both records.
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly path: string) {}

  async all(): Promise<Record<string, OperationRecord[]>> {
    return (await this.read()).profiles;
  }

  async of(profileId: string): Promise<OperationRecord[]> {
    return (await this.all())[profileId] ?? [];
  }

  add(profileId: string, record: OperationRecord): Promise<void> {
    const next = this.queue.then(async () => {
      const doc = await this.read();
      doc.profiles[profileId] = [record, ...(doc.profiles[profileId] ?? [])].slice(0, HISTORY_LIMIT);
      await writeJsonFile(this.path, doc);
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  private read(): Promise<HistoryDocument> {
    return readJsonFile(this.path, checkHistoryDocument, { version: 1, profiles: {} });
  }
}

/** The enrollment's hook: records the operation, and never lets a history write fail the operation itself. */
export async function recordOperation(core: Pick<CoreContext, 'history' | 'logger'>, profileId: string, record: OperationRecord): Promise<void> {
  try {
    await core.history.add(profileId, record);
  } catch (err) {
    core.logger.log('warn', 'history.write-failed', { profile: profileId, message: toCtiError(err).message });
  }
}
