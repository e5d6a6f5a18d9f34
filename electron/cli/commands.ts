/** The `ctiprefs` commands on top of the core; each returns its JSON result and its text. */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CtiError } from '../../shared/errors.ts';
import { checkAuthString, checkExportPassword, checkInstanceId, DEFAULT_CAPF_PORT, DEFAULT_DEVICE_NAME_TEMPLATE, DEFAULT_TFTP_PORT, INSTANCE_ID_RULE, parseEndpoint, parseSha256Fingerprint, RETRIES, RETRY_INTERVAL_S } from '../../shared/fields.ts';
import { checkTftpServers, defaultProfile, expiryWarningDaysOf, type Profile } from '../../shared/profile.ts';
import type { CoreContext } from '../core/context.ts';
import { updateTrustedCtl } from '../core/ctl-update.ts';
import { describeCtl } from '../core/ctl/describe.ts';
import type { EnrollmentCtl } from '../core/enroll.ts';
import { listCertificates, storeHolding, type CertificateWhere } from '../core/certificates.ts';
import { forgetTrustedCtl } from '../core/ctl-forget.ts';
import { writeFileAtomic } from '../core/fs/atomic-file.ts';
import { CertificateOperations } from '../core/operations.ts';
import { fileSystemError } from '../core/fs/fs-errors.ts';
import { parseCommandOptions, parseRetries, parseRetryInterval, parseSkipIfValidDays, parseStartWithin, requireOption } from './args.ts';
import { waitBeforeStart } from './start-delay.ts';
import { describeCertificate, type CertificateDetails } from '../core/keystore/certificate-details.ts';
import { beginKeystoreKeysAhead, type StoredCertificate } from '../core/keystore/certificate-store.ts';
import { folderId } from '../core/paths.ts';
import { integrityKey } from '../core/keystore/vault.ts';
import { FIRST_USE_WARNING, formatCertificates, formatTrustList } from './format.ts';
import { readSecretInput } from './secret-input.ts';
import type { FirstUseRule } from '../core/ctl/trust-store.ts';
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

const EXPECT_SIGNER_OPTION = { 'expect-signer-fingerprint': { type: 'string' } } as const;

/** `--expect-signer-fingerprint SHA256`: no trust on first use, the first CTL must have this signer. */
function firstUseRule(text: string | undefined): FirstUseRule {
  if (text === undefined) return {};
  const parsed = parseSha256Fingerprint(text, '--expect-signer-fingerprint');
  if (typeof parsed !== 'string') throw new CtiError('BAD_INPUT', parsed.error);
  return { expectedSignerFingerprintSha256: parsed };
}

export async function ctlFetch(core: CoreContext, args: string[], out: Output): Promise<CommandResult> {
  const opts = parseCommandOptions(args, { tftp: { type: 'string', multiple: true }, capf: { type: 'string' }, ...EXPECT_SIGNER_OPTION }, 'ctl fetch');
  const servers = tftpServersOption(opts.tftp);
  const firstUse = firstUseRule(opts['expect-signer-fingerprint']);
  // The CAPF address names the CTLCAPF<hex>.tlv file; without it only CTLFile.tlv is asked for.
  const capf = opts.capf === undefined ? undefined : parseCapf(opts.capf);
  const store = await core.trustStore(core.layout.defaultCertificateDir);
  out.progress(`Downloading the CTL from ${servers.join(', ')}`);
  const update = await updateTrustedCtl({ servers, ...(capf ? { capfHost: capf.host } : {}), store, logger: core.logger, firstUse });
  const trustList = describeCtl(update.trusted.ctl, update.trusted);
  const served = `${update.fileName} from ${update.server}`;
  const headline = {
    'first-use': update.trusted.trustedOnFirstUse
      ? `CTL ${served} trusted on first use.\n${FIRST_USE_WARNING}`
      : `CTL ${served} trusted: its signer has the expected fingerprint.`,
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
    value = await readSecretInput(file, AUTH_STRING_INPUT);
  }
  if (value === undefined) throw new CtiError('BAD_INPUT', '--auth-string DIGITS or --auth-string-file FILE|- is required: 4 to 10 digits');
  const error = checkAuthString(value);
  if (error) throw new CtiError('BAD_INPUT', `--auth-string: ${error}`);
  return value;
}

