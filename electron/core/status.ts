/**
 * The certificate-operation status of each profile, persisted in `status.json` so that support staff
 * see why an enrollment failed and an interrupted one is found again after a restart.
 */
import { isErrorCode } from '../../shared/errors.ts';
import type { OperationStatus } from '../../shared/model.ts';
import { withDocumentLock } from './document-lock.ts';
import { readJsonFile, writeJsonFile } from './json-file.ts';

const STATES = new Set(['none', 'pending', 'in-progress', 'succeeded', 'failed']);

interface StatusDocument {
  version: 1;
  profiles: Record<string, OperationStatus>;
}

/** Keeps only well-formed entries: a damaged status file must not stop the app. */
function checkStatusDocument(value: unknown): StatusDocument {
  const doc: StatusDocument = { version: 1, profiles: {} };
  if (typeof value !== 'object' || value === null) return doc;
  const profiles = (value as { profiles?: unknown }).profiles;
  if (typeof profiles !== 'object' || profiles === null) return doc;
  for (const [id, status] of Object.entries(profiles)) {
    if (!/^[a-z0-9-]{1,64}$/.test(id) || typeof status !== 'object' || status === null) continue;
    const state = (status as { state?: unknown }).state;
    if (typeof state !== 'string' || !STATES.has(state)) continue;
    if (state === 'failed' && !isErrorCode((status as { code?: unknown }).code)) continue;
    doc.profiles[id] = status as OperationStatus;
  }
  return doc;
}

/** Pending or running: when the process is gone, an operation cut short. */
export function isInterrupted(status: OperationStatus): boolean {
  return status.state === 'pending' || status.state === 'in-progress';
}

export class StatusStore {
  // Writes are serialised (in this process by the queue, between processes by the lock file) so two
  // profiles finishing together never lose each other's update. Changes that arrive while a write is
  // under way go into the next write together: an enrollment reports several steps within milliseconds,
  // and it waits for one of them (the certificate stored) before it answers the CAPF server.
  private queue: Promise<unknown> = Promise.resolve();
  private nextWrite: { changes: ((doc: StatusDocument) => void)[]; written: Promise<void> } | undefined;

  constructor(
    private readonly path: string,
    private readonly lockPath = `${path}.lock`,
  ) {}

  async all(): Promise<Record<string, OperationStatus>> {
    return (await this.read()).profiles;
  }

  async get(profileId: string): Promise<OperationStatus> {
    return (await this.all())[profileId] ?? { state: 'none' };
  }

  set(profileId: string, status: OperationStatus): Promise<void> {
    return this.update((doc) => {
      doc.profiles[profileId] = status;
    });
  }

  remove(profileId: string): Promise<void> {
    return this.update((doc) => {
      delete doc.profiles[profileId];
    });
  }

  /** Profiles whose operation was pending or running when the process stopped. */
  async interrupted(): Promise<string[]> {
    return Object.entries(await this.all())
      .filter(([, s]) => isInterrupted(s))
      .map(([id]) => id);
  }

  private read(): Promise<StatusDocument> {
    return readJsonFile(this.path, checkStatusDocument, { version: 1, profiles: {} });
  }

  /** Resolves once a write holding this change (and any made since the last write began) is on disk. */
  private update(change: (doc: StatusDocument) => void): Promise<void> {
    if (this.nextWrite) {
      this.nextWrite.changes.push(change);
      return this.nextWrite.written;
    }
    const write = { changes: [change], written: Promise.resolve() };
    this.nextWrite = write;
    write.written = this.queue.then(() => {
      // From here on, new changes wait for the write after this one.
      this.nextWrite = undefined;
      return withDocumentLock(this.lockPath, this.path, async () => {
        const doc = await this.read();
        for (const apply of write.changes) apply(doc);
        await writeJsonFile(this.path, doc);
      });
    });
    this.queue = write.written.catch(() => undefined);
    return write.written;
  }
}
