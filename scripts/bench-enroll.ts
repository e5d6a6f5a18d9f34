/**
 * Enrollment time against the lab: the `npm run demo` path (CTL fetch + CAPF + keystore), median of 5,
 * for each key type the lab offers cheaply. Each run uses a fresh home so every run is a first enrollment.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultProfile } from '../shared/profile.ts';
import { openCore } from '../electron/core/context.ts';
import { enrollCertificate } from '../electron/core/enroll.ts';
import { silentLogger } from '../electron/core/log.ts';
import { startLab } from '../electron/lab/lab.ts';
import { parseLabProfile } from '../electron/lab/profiles.ts';
import { median } from './bench-stats.ts';

const RUNS = 5;
const KEYS = ['rsa2048', 'p256', 'p384'] as const;

export async function runEnrollBench(): Promise<Record<string, number>> {
  const labDir = await mkdtemp(join(tmpdir(), 'ctiprefs-bench-lab-'));
  const profiles = KEYS.flatMap((key, k) => Array.from({ length: RUNS }, (_, i) => parseLabProfile(`b${key}${i}:${String(100000 + k * 10 + i)}:${key}`)));
  const lab = await startLab({ dir: labDir, profiles });
  const results: Record<string, number> = {};
  try {
    for (const [k, key] of KEYS.entries()) {
      const times: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const home = await mkdtemp(join(tmpdir(), 'ctiprefs-bench-home-'));
        const core = openCore({ home, logger: silentLogger });
        const profile = {
          ...defaultProfile('bench'),
          userName: 'bench',
          instanceId: `b${key}${i}`,
          tftpServers: [`${lab.tftp.host}:${lab.tftp.port}`],
          capfHost: lab.capf.host,
          capfPort: lab.capf.port,
        };
        const started = performance.now();
        await enrollCertificate(core, { profile, authString: String(100000 + k * 10 + i) });
        times.push(performance.now() - started);
        await rm(home, { recursive: true, force: true });
      }
      results[`enroll ${key} (ms, median of ${RUNS})`] = Math.round(median(times));
    }
  } finally {
    await lab.close();
    await rm(labDir, { recursive: true, force: true });
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.table(await runEnrollBench());
}
