import { expect } from 'vitest';
import { CtiError } from '../../shared/errors.ts';

/** Awaits a promise that must reject with a CtiError, and returns that error for further checks. */
export async function ctiRejection(promise: Promise<unknown>): Promise<CtiError> {
  const err = await promise.then(
    () => {
      throw new Error('expected a rejection with a CtiError, but the promise resolved');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CtiError);
  return err as CtiError;
}
