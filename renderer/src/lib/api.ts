/** The renderer's only way to the main process, and the one shape its errors take in the UI. */
import { ERRORS, isErrorCode, type ErrorCode } from '../../../shared/errors.ts';
import type { CtiprefsApi } from '../../../shared/ipc.ts';

export interface UiError {
  code: ErrorCode;
  message: string;
  hint: string;
}

/** Read at call time (not import time) so the preload, the preview bridge or a test stub can provide it. */
export function bridge(): CtiprefsApi {
  const api = (window as Partial<Window>).ctiprefs;
  if (!api) throw new Error('window.ctiprefs is missing: the preload or preview bridge did not load');
  return api;
}

/** Errors from invoke carry code, message and hint; anything else becomes INTERNAL with its message. */
export function toUiError(err: unknown): UiError {
  const fields = (typeof err === 'object' && err !== null ? err : {}) as Record<string, unknown>;
  const code: ErrorCode = isErrorCode(fields.code) ? fields.code : 'INTERNAL';
  const message =
    typeof fields.message === 'string' && fields.message !== '' ? fields.message : String(err ?? 'Unknown error');
  const hint = typeof fields.hint === 'string' && fields.hint !== '' ? fields.hint : ERRORS[code].hint;
  return { code, message, hint };
}