/** An authentication string is at most 10 digits: more than this is the wrong file, never read whole. */
const AUTH_STRING_INPUT = { flag: '--auth-string-file', maxBytes: 4096, holds: 'the authentication string (4 to 10 digits)' };

/**
 * Ctrl+C or SIGTERM cancels the running operation (status CANCELLED, seal erased, lock released): a user
 * who stops a command does not want it resumed at the next start, as a crash would be.
 */
export async function whileCancellable<T>(operations: CertificateOperations, run: () => Promise<T>): Promise<T> {
  const cancel = () => void operations.close();
  process.once('SIGINT', cancel);
  process.once('SIGTERM', cancel);
  try {
    return await run();
  } finally {
    process.off('SIGINT', cancel);
    process.off('SIGTERM', cancel);
  }
}

/** The CLI's profile for a user + instance pair: reused when it exists, so the app shows the same status. */
function profileIdFor(user: string, instanceId: string): string {
  return `cli-${createHash('sha256').update(`${user}\0${instanceId}`).digest('hex').slice(0, 12)}`;
}

const ENROLL_OPTIONS = {
  profile: { type: 'string' },
  tftp: { type: 'string', multiple: true },
  capf: { type: 'string' },
  user: { type: 'string' },
  'instance-id': { type: 'string' },
  'auth-string': { type: 'string' },
  'auth-string-file': { type: 'string' },
  retries: { type: 'string' },
  'retry-interval': { type: 'string' },
  'device-name': { type: 'string' },
  'skip-if-valid': { type: 'string' },
  'start-within': { type: 'string' },
  ...EXPECT_SIGNER_OPTION,
} as const;

type EnrollOpts = ReturnType<typeof parseCommandOptions<typeof ENROLL_OPTIONS>>;

/** The profile fields the flags give, each checked with an error that names its flag. */
function profileFlags(opts: EnrollOpts): Partial<Omit<Profile, 'id'>> {
  const capf = opts.capf === undefined ? undefined : parseCapf(opts.capf);
  if (opts['instance-id'] !== undefined) {
    const instanceError = checkInstanceId(opts['instance-id']);
    if (instanceError) throw new CtiError('BAD_INPUT', `--instance-id: ${instanceError}`);
  }
  return {
    ...(opts.tftp === undefined ? {} : { tftpServers: tftpServersOption(opts.tftp) }),
    ...(capf ? { capfHost: capf.host, capfPort: capf.port } : {}),
    ...(opts.user === undefined ? {} : { userName: opts.user }),
    ...(opts['instance-id'] === undefined ? {} : { instanceId: opts['instance-id'] }),
    ...(opts.retries === undefined ? {} : { retries: parseRetries(opts.retries) }),
    ...(opts['retry-interval'] === undefined ? {} : { retryInterval: parseRetryInterval(opts['retry-interval']) }),
    ...(opts['device-name'] === undefined ? {} : { deviceNameTemplate: opts['device-name'] }),
  };
}

