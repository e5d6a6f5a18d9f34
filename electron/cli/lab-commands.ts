/** `ctiprefs lab` (a stand-in cluster on loopback) and `ctiprefs demo` (lab + fetch + enroll + list). */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CtiError, toCtiError } from '../../shared/errors.ts';
import { checkInstanceId } from '../../shared/fields.ts';
import { openCore } from '../core/context.ts';
import { homeLayout } from '../core/paths.ts';
import { openVault } from '../core/keystore/vault.ts';
import { CAPF_VERSIONS, isCapfVersion } from '../core/capf/constants.ts';
import { LAB_CAPF_CERTIFICATES, LAB_CTL_NAMES, startLab, type LabCapfCertificate, type LabCtlNames } from '../lab/lab.ts';
import { startCtiosLabServer } from '../lab/ctios-server.ts';
import { parseHandShakeTime } from './ctios-commands.ts';
import { parseLabProfile, LAB_KEYS } from '../lab/profiles.ts';
import { parseCommandOptions, parsePort } from './args.ts';
import { certsList, ctlFetch, enroll, type CommandResult } from './commands.ts';
import type { Output } from './output.ts';

const CTL_HASHES = ['sha1', 'sha256', 'sha512'] as const;

export async function lab(home: string, args: string[], out: Output): Promise<number> {
  const opts = parseCommandOptions(
    args,
    {
      dir: { type: 'string' },
      'tftp-port': { type: 'string' },
      'capf-port': { type: 'string' },
      'ctimanager-port': { type: 'string' },
      profile: { type: 'string', multiple: true },
      'ctl-hash': { type: 'string' },
      'capf-version': { type: 'string', default: '3' },
      'ctl-names': { type: 'string', default: 'both' },
      'ctios-dir': { type: 'string' },
      'ctios-port': { type: 'string' },
      'ctios-handshake-time': { type: 'string' },
      'capf-certificate': { type: 'string', default: 'listed' },
      compromised: { type: 'string', multiple: true },
    },
    'lab',
  );
  const capfCertificate = opts['capf-certificate'];
  if (!(LAB_CAPF_CERTIFICATES as readonly string[]).includes(capfCertificate)) {
    throw new CtiError('BAD_INPUT', `--capf-certificate must be one of ${LAB_CAPF_CERTIFICATES.join(', ')}, got "${capfCertificate}"`);
  }
  for (const id of opts.compromised ?? []) {
    const problem = checkInstanceId(id);
    if (problem) throw new CtiError('BAD_INPUT', `--compromised: ${problem}`);
  }
  const hash = opts['ctl-hash'];
  if (hash !== undefined && !(CTL_HASHES as readonly string[]).includes(hash)) {
    throw new CtiError('BAD_INPUT', `--ctl-hash must be one of ${CTL_HASHES.join(', ')}, got "${hash}"`);
  }
  const capfVersion = /^\d$/.test(opts['capf-version']) ? Number(opts['capf-version']) : Number.NaN;
  if (!isCapfVersion(capfVersion)) {
    throw new CtiError('BAD_INPUT', `--capf-version must be one of ${CAPF_VERSIONS.join(', ')}, got "${opts['capf-version']}"`);
  }
  const ctlNames = opts['ctl-names'];
  if (!(LAB_CTL_NAMES as readonly string[]).includes(ctlNames)) {
    throw new CtiError('BAD_INPUT', `--ctl-names must be one of ${LAB_CTL_NAMES.join(', ')}, got "${ctlNames}"`);
  }
  // Started first: a CTI OS server set that does not pass the check stops the lab before anything listens.
  const ctiosServer = opts['ctios-dir'] === undefined ? undefined : await startCtiosLabServer({
    dir: opts['ctios-dir'],
    port: parsePort(opts['ctios-port'], '--ctios-port'),
    handShakeTimeSeconds: parseHandShakeTime(opts['ctios-handshake-time'], '--ctios-handshake-time'),
  });
  const running = await startLab({
    dir: opts.dir ?? homeLayout(home).labDir,
    tftpPort: parsePort(opts['tftp-port'], '--tftp-port'),
    capfPort: parsePort(opts['capf-port'], '--capf-port'),
    ctiManagerPort: parsePort(opts['ctimanager-port'], '--ctimanager-port'),
    profiles: (opts.profile ?? []).map(parseLabProfile),
    ...(hash ? { ctlHash: hash as (typeof CTL_HASHES)[number] } : {}),
    capfVersion,
    ctlNames: ctlNames as LabCtlNames,
    capfCertificate: capfCertificate as LabCapfCertificate,
    compromised: opts.compromised ?? [],
  });
  const endpoint = (e: { host: string; port: number }) => `${e.host}:${e.port}`;
  const keyName = (key: unknown) => Object.entries(LAB_KEYS).find(([, spec]) => JSON.stringify(spec) === JSON.stringify(key))?.[0];
  // One JSON line on stdout whatever --json says: scripts wait for it to know the lab is listening.
  process.stdout.write(
    `${JSON.stringify({
      ready: true,
      tftp: endpoint(running.tftp),
      capf: endpoint(running.capf),
      ctiManager: endpoint(running.ctiManager),
      ...(ctiosServer ? { ctios: endpoint(ctiosServer) } : {}),
      dir: running.dir,
      capfVersion,
      ctlNames: running.ctlNames,
      capfCertificate,
      compromised: opts.compromised ?? [],
      profiles: running.profiles.map((p) => ({ instanceId: p.instanceId, deviceName: p.deviceName, key: keyName(p.key), operation: p.operation })),
    })}\n`,
  );
  out.progress('Lab running; stop it with Ctrl+C.');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await Promise.all([running.close(), ctiosServer?.close()]);
  return 0;
}

