/**
 * Whole-process figures of the precompiled `ctiprefs` command, each next to a bare `node -e 0` measured in
 * the same rounds: `--help`, and an RSA-2048 `enroll` against the lab (fresh home each run, so each is a
 * first-use CTL fetch plus a first enrollment) with the OS vault and with only CTIPREFS_KEYSTORE_PASSWORD
 * and no D-Bus session at all, and an EC P-256 one with the OS vault (the same run without the RSA key
 * generation). The rounds interleave them all so that load from other processes on the machine falls on
 * all of them alike.
 * Run alone with `node --import tsx scripts/bench-cli.ts [RUNS]`, or call runCliBench() from the bench suite.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startLab } from '../electron/lab/lab.ts';
import { parseLabProfile } from '../electron/lab/profiles.ts';
import { buildCli } from './build-cli.mjs';
import { median } from './bench-stats.ts';

const CLI = fileURLToPath(new URL('../bin/ctiprefs.cjs', import.meta.url));
/**
 * GNU time reports the CPU time a process used, which other processes on a shared machine disturb far
 * less than its wall time: shown beside it when the tool is there (Debian: apt-get install time).
 */
const GNU_TIME = '/usr/bin/time';
const CPU_MARK = 'ctiprefs-bench-cpu';

export interface CliBenchRow {
  what: string;
  'median ms': number;
  'x node -e 0': number;
  'median CPU ms'?: number;
  'CPU x node -e 0'?: number;
}

interface Timing {
  wallMs: number;
  cpuMs?: number;
}

/** Wall (and CPU) time of one process from spawn to exit; a non-zero exit fails the bench (a fast failure is no result). */
function timeProcess(args: string[], env: NodeJS.ProcessEnv): Promise<Timing> {
  const [command, commandArgs] = existsSync(GNU_TIME)
    ? [GNU_TIME, ['-f', `\n${CPU_MARK} %U %S`, process.execPath, ...args]]
    : [process.execPath, args];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, commandArgs, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const wallMs = performance.now() - started;
      const cpu = new RegExp(`${CPU_MARK} ([\\d.]+) ([\\d.]+)`).exec(stderr);
      if (code === 0) resolve({ wallMs, ...(cpu ? { cpuMs: (Number(cpu[1]) + Number(cpu[2])) * 1000 } : {}) });
      else reject(new Error(`${args.join(' ')} exited with ${code}: ${stderr.slice(0, 500)}`));
    });
  });
}

/** The environment of a machine without any OS vault: no D-Bus session, only the keystore password. */
function withoutVault(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { DBUS_SESSION_BUS_ADDRESS: _bus, CTIPREFS_KEYSTORE_PASSWORD: _password, ...rest } = env;
  return { ...rest, CTIPREFS_KEYSTORE_PASSWORD: 'bench-keystore-password' };
}

/**
 * Where NODE_EXTRA_CA_CERTS is set (this project's machines set it for their proxy), Node parses those
 * certificates and its own public roots at every start, before any script runs: about 40 ms of a bare
 * node -e 0 here (107 ms with it, 68 without, measured with hyperfine). So every figure is measured a second
 * time without it, as on a machine that does not set it (ctiprefs itself never uses a public CA).
 */
function environments(env: NodeJS.ProcessEnv): { label: string; adjust: (env: NodeJS.ProcessEnv) => NodeJS.ProcessEnv }[] {
  const given = { label: '', adjust: (e: NodeJS.ProcessEnv) => e };
  const unset = (e: NodeJS.ProcessEnv) => Object.fromEntries(Object.entries(e).filter(([name]) => name !== 'NODE_EXTRA_CA_CERTS'));
  return env.NODE_EXTRA_CA_CERTS === undefined ? [given] : [given, { label: ', NODE_EXTRA_CA_CERTS unset', adjust: unset }];
}

