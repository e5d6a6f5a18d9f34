/**
 * Node file-system errors (errno codes) as typed errors that name the path and what is wrong there:
 * BAD_INPUT (exit 2) when the path itself is wrong, a file where a folder belongs or the reverse;
 * STORAGE (exit 6) when the place refuses: permissions, a read-only file system, a full disk.
 */
import { CtiError, type ErrorCode } from '../../../shared/errors.ts';

const REASONS: Readonly<Record<string, { code: ErrorCode; says: string }>> = {
  ENOTDIR: { code: 'BAD_INPUT', says: 'a part of the path is a file, not a folder' },
  EISDIR: { code: 'BAD_INPUT', says: 'it is a folder, not a file' },
  EEXIST: { code: 'BAD_INPUT', says: 'something else is already there' },
  ENOENT: { code: 'BAD_INPUT', says: 'no such file or folder' },
  ENAMETOOLONG: { code: 'BAD_INPUT', says: 'the path is too long' },
  ELOOP: { code: 'BAD_INPUT', says: 'too many symbolic links' },
  EACCES: { code: 'STORAGE', says: 'permission denied' },
  EPERM: { code: 'STORAGE', says: 'operation not permitted' },
  EROFS: { code: 'STORAGE', says: 'the file system is read-only' },
  ENOSPC: { code: 'STORAGE', says: 'the disk is full' },
  EDQUOT: { code: 'STORAGE', says: 'the disk quota is used up' },
  EIO: { code: 'STORAGE', says: 'input/output error' },
  EMFILE: { code: 'STORAGE', says: 'too many open files' },
};

/** `subject` says what failed and names the path, e.g. `Cannot write /home/u/settings.json`. */
export function fileSystemError(err: unknown, subject: string): CtiError {
  if (err instanceof CtiError) return err;
  const errno = (err as NodeJS.ErrnoException | undefined)?.code;
  const reason = errno === undefined ? undefined : REASONS[errno];
  const detail = reason ? `${reason.says} (${errno})` : (errno ?? (err instanceof Error ? err.message : String(err)));
  // An errno not listed is still about the disk, never a bug of ours: exit 6, not 1.
  return new CtiError(reason?.code ?? 'STORAGE', `${subject}: ${detail}`, { cause: err });
}
