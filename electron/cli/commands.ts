/** The `ctiprefs` commands on top of the core; each returns its JSON result and its text. */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { CtiError } from '../../shared/errors.ts';
import { checkAuthString, checkInstanceId, DEFAULT_CAPF_PORT, DEFAULT_DEVICE_NAME_TEMPLATE, parseEndpoint } from '../../shared/fields.ts';
import { defaultProfile, expiryWarningDaysOf, type Profile } from '../../shared/profile.ts';
import type { CoreContext } from '../core/context.ts';
import { updateTrustedCtl } from '../core/ctl-update.ts';
import { describeCtl } from '../core/ctl/describe.ts';
import { enrollCertificate, resumeInterruptedEnrollments, type EnrollmentCtl } from '../core/enroll.ts';
import { writeFileAtomic } from '../core/fs/atomic-file.ts';
import { parseCommandOptions, parseRetries, parseRetryInterval, requireOption } from './args.ts';
import { FIRST_USE_WARNING, formatCertificates, formatTrustList } from './format.ts';
import type { Output } from './output.ts';

export interface CommandResult {
  value: unknown;
  text: string;
}

function parseCapf(text: string): { host: string; port: number } {
  const capf = parseEndpoint(text, DEFAULT_CAPF_PORT, '--capf');
  if ('error' in capf) throw new CtiError('BAD_INPUT', capf.error);
  return capf;
}

export async function ctlFetch(core: CoreContext, args: string[], out: Output): Promise<CommandResult> {
  const opts = parseCommandOptions(args, { tftp: { type: 'string', multiple: true }, capf: { type: 'string' } }, 'ctl fetch');
  const servers = requireOption(opts.tftp, '--tftp', 'HOST[:PORT], one or more, tried in order');
  // The CAPF address names the CTLCAPF<hex>.tlv file; without it only CTLFile.tlv is asked for.
  const capf = opts.capf === undefined ? undefined : parseCapf(opts.capf);
  const store = await core.trustStore(core.layout.defaultCertificateDir);
  out.progress(`Downloading the CTL from ${servers.join(', ')}`);
  const update = await updateTrustedCtl({ servers, ...(capf ? { capfHost: capf.host } : {}), store, logger: core.logger });
  const trustList = describeCtl(update.trusted.ctl, update.trusted);
  const served = `${update.fileName} from ${update.server}`;
  const headline = {
    'first-use': `CTL ${served} trusted on first use.\n${FIRST_USE_WARNING}`,
    unchanged: `CTL ${served} is unchanged.`,
    updated: `CTL ${served} was verified against the trusted CTL and replaces it.`,
  }[update.outcome];
  return {
    value: { outcome: update.outcome, server: update.server, fileName: update.fileName, trustList },
    text: `${headline}\n${formatTrustList(trustList)}`,
  };
}

export async function ctlShow(core: CoreContext, args: string[]): Promise<CommandResult> {
  parseCommandOptions(args, {}, 'ctl show');
  const trusted = await (await core.trustStore(core.layout.defaultCertificateDir)).current();
  if (!trusted) throw new CtiError('CTL_NONE', 'No trusted CTL is stored; run "ctiprefs ctl fetch --tftp HOST" first');
  const trustList = describeCtl(trusted.ctl, trusted);
  return { value: { trustList }, text: formatTrustList(trustList) };
}

export const AUTH_STRING_FLAG_WARNING =
  '--auth-string shows the authentication string to other local users (process list, shell history); use --auth-string-file - and pipe it in';