/**
 * The newcomer's first run: a lab on free ports, a throwaway home, fetch its CTL, enroll an
 * instance, list the certificate. Uses the OS vault when there is one, else a per-run password.
 */
export async function demo(homeOption: string | undefined, args: string[], out: Output): Promise<CommandResult> {
  parseCommandOptions(args, {}, 'demo');
  const home = homeOption ?? (await mkdtemp(join(tmpdir(), 'ctiprefs-demo-')));
  const env = { ...process.env };
  try {
    await openVault(env);
  } catch (err) {
    out.progress(`No OS vault (${toCtiError(err).message}); the demo uses a one-time keystore password instead.`);
    env.CTIPREFS_KEYSTORE_PASSWORD = `demo-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  }
  const core = openCore({ home, env });
  const running = await startLab({ dir: core.layout.labDir });
  try {
    const tftp = `${running.tftp.host}:${running.tftp.port}`;
    const profile = running.profiles[0]!;
    out.progress(`Lab cluster: TFTP ${tftp}, CAPF ${running.capf.host}:${running.capf.port}, home ${home}`);
    const capf = `${running.capf.host}:${running.capf.port}`;
    const fetched = await ctlFetch(core, ['--tftp', tftp, '--capf', capf], out);
    out.progress(fetched.text);
    const started = Date.now();
    const enrolled = await enroll(
      core,
      ['--tftp', tftp, '--capf', capf, '--user', 'labuser', '--instance-id', profile.instanceId, '--auth-string', profile.authString ?? ''],
      out,
    );
    const enrollMs = Date.now() - started;
    const listed = await certsList(core, []);
    return {
      value: { home, enrollMs, ctl: fetched.value, enroll: enrolled.value, certificates: (listed.value as { certificates: unknown[] }).certificates },
      text: `${listed.text}\nDemo finished: enrollment took ${enrollMs} ms. Home folder: ${home}`,
    };
  } finally {
    await running.close();
    if (!homeOption && process.env.CTIPREFS_DEMO_KEEP !== '1') await rm(home, { recursive: true, force: true });
  }
}
