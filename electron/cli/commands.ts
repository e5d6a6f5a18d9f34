/** The `ctiprefs` commands on top of the core; each returns its JSON result and its text. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { CtiError } from '../../shared/errors.ts';
import { checkAuthString, checkInstanceId, DEFAULT_CAPF_PORT, DEFAULT_DEVICE_NAME_TEMPLATE, DEFAULT_TFTP_PORT, parseEndpoint } from '../../shared/fields.ts';
import { checkTftpServers, defaultProfile, type Profile } from '../../shared/profile.ts';
import type { CoreContext } from '../core/context.ts';
import { updateTrustedCtl } from '../core/ctl-update.ts';
import { describeCtl } from '../core/ctl/describe.ts';
import { enrollCertificate, resumeInterruptedEnrollments, type EnrollmentCtl } from '../core/enroll.ts';
import { writeFileAtomic } from '../core/fs/atomic-file.ts';
import { fileSystemError } from '../core/fs/fs-errors.ts';
import { parseCommandOptions, parseRetries, parseRetryInterval, requireOption } from './args.ts';
import { FIRST_USE_WARNING, formatCertificates, formatTrustList } from './format.ts';
import type { Output } from './output.ts';

export interface CommandResult {
  value: unknown;
  text: string;
}

/** The `--tftp` values, checked by the settings rules with errors that name the flag (not "Profile 2"). */
function tftpServersOption(values: string[] | undefined): string[] {
  const servers = requireOption(values, '--tftp', 'HOST[:PORT], one or more, tried in order');
  for (const text of servers) {
    const parsed = parseEndpoint(text, DEFAULT_TFTP_PORT, '--tftp');
    if ('error' in parsed) throw new CtiError('BAD_INPUT', parsed.error);
  }
  // Each entry is valid now, so only the number of servers can fail the profile rule.
  const countError = checkTftpServers(servers);
  if (countError) throw new CtiError('BAD_INPUT', `--tftp: ${countError}`);
  return servers;
}

function parseCapf(text: string): { host: string; port: number } {
  const capf = parseEndpoint(text, DEFAULT_CAPF_PORT, '--capf');
  if ('error' in capf) throw new CtiError('BAD_INPUT', capf.error);
  return capf;
}

export async function ctlFetch(core: CoreContext, args: string[], out: Output): Promise<CommandResult> {
  const opts = parseCommandOptions(args, { tftp: { type: 'string', multiple: true }, capf: { type: 'string' } }, 'ctl fetch');
  const servers = tftpServersOption(opts.tftp);
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
    const text = await readAuthStringFile(file);
    value = text.replace(/\r?\n$/, '');
  }
  if (value === undefined) throw new CtiError('BAD_INPUT', '--auth-string DIGITS or --auth-string-file FILE|- is required: 4 to 10 digits');
  const error = checkAuthString(value);
  if (error) throw new CtiError('BAD_INPUT', `--auth-string: ${error}`);
  return value;
}

/** An authentication string is at most 10 digits: more than this is the wrong file, never read whole. */
const MAX_AUTH_STRING_FILE_BYTES = 4096;

/** Reads `--auth-string-file FILE|-` up to the cap (a huge file, a device or an endless pipe stops there). */
async function readAuthStringFile(file: string): Promise<string> {
  const what = file === '-' ? 'standard input' : `"${file}"`;
  const input: Readable = file === '-' ? process.stdin : createReadStream(file, { end: MAX_AUTH_STRING_FILE_BYTES });
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of input) {
      size += (chunk as Buffer).length;
      if (size > MAX_AUTH_STRING_FILE_BYTES) {
        throw new CtiError('BAD_INPUT', `--auth-string-file: ${what} is longer than ${MAX_AUTH_STRING_FILE_BYTES} bytes; it must hold only the authentication string (4 to 10 digits)`);
      }
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    if (err instanceof CtiError) throw err;
    throw new CtiError('BAD_INPUT', `--auth-string-file: cannot read ${what} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err });
  } finally {
    if (input !== process.stdin) input.destroy();
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
  const tftp = tftpServersOption(opts.tftp);
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
  for (const dir of dirs) certificates.push(...(await (await core.certificateStore(dir)).list()));
  return { value: { certificates }, text: formatCertificates(certificates as never) };
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
  if ((await stat(outPath).catch(() => null))?.isDirectory()) throw new CtiError('BAD_INPUT', `--out ${outPath} is a folder; give the path of the file to write`);
  if (opts.format !== 'pem' && opts.format !== 'p12') throw new CtiError('BAD_INPUT', `--format must be pem or p12, got "${opts.format}"`);
  const settings = await core.settings.read();
  const dirs = core.certificateDirs(settings.profiles);
  for (const dir of dirs) {
    const store = await core.certificateStore(dir);
    if (!(await store.loadCertificate(instanceId))) continue;
    if (opts.format === 'pem') {
      const pem = await store.exportPem(instanceId);
      await writeFileAtomic(outPath, pem, 0o644).catch((err: unknown) => {
        throw fileSystemError(err, `Cannot write --out ${outPath}`);
      });
    } else await store.exportP12(instanceId, outPath, exportPassword(core.env));
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