/** What to run: a saved profile with this run's flags on top (not saved), or the CLI's own profile for the flags (saved). */
async function enrollTarget(core: CoreContext, opts: EnrollOpts): Promise<{ profile: Profile; upsert?: Profile; overrides?: Partial<Omit<Profile, 'id'>> }> {
  const flags = profileFlags(opts);
  if (opts.profile !== undefined) {
    const { profiles } = await core.settings.read();
    const saved = profiles.find((p) => p.id === opts.profile);
    if (!saved) {
      const known = profiles.map((p) => p.id).join(', ') || 'none (see "ctiprefs profiles list")';
      throw new CtiError('BAD_INPUT', `--profile: no profile with id "${opts.profile}"; profiles: ${known}`);
    }
    // Asking for a certificate is asking for the secure connection it is for.
    const overrides = { ...flags, secureConnection: true };
    return { profile: { ...saved, ...overrides }, overrides };
  }
  const tftp = requireOption(flags.tftpServers, '--tftp', 'HOST[:PORT], one or more, tried in order (or --profile ID)');
  requireOption(flags.capfHost, '--capf', 'HOST[:PORT], port 3804 by default');
  const user = requireOption(flags.userName, '--user', 'the CTI application or end user name');
  const instanceId = requireOption(flags.instanceId, '--instance-id', INSTANCE_ID_RULE);
  const id = profileIdFor(user, instanceId);
  const existing = (await core.settings.read()).profiles.find((p) => p.id === id);
  const profile: Profile = {
    ...(existing ?? defaultProfile(id)),
    ...flags,
    tftpServers: tftp,
    retries: flags.retries ?? RETRIES.default,
    retryInterval: flags.retryInterval ?? RETRY_INTERVAL_S.default,
    deviceNameTemplate: flags.deviceNameTemplate ?? existing?.deviceNameTemplate ?? DEFAULT_DEVICE_NAME_TEMPLATE,
    secureConnection: true,
  };
  return { profile, upsert: profile };
}

/** The stored certificate of the profile's instance when it is valid now and for at least `days` more days. */
async function certificateValidFor(core: CoreContext, profile: Profile, days: number): Promise<CertificateDetails | null> {
  const store = await core.certificateStore(core.dirOf(profile));
  const stored = await store.loadCertificate(profile.instanceId);
  if (!stored) return null;
  const details = describeCertificate(stored);
  const started = new Date(details.validFrom).getTime() <= Date.now();
  return started && !details.expired && details.daysLeft >= days ? details : null;
}

export async function enroll(core: CoreContext, args: string[], out: Output): Promise<CommandResult> {
  const opts = parseCommandOptions(args, ENROLL_OPTIONS, 'enroll');
  const firstUse = firstUseRule(opts['expect-signer-fingerprint']);
  const skipIfValid = parseSkipIfValidDays(opts['skip-if-valid']);
  const startWithin = parseStartWithin(opts['start-within']);
  // Opened while the profile is looked up: whatever the run does next needs the vault (or to know there is
  // none) and its integrity key, which without a vault takes a PBKDF2 of CTIPREFS_KEYSTORE_PASSWORD.
  core.vault().then(integrityKey).catch(() => undefined);
  // Not for --skip-if-valid, which mostly enrolls nothing: begun once it has decided to enroll.
  if (skipIfValid === undefined) beginKeystoreKeysAhead();
  const { profile, upsert, overrides } = await enrollTarget(core, opts);
  const { id, instanceId } = profile;
  const authString = await readAuthString(opts);
  if (opts['auth-string'] !== undefined) out.warn(AUTH_STRING_FLAG_WARNING);

  if (skipIfValid !== undefined) {
    const valid = await certificateValidFor(core, profile, skipIfValid);
    if (valid) {
      return {
        value: { skipped: true, profileId: id, instanceId, certificate: valid },
        text: `Skipped: the certificate of instance ${instanceId} is valid for ${valid.daysLeft} more days (until ${valid.validTo}; --skip-if-valid ${skipIfValid}). CAPF was not contacted.`,
      };
    }
    beginKeystoreKeysAhead();
  }
  if (startWithin) await waitBeforeStart(startWithin, (line) => out.progress(line));

  const operations = new CertificateOperations(core);
  operations.onProgress((event) => out.progress(event.message));
  let ctl: EnrollmentCtl | undefined;
  const onCtl = (used: EnrollmentCtl) => {
    ctl = used;
  };
  // What the keystore now holds, described from the enrollment's own certificate rather than opened again.
  let certificate: Buffer | undefined;
  const onCertificate = (der: Buffer) => {
    certificate = der;
  };
  const request = {
    profileId: id,
    ...(authString ? { authString } : {}),
    ...(upsert ? { upsert } : {}),
    ...(overrides ? { overrides } : {}),
    onCtl,
    onCertificate,
    ...(opts['expect-signer-fingerprint'] === undefined ? {} : { firstUse }),
  };
  const status = await whileCancellable(operations, () => operations.start(request));
  const certs: StoredCertificate[] = certificate ? [{ folderId: folderId(core.dirOf(profile)), instanceId, ...describeCertificate(certificate) }] : [];
  const ctlLine = ctl ? `CTL ${ctl.fileName} from ${ctl.server}: ${ctl.outcome}\n` : '';
  return {
    value: { profileId: id, skipped: false, status, ctl: ctl ?? null, certificate: certs[0] ?? null },
    text: `${ctlLine}Enrolled instance ${instanceId}: ${status.state === 'succeeded' ? status.outcome : status.state}\n${formatCertificates(certs)}`,
  };
}

