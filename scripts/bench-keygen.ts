/**
 * Key generation as an enrollment does it, with the median and the 90th percentile: the spread of a prime
 * search is wide, and its slow tail is what an enrollment waits for. RSA-2048 both ways: from two primes
 * in parallel (what generateKeyPair does, electron/core/pki/rsa-key-pair.ts) and by OpenSSL whole.
 * Run alone with `node --import tsx scripts/bench-keygen.ts [RUNS]`, or call runKeygenBench() from the bench suite.
 */
import { generateKeyPair as generateWhole } from 'node:crypto';
import { promisify } from 'node:util';
import { pathToFileURL } from 'node:url';
import { generateKeyPair } from '../electron/core/pki/certificates.ts';
import { median } from './bench-stats.ts';

const openSslWhole = promisify(generateWhole);

export interface KeygenBenchRow {
  key: string;
  'median ms': number;
  'p90 ms': number;
}

const WAYS: { key: string; generate: () => Promise<unknown> }[] = [
  { key: 'RSA 2048 (two primes in parallel)', generate: () => generateKeyPair({ type: 'rsa', bits: 2048 }) },
  { key: 'RSA 2048 (OpenSSL whole)', generate: () => openSslWhole('rsa', { modulusLength: 2048, publicExponent: 0x10001 }) },
  { key: 'EC P-256', generate: () => generateKeyPair({ type: 'ec', curve: 'P-256' }) },
];

function percentile90(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.9) - 1)]!;
}

export async function runKeygenBench(runs = 21): Promise<KeygenBenchRow[]> {
  const times = WAYS.map(() => [] as number[]);
  for (let run = 0; run < runs; run++) {
    for (const [i, way] of WAYS.entries()) {
      const started = performance.now();
      await way.generate();
      times[i]!.push(performance.now() - started);
    }
  }
  return WAYS.map((way, i) => ({
    key: way.key,
    'median ms': Math.round(median(times[i]!)),
    'p90 ms': Math.round(percentile90(times[i]!)),
  }));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.table(await runKeygenBench(Number(process.argv[2] ?? 21)));
}
