/** The lock around a read-modify-write of one shared JSON document (settings, status) of the home folder. */
import { CtiError } from '../../shared/errors.ts';
import { withLock } from './fs/lock-file.ts';

// Writers hold it for one small atomic write; waiting longer means its holder hangs.
const DOCUMENT_LOCK_WAIT_MS = 15_000;

export function withDocumentLock<T>(lockPath: string, documentPath: string, task: () => Promise<T>): Promise<T> {
  return withLock(lockPath, task, {
    waitMs: DOCUMENT_LOCK_WAIT_MS,
    busy: (owner) =>
      new CtiError(
        'STORAGE',
        `${documentPath} stayed locked for ${DOCUMENT_LOCK_WAIT_MS / 1000} s by ${owner ? `process ${owner.pid} (since ${owner.since})` : 'another process'}; if no ctiprefs is running, delete ${lockPath}`,
      ),
  });
}