export async function runCliBench(runs = 11, options: { vault: boolean } = { vault: true }): Promise<CliBenchRow[]> {
  await buildCli();
  const { CTIPREFS_KEYSTORE_PASSWORD: _password, ...vaultEnv } = process.env;
  // RSA-2048 as Unified CM's CAPF profiles default to; EC P-256 beside it shows what the RSA key generation costs.
  const modes = [
    ...(options.vault ? [{ name: 'RSA-2048, with OS vault', env: vaultEnv, key: 'rsa2048' }] : []),
    { name: 'RSA-2048, no vault, CTIPREFS_KEYSTORE_PASSWORD', env: withoutVault(process.env), key: 'rsa2048' },
    ...(options.vault ? [{ name: 'EC P-256, with OS vault', env: vaultEnv, key: 'p256' }] : []),
  ];
  const places = environments(process.env);
  const labDir = await mkdtemp(join(tmpdir(), 'ctiprefs-bench-cli-lab-'));
  const slots = places.length * modes.length;
  const slotOf = (place: number, mode: number) => place * modes.length + mode;
  const authOf = (slot: number, run: number) => String(20_000_000 + slot * 1000 + run);
  const instanceOf = (slot: number, run: number) => `bcli${slot}x${run}`;
  const profiles = Array.from({ length: slots }, (_, slot) => slot).flatMap((slot) =>
    Array.from({ length: runs }, (_, r) => parseLabProfile(`${instanceOf(slot, r)}:${authOf(slot, r)}:${modes[slot % modes.length]!.key}`)),
  );
  const lab = await startLab({ dir: labDir, profiles });
  const times = places.map(() => ({ node: [] as Timing[], help: [] as Timing[], enroll: modes.map(() => [] as Timing[]) }));
  try {
    for (let run = 0; run < runs; run++) {
      for (const [p, place] of places.entries()) {
        times[p]!.node.push(await timeProcess(['-e', '0'], place.adjust(process.env)));
        times[p]!.help.push(await timeProcess([CLI, '--help'], place.adjust(process.env)));
        // Every other round backwards: no mode always runs first after node -e 0.
        const order = [...modes.entries()];
        for (const [m, mode] of run % 2 ? order.reverse() : order) {
          const slot = slotOf(p, m);
          const home = await mkdtemp(join(tmpdir(), 'ctiprefs-bench-cli-home-'));
          const args = [CLI, '--home', home, 'enroll', '--tftp', `${lab.tftp.host}:${lab.tftp.port}`, '--capf', `${lab.capf.host}:${lab.capf.port}`];
          args.push('--user', 'bench', '--instance-id', instanceOf(slot, run), '--auth-string', authOf(slot, run));
          try {
            times[p]!.enroll[m]!.push(await timeProcess(args, place.adjust(mode.env)));
          } finally {
            await rm(home, { recursive: true, force: true });
          }
        }
      }
    }
  } finally {
    await lab.close();
    await rm(labDir, { recursive: true, force: true });
  }
  const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
  const wall = (values: Timing[]) => median(values.map((t) => t.wallMs));
  const cpu = (values: Timing[]) => (values.every((t) => t.cpuMs !== undefined) ? median(values.map((t) => t.cpuMs!)) : undefined);
  return places.flatMap((place, p) => {
    const measured = times[p]!;
    const baseCpu = cpu(measured.node);
    const row = (what: string, values: Timing[]): CliBenchRow => {
      const cpuMs = cpu(values);
      return {
        what: `${what}${place.label}`,
        'median ms': Math.round(wall(values)),
        'x node -e 0': ratio(wall(values), wall(measured.node)),
        ...(cpuMs !== undefined && baseCpu ? { 'median CPU ms': Math.round(cpuMs), 'CPU x node -e 0': ratio(cpuMs, baseCpu) } : {}),
      };
    };
    return [
      row('node -e 0', measured.node),
      row('ctiprefs --help', measured.help),
      ...modes.map((mode, m) => row(`ctiprefs enroll ${mode.name}`, measured.enroll[m]!)),
    ];
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const runs = Number(process.argv[2] ?? 11);
  console.log(`Whole process, median of ${runs} runs:`);
  console.table(await runCliBench(runs));
}
