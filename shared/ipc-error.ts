/**
 * Errors that survive the trip across IPC (or the preview's HTTP bridge): the main side turns anything thrown
 * into an `{ error: { code, message, hint } }` envelope, the renderer side turns the envelope back into an
 * `IpcError` the UI can switch on by `code`.
 */
import { ERRORS, isErrorCode, toCtiError, type ErrorCode } from './errors.ts';
import type { IpcEnvelope, IpcErrorPayload } from './ipc.ts';

export class IpcError extends Error {
  override readonly name = 'IpcError';
  readonly code: ErrorCode;
  /** What to do about it, for the user (from the error table). */
  readonly hint: string;

  constructor(payload: IpcErrorPayload) {
    super(payload.message);
    this.code = payload.code;
    this.hint = payload.hint;
  }
}

/** True for an IpcError and for any error carrying a known code (Electron's context bridge rebuilds errors). */
export function isIpcError(value: unknown): value is Error & IpcErrorPayload {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return isErrorCode(v.code) && typeof v.message === 'string' && typeof v.hint === 'string';
}

/** The error half of an envelope for anything a handler threw. */
export function toErrorPayload(err: unknown): IpcErrorPayload {
  if (err instanceof IpcError) return { code: err.code, message: err.message, hint: err.hint };
  const cti = toCtiError(err);
  return { code: cti.code, message: cti.message, hint: ERRORS[cti.code].hint };
}

const MALFORMED: IpcErrorPayload = {
  code: 'INTERNAL',
  message: 'The app sent a malformed IPC response',
  hint: ERRORS.INTERNAL.hint,
};

/** Reads an error payload defensively: an unknown code or a missing hint never reaches the UI as such. */
function readErrorPayload(value: unknown): IpcErrorPayload {
  if (typeof value !== 'object' || value === null) return MALFORMED;
  const e = value as Record<string, unknown>;
  if (!isErrorCode(e.code) || typeof e.message !== 'string') return MALFORMED;
  return { code: e.code, message: e.message, hint: typeof e.hint === 'string' ? e.hint : ERRORS[e.code].hint };
}

/** Returns the result of an envelope or throws its error as an IpcError. */
export function decodeEnvelope<T>(envelope: IpcEnvelope<T>): T {
  const env: unknown = envelope;
  if (typeof env !== 'object' || env === null) throw new IpcError(MALFORMED);
  if (Object.hasOwn(env, 'error')) throw new IpcError(readErrorPayload((env as { error: unknown }).error));
  if (Object.hasOwn(env, 'result')) return (env as { result: T }).result;
  throw new IpcError(MALFORMED);
}