export async function certsList(core: CoreContext, args: string[]): Promise<CommandResult> {
  parseCommandOptions(args, {}, 'certs list');
  const expiryWarningDays = expiryWarningDaysOf(await core.settings.read());
  const certificates = await listCertificates(core, expiryWarningDays);
  return { value: { certificates, expiryWarningDays }, text: formatCertificates(certificates, expiryWarningDays) };
}

export const FOLDER_OPTION = { folder: { type: 'string' } } as const;

/** `--folder DIR` (relative to the current folder), or every certificate folder of the home. */
export function certificateWhere(folder: string | undefined): CertificateWhere {
  if (folder === undefined) return {};
  if (folder === '') throw new CtiError('BAD_INPUT', '--folder needs a folder path');
  return { dir: resolve(folder) };
}

function requireInstanceId(value: string | undefined): string {
  const instanceId = requireOption(value, '--instance-id', INSTANCE_ID_RULE);
  const instanceError = checkInstanceId(instanceId);
  if (instanceError) throw new CtiError('BAD_INPUT', `--instance-id: ${instanceError}`);
  return instanceId;
}

/** A PKCS#12 export is encrypted with a password from the environment, never from a flag (process lists show flags). */
function exportPassword(env: NodeJS.ProcessEnv): string {
  const password = env.CTIPREFS_EXPORT_PASSWORD ?? '';
  const passwordError = checkExportPassword(password);
  if (passwordError) {
    throw new CtiError('BAD_INPUT', `--format p12 needs the export password in CTIPREFS_EXPORT_PASSWORD (${passwordError})`);
  }
  return password;
}

export async function certsExport(core: CoreContext, args: string[]): Promise<CommandResult> {
  const opts = parseCommandOptions(
    args,
    { 'instance-id': { type: 'string' }, out: { type: 'string' }, format: { type: 'string', default: 'pem' }, ...FOLDER_OPTION },
    'certs export',
  );
  const instanceId = requireInstanceId(opts['instance-id']);
  const outPath = requireOption(opts.out, '--out', 'the file to write');
  if ((await stat(outPath).catch(() => null))?.isDirectory()) throw new CtiError('BAD_INPUT', `--out ${outPath} is a folder; give the path of the file to write`);
  if (opts.format !== 'pem' && opts.format !== 'p12') throw new CtiError('BAD_INPUT', `--format must be pem or p12, got "${opts.format}"`);
  const store = await storeHolding(core, instanceId, certificateWhere(opts.folder));
  if (opts.format === 'pem') {
    const pem = await store.exportPem(instanceId);
    await writeFileAtomic(outPath, pem, 0o644).catch((err: unknown) => {
      throw fileSystemError(err, `Cannot write --out ${outPath}`);
    });
  } else await store.exportP12(instanceId, outPath, exportPassword(core.env));
  return { value: { instanceId, folder: store.dir, out: outPath, format: opts.format }, text: `Wrote ${opts.format.toUpperCase()} for ${instanceId} to ${outPath}` };
}

