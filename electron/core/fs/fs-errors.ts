/**
 * Node file-system errors (errno codes) as typed errors that say what failed, with the reasons of
 * shared/errors.ts (FILE_ERRNO): BAD_INPUT (exit 2) when the path itself is wrong, STORAGE (exit 6) when the
 * place refuses. Unlike toCtiError, the caller names the operation ("Cannot write --out FILE").
 */
import { CtiError, FILE_ERRNO } from '../../../shared/errors.ts';

/** `subject` says what failed and names the path, e.g. `Cannot write /home/u/settings.json`. */
export function fileSystemError(err: unknown, subject: string): CtiError {
  // Already typed by a lower layer (writeFileAtomic names the file it was asked to write).
  if (err instanceof CtiError) return err;
  const errno = (err as NodeJS.ErrnoException | undefined)?.code;
  const reason = errno === undefined ? undefined : FILE_ERRNO[errno];
  const detail = reason ? `${reason.says} (${errno})` : (errno ?? (err instanceof Error ? err.message : String(err)));
  // An errno not listed is still about the disk, never a bug of ours: exit 6, not 1.
  return new CtiError(reason?.code ?? 'STORAGE', `${subject}: ${detail}`, { cause: err });
}
