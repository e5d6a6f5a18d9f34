/**
 * The fault suite's scale and its figures. `npm test` runs a short form of each fault test; `npm run faults`
 * sets CTIPREFS_FAULTS=full for the long form. Each test records one row per fault family in
 * test-results/faults/, and scripts/faults-report.mjs prints them as the README's table.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FULL = process.env.CTIPREFS_FAULTS === 'full';

/** The number of trials: the short form in `npm test`, the long one in `npm run faults`. */
export function trials(short: number, full: number): number {
  return FULL ? full : short;
}

export interface FaultRow {
  family: string;
  trials: number;
  /** Ended as designed: a typed error or a clean success, nothing lost. */
  handled: number;
  /** A good certificate, keystore or trusted CTL gone or damaged, or an exit 1. */
  lost: number;
  /** Per case, how long the client took to give up (hostile servers). */
  giveUpMs?: Record<string, number>;
  notes?: string;
}

const DIR = fileURLToPath(new URL('../../test-results/faults/', import.meta.url));

export async function recordFaults(row: FaultRow): Promise<void> {
  await mkdir(DIR, { recursive: true });
  const name = row.family.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
  await writeFile(join(DIR, `${name}.json`), `${JSON.stringify({ ...row, scale: FULL ? 'full' : 'short' }, null, 2)}\n`);
}