/** Deletes a keystore and its vault password without opening it, so a lost password is no obstacle. */
export async function certsDelete(core: CoreContext, args: string[]): Promise<CommandResult> {
  const opts = parseCommandOptions(args, { 'instance-id': { type: 'string' }, yes: { type: 'boolean' }, ...FOLDER_OPTION }, 'certs delete');
  const instanceId = requireInstanceId(opts['instance-id']);
  const store = await storeHolding(core, instanceId, certificateWhere(opts.folder));
  if (!opts.yes) {
    throw new CtiError('BAD_INPUT', `certs delete: this removes the certificate and private key of ${instanceId} in ${store.dir}; add --yes to confirm`);
  }
  await store.delete(instanceId);
  return { value: { deleted: { instanceId, folder: store.dir } }, text: `Deleted the certificate of ${instanceId} in ${store.dir}` };
}

/** Forgets the trusted CTL of a folder (the default certificate folder unless --folder). */
export async function ctlForget(core: CoreContext, args: string[]): Promise<CommandResult> {
  const opts = parseCommandOptions(args, FOLDER_OPTION, 'ctl forget');
  const dir = certificateWhere(opts.folder).dir ?? core.layout.defaultCertificateDir;
  const result = await forgetTrustedCtl(core, dir);
  const what = result.signerFingerprintSha256
    ? `the trusted CTL signed by SHA-256 ${result.signerFingerprintSha256}`
    : 'the trusted CTL (it had failed its integrity check)';
  const text = result.forgotten
    ? `Forgot ${what} in ${dir}. The next "ctl fetch" trusts the downloaded CTL on first use.`
    : `No trusted CTL is stored in ${dir}; nothing to forget.`;
  return { value: { folder: dir, ...result }, text };
}

/** How status and resume name a profile: by its user and instance ID, never by the internal profile id. */
function whoIs(profiles: readonly Profile[], profileId: string): { userName: string; instanceId: string } | null {
  const profile = profiles.find((p) => p.id === profileId);
  return profile ? { userName: profile.userName, instanceId: profile.instanceId } : null;
}

const whoText = (who: { userName: string; instanceId: string }) => `user ${who.userName}, instance ID ${who.instanceId}`;

export async function status(core: CoreContext, args: string[]): Promise<CommandResult> {
  parseCommandOptions(args, {}, 'status');
  const [all, { profiles }] = await Promise.all([core.status.all(), core.settings.read()]);
  // A status whose profile is gone is left over (resume erases it): it names no one.
  const rows = Object.entries(all).flatMap(([id, s]) => {
    const who = whoIs(profiles, id);
    return who ? [{ ...who, ...s }] : [];
  });
  const text = rows.map((r) => `${whoText(r)}: ${r.state}${r.state === 'failed' ? ` ${r.code}: ${r.message}` : ''}`).join('\n');
  return { value: { status: rows }, text: text || 'No certificate operations yet.' };
}

export async function resume(core: CoreContext, args: string[], out: Output): Promise<CommandResult> {
  parseCommandOptions(args, {}, 'resume');
  const operations = new CertificateOperations(core);
  const { profiles } = await core.settings.read();
  const named = (profileId: string) => {
    const who = whoIs(profiles, profileId);
    return who ? whoText(who) : 'a removed profile';
  };
  operations.onProgress((event) => out.progress(`${named(event.profileId)}: ${event.message}`));
  const results = await whileCancellable(operations, () => operations.resumeInterrupted());
  const text = results.map((r) => `${named(r.profileId)}: ${r.status.state}`).join('\n');
  return { value: { resumed: results }, text: text || 'Nothing to resume.' };
}

