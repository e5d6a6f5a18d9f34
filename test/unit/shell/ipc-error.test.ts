import { describe, expect, it } from 'vitest';
import { CtiError, ERRORS } from '../../../shared/errors.ts';
import { IpcError, decodeEnvelope, isIpcError, toErrorPayload } from '../../../shared/ipc-error.ts';
import type { IpcEnvelope } from '../../../shared/ipc.ts';

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('did not throw');
}

describe('IPC errors', () => {
  it('turns a CtiError into a payload with the hint of its code', () => {
    expect(toErrorPayload(new CtiError('CAPF_AUTH_FAILED', 'refused'))).toEqual({
      code: 'CAPF_AUTH_FAILED',
      message: 'refused',
      hint: ERRORS.CAPF_AUTH_FAILED.hint,
    });
    expect(toErrorPayload(new TypeError('boom'))).toEqual({ code: 'INTERNAL', message: 'boom', hint: ERRORS.INTERNAL.hint });
    expect(toErrorPayload('text')).toMatchObject({ code: 'INTERNAL', message: 'text' });
  });

  it('round-trips an error through an envelope and JSON', () => {
    const envelope = JSON.parse(JSON.stringify({ error: toErrorPayload(new CtiError('CTL_COMPROMISED', 'bad signer')) }));
    const err = thrownBy(() => decodeEnvelope(envelope));
    expect(err).toBeInstanceOf(IpcError);
    expect(err).toMatchObject({ name: 'IpcError', code: 'CTL_COMPROMISED', message: 'bad signer', hint: ERRORS.CTL_COMPROMISED.hint });
    expect(isIpcError(err)).toBe(true);
    expect(toErrorPayload(err)).toEqual(envelope.error);
  });

  it('returns results, including falsy ones', () => {
    expect(decodeEnvelope({ result: 0 })).toBe(0);
    expect(decodeEnvelope({ result: null })).toBeNull();
    expect(decodeEnvelope({ result: undefined })).toBeUndefined();
    expect(decodeEnvelope({ result: { a: [1] } })).toEqual({ a: [1] });
  });

  it('treats malformed envelopes and unknown codes as INTERNAL, and fills in a missing hint', () => {
    for (const bad of [null, 'x', 1, {}, { results: 1 }, { error: null }, { error: { code: 'NOPE', message: 'm' } }, { error: { code: 'BAD_INPUT' } }]) {
      expect(thrownBy(() => decodeEnvelope(bad as IpcEnvelope<unknown>)), JSON.stringify(bad)).toMatchObject({ code: 'INTERNAL' });
    }
    expect(thrownBy(() => decodeEnvelope({ error: { code: 'BAD_INPUT', message: 'm' } } as IpcEnvelope<unknown>))).toMatchObject({
      code: 'BAD_INPUT',
      hint: ERRORS.BAD_INPUT.hint,
    });
    // An inherited "result" is not a result.
    expect(thrownBy(() => decodeEnvelope(Object.create({ result: 1 })))).toMatchObject({ code: 'INTERNAL' });
  });

  it('recognises rebuilt errors (what Electron gives the page) by their fields', () => {
    const rebuilt = Object.assign(new Error('m'), { code: 'VAULT', hint: 'h' });
    expect(isIpcError(rebuilt)).toBe(true);
    expect(isIpcError(Object.assign(new Error('m'), { code: 'NOPE', hint: 'h' }))).toBe(false);
    expect(isIpcError(null)).toBe(false);
  });
});
