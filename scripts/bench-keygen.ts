/**
 * RSA-2048 key generation as an enrollment does it (OpenSSL through node:crypto), with the median and the
 * 90th percentile: the spread of a prime search is wide, and its slow tail is what an enrollment waits for.
 * Run alone with `node --import tsx scripts/bench-keygen.ts [RUNS]`, or call runKeygenBench() from the bench suite.
 */
import { pathToFileURL } from 'node:url';
import { describeKeySpec, generateKeyPair, type KeySpec } from '../electron/core/pki/certificates.ts';
import { median } from './bench-stats.ts';

export interface KeygenBenchRow {
  key: string;
  'median ms': number;
  'p90 ms': number;
}

const SPECS: KeySpec[] = [
  { type: 'rsa', bits: 2048 },
  { type: 'ec', curve: 'P-256' },
];

function percentile90(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.9) - 1)]!;
}

export async function runKeygenBench(runs = 21): Promise<KeygenBenchRow[]> {
  const times = SPECS.map(() => [] as number[]);
  for (let run = 0; run < runs; run++) {
    for (const [i, spec] of SPECS.entries()) {
      const started = performance.now();
      await generateKeyPair(spec);
      times[i]!.push(performance.now() - started);
    }
  }
  return SPECS.map((spec, i) => ({
    key: describeKeySpec(spec),
    'median ms': Math.round(median(times[i]!)),
    'p90 ms': Math.round(percentile90(times[i]!)),
  }));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.table(await runKeygenBench(Number(process.argv[2] ?? 21)));
}
