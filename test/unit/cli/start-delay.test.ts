import { describe, expect, it } from 'vitest';
import { startDelayMs, waitBeforeStart } from '../../../electron/cli/start-delay.ts';

describe('--start-within: the random wait before contacting CAPF', () => {
  it('spreads uniformly from 0 to the whole range, in milliseconds, from the random source given', () => {
    expect(startDelayMs(60, () => 0)).toBe(0);
    expect(startDelayMs(60, () => 0.5)).toBe(30_000);
    expect(startDelayMs(60, () => 1 - Number.EPSILON)).toBe(60_000);
    expect(startDelayMs(0, () => 0.9)).toBe(0);
  });

  it('refuses a random source outside [0, 1) rather than waiting out of range', () => {
    for (const r of [1, -0.1, Number.NaN]) expect(() => startDelayMs(10, () => r)).toThrow(RangeError);
  });

  it('says how long it waits, then waits that long', async () => {
    const lines: string[] = [];
    expect(await waitBeforeStart(1, (line) => lines.push(line), () => 0.0004)).toBe(0);
    expect(lines).toEqual(['Waiting 0.0 s before contacting CAPF (--start-within 1)']);
  });
});