async function readAuthString(opts: { 'auth-string'?: string; 'auth-string-file'?: string }): Promise<string | undefined> {
  if (opts['auth-string'] !== undefined && opts['auth-string-file'] !== undefined) {
    throw new CtiError('BAD_INPUT', 'Give either --auth-string or --auth-string-file, not both');
  }
  let value = opts['auth-string'];
  const file = opts['auth-string-file'];
  if (file !== undefined) {
    const text = file === '-' ? await readStdin() : await readFile(file, 'utf8').catch(() => {
      throw new CtiError('BAD_INPUT', `--auth-string-file: cannot read "${file}"`);
    });
    value = text.replace(/\r?\n$/, '');
  }
  if (value === undefined) throw new CtiError('BAD_INPUT', '--auth-string DIGITS or --auth-string-file FILE|- is required: 4 to 10 digits');
  const error = checkAuthString(value);
  if (error) throw new CtiError('BAD_INPUT', `--auth-string: ${error}`);
  return value;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length;
    if (size > 1024) throw new CtiError('BAD_INPUT', '--auth-string-file -: standard input is longer than an authentication string');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The CLI's profile for a user + instance pair: reused when it exists, so the app shows the same status. */
function profileIdFor(user: string, instanceId: string): string {
  return `cli-${createHash('sha256').update(`${user}\0${instanceId}`).digest('hex').slice(0, 12)}`;
}

export async function enroll(core: CoreContext, args: string[], out: Output): Promise<CommandResult> {
  const opts = parseCommandOptions(
    args,
    {
      tftp: { type: 'string', multiple: true },
      capf: { type: 'string' },
      user: { type: 'string' },
      'instance-id': { type: 'string' },
      'auth-string': { type: 'string' },
      'auth-string-file': { type: 'string' },
      retries: { type: 'string' },
      'retry-interval': { type: 'string' },
      'device-name': { type: 'string' },
    },
    'enroll',
  );
  const tftp = requireOption(opts.tftp, '--tftp', 'HOST[:PORT], one or more, tried in order');
  const capf = parseCapf(requireOption(opts.capf, '--capf', 'HOST[:PORT], port 3804 by default'));
  const user = requireOption(opts.user, '--user', 'the CTI application or end user name');
  const instanceId = requireOption(opts['instance-id'], '--instance-id', '1 to 128 letters or digits');
  const instanceError = checkInstanceId(instanceId);
  if (instanceError) throw new CtiError('BAD_INPUT', `--instance-id: ${instanceError}`);
  const authString = await readAuthString(opts);
  if (opts['auth-string'] !== undefined) out.warn(AUTH_STRING_FLAG_WARNING);

  const id = profileIdFor(user, instanceId);
  const existing = (await core.settings.read()).profiles.find((p) => p.id === id);
  const profile: Profile = {
    ...(existing ?? defaultProfile(id)),
    userName: user,
    instanceId,
    tftpServers: tftp,
    capfHost: capf.host,
    capfPort: capf.port,
    retries: parseRetries(opts.retries),
    retryInterval: parseRetryInterval(opts['retry-interval']),
    deviceNameTemplate: opts['device-name'] ?? existing?.deviceNameTemplate ?? DEFAULT_DEVICE_NAME_TEMPLATE,
  };
  await core.settings.upsertProfile(profile);
  let ctl: EnrollmentCtl | undefined;
  const status = await enrollCertificate(core, {
    profile,
    ...(authString ? { authString } : {}),
    onProgress: (_status, message) => out.progress(message),
    onCtl: (used) => {
      ctl = used;
    },
  });
  const certs = (await (await core.certificateStore(core.dirOf(profile))).list()).filter((c) => c.instanceId === instanceId);
  const ctlLine = ctl ? `CTL ${ctl.fileName} from ${ctl.server}: ${ctl.outcome}\n` : '';
  return {
    value: { profileId: id, status, ctl: ctl ?? null, certificate: certs[0] ?? null },
    text: `${ctlLine}Enrolled instance ${instanceId}: ${status.state === 'succeeded' ? status.outcome : status.state}\n${formatCertificates(certs as never)}`,
  };
}

export async function certsList(core: CoreContext, args: string[]): Promise<CommandResult> {
  parseCommandOptions(args, {}, 'certs list');
  const settings = await core.settings.read();
  const dirs = core.certificateDirs(settings.profiles);
  const certificates = [];
  const expiryWarningDays = expiryWarningDaysOf(settings);
  for (const dir of dirs) certificates.push(...(await (await core.certificateStore(dir)).list(new Date(), expiryWarningDays)));
  return { value: { certificates, expiryWarningDays }, text: formatCertificates(certificates as never, expiryWarningDays) };
}

/** A PKCS#12 export is encrypted with a password from the environment, never from a flag (process lists show flags). */
function exportPassword(env: NodeJS.ProcessEnv): string {
  const password = env.CTIPREFS_EXPORT_PASSWORD;
  if (!password || password.length < 8) {
    throw new CtiError('BAD_INPUT', '--format p12 needs the export password in CTIPREFS_EXPORT_PASSWORD (at least 8 characters)');
  }
  return password;
}

export async function certsExport(core: CoreContext, args: string[]): Promise<CommandResult> {
  const opts = parseCommandOptions(
    args,
    { 'instance-id': { type: 'string' }, out: { type: 'string' }, format: { type: 'string', default: 'pem' } },
    'certs export',
  );
  const instanceId = requireOption(opts['instance-id'], '--instance-id', '1 to 128 letters or digits');
  const instanceError = checkInstanceId(instanceId);
  if (instanceError) throw new CtiError('BAD_INPUT', `--instance-id: ${instanceError}`);
  const outPath = requireOption(opts.out, '--out', 'the file to write');
  if (opts.format !== 'pem' && opts.format !== 'p12') throw new CtiError('BAD_INPUT', `--format must be pem or p12, got "${opts.format}"`);
  const settings = await core.settings.read();
  const dirs = core.certificateDirs(settings.profiles);
  for (const dir of dirs) {
    const store = await core.certificateStore(dir);
    if (!(await store.loadCertificate(instanceId))) continue;
    if (opts.format === 'pem') await writeFileAtomic(outPath, await store.exportPem(instanceId), 0o644);
    else await store.exportP12(instanceId, outPath, exportPassword(core.env));
    return { value: { instanceId, out: outPath, format: opts.format }, text: `Wrote ${opts.format.toUpperCase()} for ${instanceId} to ${outPath}` };
  }
  throw new CtiError('KEYSTORE', `No certificate is stored for instance ID "${instanceId}"`);
}

export async function status(core: CoreContext, args: string[]): Promise<CommandResult> {
  parseCommandOptions(args, {}, 'status');
  const all = await core.status.all();
  const text = Object.entries(all).map(([id, s]) => `${id}: ${s.state}${s.state === 'failed' ? ` ${s.code}: ${s.message}` : ''}`).join('\n');
  return { value: { status: all }, text: text || 'No certificate operations yet.' };
}

export async function resume(core: CoreContext, args: string[], out: Output): Promise<CommandResult> {
  parseCommandOptions(args, {}, 'resume');
  const results = await resumeInterruptedEnrollments(core, (id, _s, message) => out.progress(`${id}: ${message}`));
  const text = results.map((r) => `${r.profileId}: ${r.status.state}`).join('\n');
  return { value: { resumed: results }, text: text || 'Nothing to resume.' };
}

