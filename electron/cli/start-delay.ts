/**
 * `enroll --start-within SECONDS`: a random wait before contacting CAPF, so a fleet started at one moment
 * spreads its enrollments (Cisco warns that many certificates generated at once can disturb call processing).
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** A uniform delay from 0 to `maxSeconds` whole, in milliseconds; `random` returns [0, 1) like Math.random. */
export function startDelayMs(maxSeconds: number, random: () => number = Math.random): number {
  const r = random();
  if (!(r >= 0 && r < 1)) throw new RangeError(`random source returned ${r}, outside [0, 1)`);
  return Math.floor(r * (maxSeconds * 1000 + 1));
}

export async function waitBeforeStart(maxSeconds: number, progress: (line: string) => void, random?: () => number): Promise<number> {
  const ms = startDelayMs(maxSeconds, random);
  progress(`Waiting ${(ms / 1000).toFixed(1)} s before contacting CAPF (--start-within ${maxSeconds})`);
  await sleep(ms);
  return ms;
}
