/**
 * TFTP download benchmark: a 5 KB, a 64 KB and a 1 MiB file from tftpd-hpa and from the own server,
 * N times each, on loopback. Prints the median duration, round trips and packets.
 * Run: node --import tsx scripts/bench-tftp.ts [N]
 */
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { tftpGet, type TftpTransferStats } from '../electron/core/tftp/client.ts';
import { startTftpServer } from '../electron/lab/tftp/server.ts';
import { startTftpdHpa } from './lib/tftpd-hpa.ts';
import { median } from './bench-stats.ts';

export interface TftpBenchRow {
  server: 'tftpd-hpa' | 'own';
  file: string;
  bytes: number;
  runs: number;
  medianMs: number;
  roundTrips: number;
  packetsSent: number;
  packetsReceived: number;
  blksize: number;
  windowsize: number;
}

const FILES: Record<string, Buffer> = {
  '5KB.bin': randomBytes(5 * 1024),
  '64KB.bin': randomBytes(64 * 1024),
  '1MB.bin': randomBytes(1_048_576),
};

export async function runTftpBench(options: { runs?: number; log?: (line: string) => void } = {}): Promise<TftpBenchRow[]> {
  const runs = options.runs ?? 20;
  const log = options.log ?? ((line: string) => console.log(line));
  const hpa = await startTftpdHpa({ files: FILES });
  const own = await startTftpServer({ readFile: (name) => FILES[name] });
  const rows: TftpBenchRow[] = [];
  try {
    for (const [server, port] of [
      ['tftpd-hpa', hpa.port],
      ['own', own.port],
    ] as const) {
      for (const [file, content] of Object.entries(FILES)) {
        const durations: number[] = [];
        let last: TftpTransferStats | undefined;
        for (let i = 0; i < runs; i++) {
          const { data, stats } = await tftpGet({ host: '127.0.0.1', port, filename: file });
          if (!data.equals(content)) throw new Error(`${server} returned a damaged ${file}`);
          durations.push(stats.durationMs);
          last = stats;
        }
        if (!last) continue;
        rows.push({
          server,
          file,
          bytes: content.length,
          runs,
          medianMs: median(durations),
          roundTrips: last.roundTrips,
          packetsSent: last.packetsSent,
          packetsReceived: last.packetsReceived,
          blksize: last.blksize,
          windowsize: last.windowsize,
        });
      }
    }
  } finally {
    await own.close();
    await hpa.stop();
  }
  log('server     file       median ms  round trips  sent  received  blksize  window');
  for (const r of rows) {
    log(
      `${r.server.padEnd(10)} ${r.file.padEnd(10)} ${r.medianMs.toFixed(2).padStart(9)}  ${String(r.roundTrips).padStart(11)}  ${String(r.packetsSent).padStart(4)}  ${String(r.packetsReceived).padStart(8)}  ${String(r.blksize).padStart(7)}  ${String(r.windowsize).padStart(6)}`,
    );
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const runs = Number(process.argv[2] ?? 20);
  await runTftpBench({ runs: Number.isInteger(runs) && runs > 0 ? runs : 20 });
}
