import { fireEvent, render, screen } from '@testing-library/svelte';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import NumberField from '../../renderer/src/components/NumberField.svelte';
import { RETRIES, RETRY_INTERVAL_S, checkRetries, checkRetryInterval } from '../../shared/fields.ts';

function describedText(input: HTMLElement): string {
  return (input.getAttribute('aria-describedby') ?? '')
    .split(/\s+/)
    .map((id) => document.getElementById(id)?.textContent ?? '')
    .join(' ');
}

function renderRetries(value = 0) {
  const onchange = vi.fn<(value: number) => void>();
  const onvaliditychange = vi.fn<(error: string | null) => void>();
  render(NumberField, {
    id: 'retries',
    label: 'Number of retries',
    value,
    min: RETRIES.min,
    max: RETRIES.max,
    check: checkRetries,
    onchange,
    onvaliditychange,
  });
  return { input: screen.getByLabelText('Number of retries'), onchange, onvaliditychange };
}

describe('NumberField', () => {
  it('rejects 4 retries with the exact message next to the field and never emits it', async () => {
    const { input, onchange, onvaliditychange } = renderRetries();
    await fireEvent.input(input, { target: { value: '4' } });
    expect(describedText(input)).toContain('Retries must be 0 to 3');
    expect(input).toHaveProperty('value', '4');
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(onchange).not.toHaveBeenCalled();
    expect(onvaliditychange).toHaveBeenLastCalledWith('Retries must be 0 to 3');
  });

  it('clears the message as soon as the value is valid and emits the number', async () => {
    const { input, onchange, onvaliditychange } = renderRetries();
    await fireEvent.input(input, { target: { value: '4' } });
    await fireEvent.input(input, { target: { value: '2' } });
    expect(describedText(input)).not.toContain('Retries must be 0 to 3');
    expect(input.getAttribute('aria-invalid')).toBeNull();
    expect(onchange).toHaveBeenCalledExactlyOnceWith(2);
    expect(onvaliditychange).toHaveBeenLastCalledWith(null);
  });

  it('rejects a retry interval of 16 with the exact message', async () => {
    const onchange = vi.fn();
    render(NumberField, {
      id: 'retry-interval',
      label: 'Retry interval (seconds)',
      value: 0,
      min: RETRY_INTERVAL_S.min,
      max: RETRY_INTERVAL_S.max,
      check: checkRetryInterval,
      onchange,
    });
    const input = screen.getByLabelText('Retry interval (seconds)');
    await fireEvent.input(input, { target: { value: '16' } });
    expect(describedText(input)).toContain('Retry interval must be 0 to 15');
    expect(onchange).not.toHaveBeenCalled();
    await fireEvent.input(input, { target: { value: '15' } });
    expect(onchange).toHaveBeenCalledExactlyOnceWith(15);
  });

  it('rejects fractions, exponents, blanks and words', async () => {
    const { input, onchange } = renderRetries(1);
    for (const text of ['1.5', '1e0', '', ' ', 'two', '-1', '0x1']) {
      await fireEvent.input(input, { target: { value: text } });
      expect(describedText(input), text).toContain('Retries must be 0 to 3');
    }
    expect(onchange).not.toHaveBeenCalled();
  });

  it('never emits an out-of-range value, whatever is typed', async () => {
    const { input, onchange } = renderRetries();
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ maxLength: 6 }), fc.integer({ min: -50, max: 50 }).map(String)), async (text) => {
        await fireEvent.input(input, { target: { value: text } });
        for (const [value] of onchange.mock.calls) expect(checkRetries(value)).toBeNull();
        const valid = checkRetries(/^\s*-?\d+\s*$/.test(text) ? Number(text) : Number.NaN) === null;
        expect(input.getAttribute('aria-invalid')).toBe(valid ? null : 'true');
      }),
      { numRuns: 200 },
    );
    expect(onchange.mock.calls.length).toBeGreaterThan(0);
  });

  it('steps with the arrow keys without leaving the range', async () => {
    const { input, onchange } = renderRetries(3);
    await fireEvent.keyDown(input, { key: 'ArrowUp' });
    expect(onchange).toHaveBeenLastCalledWith(3);
    await fireEvent.keyDown(input, { key: 'ArrowDown' });
    expect(onchange).toHaveBeenLastCalledWith(2);
    await fireEvent.input(input, { target: { value: '9' } });
    await fireEvent.keyDown(input, { key: 'ArrowDown' });
    expect(onchange).toHaveBeenLastCalledWith(3);
    expect(input.getAttribute('aria-invalid')).toBeNull();
  });
});
