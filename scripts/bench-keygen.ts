/**
 * RSA key generation as an enrollment does it (two native primes side by side, electron/core/pki/rsa-key-pair.ts)
 * next to OpenSSL's own generateKeyPair('rsa'), interleaved, with the median and the 90th percentile: the
 * spread of a prime search is wide, and its slow tail is what an enrollment waits for.
 * Run alone with `node --import tsx scripts/bench-keygen.ts [RUNS]`, or call runKeygenBench() from the bench suite.
 */
import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import { pathToFileURL } from 'node:url';
import { generateRsaKeyPair } from '../electron/core/pki/rsa-key-pair.ts';
import { median } from './bench-stats.ts';

const opensslKeyPair = promisify(generateKeyPair);

export interface KeygenBenchRow {
  how: string;
  'median ms': number;
  'p90 ms': number;
}

function percentile90(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.9) - 1)]!;
}

export async function runKeygenBench(runs = 21, bits = 2048): Promise<KeygenBenchRow[]> {
  const ways = [
    { how: `RSA-${bits}, two primes side by side (what enroll uses)`, generate: () => generateRsaKeyPair(bits) },
    { how: `RSA-${bits}, generateKeyPair('rsa') (OpenSSL, one thread)`, generate: () => opensslKeyPair('rsa', { modulusLength: bits }) },
  ];
  const times = ways.map(() => [] as number[]);
  for (let run = 0; run < runs; run++) {
    for (const [i, way] of ways.entries()) {
      const started = performance.now();
      await way.generate();
      times[i]!.push(performance.now() - started);
    }
  }
  return ways.map(({ how }, i) => ({ how, 'median ms': Math.round(median(times[i]!)), 'p90 ms': Math.round(percentile90(times[i]!)) }));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.table(await runKeygenBench(Number(process.argv[2] ?? 21)));
}
