/**
 * `ctiprefs ctios ...`: the CTI OS Security setup programs as commands. The CA password never comes as a
 * flag (process lists show flags): it comes from CTIPREFS_CTIOS_CA_PASSWORD or --password-file FILE|-.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { CtiError, exitCodeOf, type ErrorCode } from '../../shared/errors.ts';
import {
  checkCtiosCaPassword,
  checkCtiosValue,
  CTIOS_CA_PASSWORD_LENGTH,
  CTIOS_CLIENT_VALUES,
  CTIOS_ROLES,
  CTIOS_SETTINGS_ROLES,
  ctiosValueRules,
  describeCtiosRange,
  isCtiosRole,
  isCtiosSettingsRole,
  type CtiosSettings,
  type CtiosSettingsRole,
} from '../../shared/ctios-fields.ts';
import { parseEndpoint } from '../../shared/fields.ts';
import { createCtiosCa } from '../core/ctios/ca.ts';
import { checkCtiosSet, type CheckReport } from '../core/ctios/check.ts';
import { combineCtiosFiles } from '../core/ctios/combine.ts';
import { defaultSubject, parseSubject } from '../core/ctios/distinguished-name.ts';
import { testCtiosConnection, type CtiosTestOutcome } from '../core/ctios/handshake-test.ts';
import { exportCtiosRegistry, importCtiosRegistry, registryKeyOf } from '../core/ctios/registry-settings.ts';
import { MAX_REG_FILE_BYTES } from '../core/ctios/registry-file.ts';
import { createCtiosRequest } from '../core/ctios/request.ts';
import { readCtiosSettings, setCtiosValues, writeCtiosSettings } from '../core/ctios/settings.ts';
import { signCtiosRequest } from '../core/ctios/sign.ts';
import { writeFileAtomic } from '../core/fs/atomic-file.ts';
import { ensurePrivateHome } from '../core/fs/private-folder.ts';
import { parseCommandOptions, requireOption, type OptionSpec } from './args.ts';
import { CA_PASSWORD_ENV } from './ctios-usage.ts';
import type { Output } from './output.ts';
import { readSecretInput } from './secret-input.ts';

const MAX_PASSWORD_INPUT_BYTES = 1024;

interface Outcome {
  value: unknown;
  text: string;
  /** 0, or the exit code of a result that is a failure (a check with errors, a refused test). */
  exit: number;
}

const done = (value: unknown, text: string): Outcome => ({ value, text, exit: 0 });

/** The CA password: --password-file FILE|- (explicit, so it wins) or the environment; 8 to 30 characters. */
async function readCaPassword(file: string | undefined): Promise<string> {
  let password: string | undefined;
  if (file !== undefined) {
    password = await readSecretInput(file, { flag: '--password-file', maxBytes: MAX_PASSWORD_INPUT_BYTES, holds: 'the CA password' });
  } else {
    password = process.env[CA_PASSWORD_ENV];
  }
  if (password === undefined) {
    throw new CtiError(
      'BAD_INPUT',
      `The CA password is required (${CTIOS_CA_PASSWORD_LENGTH.min} to ${CTIOS_CA_PASSWORD_LENGTH.max} characters): set ${CA_PASSWORD_ENV} or give --password-file FILE|- (never a flag)`,
    );
  }
  const error = checkCtiosCaPassword(password);
  if (error) throw new CtiError('BAD_INPUT', error);
  return password;
}

function parseRole<T extends string>(value: string | undefined, allowed: readonly T[], check: (v: unknown) => v is T, fallback?: T): T {
  if (value === undefined && fallback !== undefined) return fallback;
  if (!check(value)) throw new CtiError('BAD_INPUT', `--role must be one of ${allowed.join(', ')}${value === undefined ? '' : `, got "${value}"`}`);
  return value;
}

/** Like parseCommandOptions, for the commands that take positional words (check DIR, settings set N=V). */
function parseWithPositionals<T extends OptionSpec>(args: string[], options: T, command: string) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (err) {
    throw new CtiError('BAD_INPUT', `${command}: ${(err as Error).message.split('\n')[0]} (options: ${Object.keys(options).map((n) => `--${n}`).join(', ')})`);
  }
}

async function caCreate(args: string[]): Promise<Outcome> {
  const opts = parseCommandOptions(args, { out: { type: 'string' }, subject: { type: 'string' }, 'password-file': { type: 'string' } }, 'ctios ca create');
  const out = requireOption(opts.out, '--out', 'the folder for CtiosRoot.pem and CtiosRootCert.pem');
  const password = await readCaPassword(opts['password-file']);
  const ca = await createCtiosCa(out, password, ...(opts.subject ? [parseSubject(opts.subject)] : []));
  return done(
    { keyFile: ca.keyFile, certificateFile: ca.certificateFile, subject: ca.certificate.subject.split('\n').join(', '), notAfter: ca.certificate.validTo, fingerprint256: ca.certificate.fingerprint256 },
    [
      `CA created: ${ca.certificateFile} (public; copy it to every CTI OS client and server)`,
      `and ${ca.keyFile} (the CA's key, encrypted with the CA password: keep it in a safe place).`,
      `SHA-256 ${ca.certificate.fingerprint256}, valid until ${ca.certificate.validTo}.`,
    ].join('\n'),
  );
}

async function request(args: string[]): Promise<Outcome> {
  const opts = parseCommandOptions(args, { role: { type: 'string' }, out: { type: 'string' }, subject: { type: 'string' } }, 'ctios request');
  const role = parseRole(opts.role, CTIOS_ROLES, isCtiosRole);
  const out = requireOption(opts.out, '--out', 'the folder for the key and the request');
  const subject = opts.subject ? parseSubject(opts.subject) : defaultSubject(role);
  const made = await createCtiosRequest(role, out, subject);
  return done(made, [
    `Request: ${made.requestFile}`,
    `Key:     ${made.keyFile} (unencrypted, readable only by you; CTI OS reads it as is)`,
    `Next: copy both to the CA machine and run "ctiprefs ctios sign", or send ${basename(made.requestFile)} alone to a third-party CA and run "ctiprefs ctios combine".`,
  ].join('\n'));
}

async function sign(args: string[]): Promise<Outcome> {
  const opts = parseCommandOptions(
    args,
    { ca: { type: 'string' }, request: { type: 'string' }, out: { type: 'string' }, role: { type: 'string' }, 'password-file': { type: 'string' } },
    'ctios sign',
  );
  const caDir = requireOption(opts.ca, '--ca', 'the folder with CtiosRoot.pem and CtiosRootCert.pem');
  const requestFile = requireOption(opts.request, '--request', 'CtiosClientreq.pem or CtiosServerReq.pem, with its key beside it');
  const out = requireOption(opts.out, '--out', 'the folder for CtiosClient.pem or CtiosServer.pem');
  const role = opts.role === undefined ? undefined : parseRole(opts.role, ['client', 'server'] as const, (v): v is 'client' | 'server' => v === 'client' || v === 'server');
  const password = await readCaPassword(opts['password-file']);
  const signed = await signCtiosRequest({ caDir, password, requestFile, outDir: out, ...(role ? { role } : {}) });
  return done(signed, [
    `Signed: ${signed.file} (certificate, then key) for ${signed.subject}, valid until ${signed.notAfter}.`,
    `Copy it with CtiosRootCert.pem to the ${signed.role === 'server' ? 'CTI OS server' : 'CTI OS client'}, then delete the key, request and ${basename(signed.file)} here.`,
  ].join('\n'));
}

async function combine(args: string[]): Promise<Outcome> {
  const opts = parseCommandOptions(
    args,
    { cert: { type: 'string' }, key: { type: 'string' }, out: { type: 'string' }, cleanup: { type: 'boolean', default: false } },
    'ctios combine',
  );
  const combined = await combineCtiosFiles({
    certificateFile: requireOption(opts.cert, '--cert', 'CtiosClientCert.pem or CtiosServerCert.pem from the third-party CA'),
    keyFile: requireOption(opts.key, '--key', 'CtiosClientkey.pem or CtiosServerKey.pem'),
    outFile: requireOption(opts.out, '--out', 'CtiosClient.pem or CtiosServer.pem'),
    cleanup: opts.cleanup,
  });
  const lines = [`Combined: ${combined.file} (certificate, then key) for ${combined.subject}, issued by ${combined.issuer}.`];
  lines.push(combined.deleted.length > 0 ? `Deleted: ${combined.deleted.join(', ')}` : `The procedure deletes ${opts.cert} and ${opts.key} now: run again with --cleanup, or delete them yourself.`);
  return done(combined, lines.join('\n'));
}

function formatCheck(report: CheckReport): string {
  const lines = [`CTI OS ${report.role} set in ${report.dir}: ${report.ok ? 'usable' : 'NOT usable'}`];
  for (const file of report.files) {
    lines.push(`  ${file.name}: ${file.present ? `present${file.subject ? `, ${file.subject}, valid until ${file.validTo}` : ''}` : 'missing'}`);
  }
  for (const finding of report.findings) lines.push(`  ${finding.severity} ${finding.finding}: ${finding.message}`);
  return lines.join('\n');
}

async function check(args: string[]): Promise<Outcome> {
  const { values, positionals } = parseWithPositionals(args, { role: { type: 'string' } }, 'ctios check');
  if (positionals.length !== 1) throw new CtiError('BAD_INPUT', 'ctios check needs one folder: ctiprefs ctios check DIR [--role client|server]');
  const role = parseRole(values.role as string | undefined, CTIOS_ROLES, isCtiosRole, 'client');
  const report = await checkCtiosSet(positionals[0]!, role);
  return { value: report, text: formatCheck(report), exit: report.ok ? 0 : exitCodeOf('CTIOS_SET_INVALID') };
}

const TEST_FAILURE_CODE: Record<Exclude<CtiosTestOutcome, 'connected'>, ErrorCode> = {
  'server-not-signed-by-ca': 'TLS_UNTRUSTED',
  'client-refused': 'CERT_REJECTED',
  'handshake-too-slow': 'NETWORK_TIMEOUT',
  'connect-timeout': 'NETWORK_TIMEOUT',
  unreachable: 'NETWORK_UNREACHABLE',
  'handshake-failed': 'NETWORK_UNREACHABLE',
};

/** A HandShakeTime given on the command line, checked by the client setting's rule. */
export function parseHandShakeTime(text: string | undefined, flag: string): number {
  const rule = CTIOS_CLIENT_VALUES.HandShakeTime;
  if (text === undefined) return rule.default;
  const value = /^\d{1,10}$/.test(text) ? Number(text) : Number.NaN;
  const error = checkCtiosValue('HandShakeTime', rule, value);
  if (error) throw new CtiError('BAD_INPUT', `${flag}: ${error}, got "${text}"`);
  return value;
}

async function test(home: string, args: string[]): Promise<Outcome> {
  const opts = parseCommandOptions(args, { server: { type: 'string' }, dir: { type: 'string' }, 'handshake-time': { type: 'string' } }, 'ctios test');
  const endpoint = parseEndpoint(requireOption(opts.server, '--server', 'HOST:PORT of the CTI OS server'), 0, '--server');
  if ('error' in endpoint) throw new CtiError('BAD_INPUT', endpoint.error);
  if (endpoint.port === 0) throw new CtiError('BAD_INPUT', '--server must be HOST:PORT (CTI OS has no fixed port)');
  const dir = requireOption(opts.dir, '--dir', 'the folder with CtiosClient.pem and CtiosRootCert.pem');
  // The client's HandShakeTime from its settings, unless this test tries another.
  const override = opts['handshake-time'];
  const handShakeTimeSeconds = override === undefined ? (await readCtiosSettings(home)).client.values.HandShakeTime : parseHandShakeTime(override, '--handshake-time');
  const result = await testCtiosConnection({ host: endpoint.host, port: endpoint.port, dir, handShakeTimeSeconds });
  return { value: result, text: `${result.ok ? 'OK' : 'FAILED'} ${result.outcome}: ${result.message}`, exit: result.ok ? 0 : exitCodeOf(TEST_FAILURE_CODE[result.outcome as Exclude<CtiosTestOutcome, 'connected'>]) };
}

function formatSettings(settings: CtiosSettings, roles: readonly CtiosSettingsRole[]): string {
  const lines: string[] = [];
  for (const role of roles) {
    let key: string;
    try {
      key = registryKeyOf(settings, role);
    } catch {
      key = '(InstanceName not set)';
    }
    lines.push(`${role}: [${key}]`);
    for (const [name, rule] of Object.entries(ctiosValueRules(role))) {
      const value = (settings[role].values as Record<string, number>)[name];
      lines.push(`  ${name} = ${value}   (${describeCtiosRange(rule)}; default ${rule.default})`);
    }
  }
  return lines.join('\n');
}

async function settingsCommand(home: string, args: string[]): Promise<Outcome> {
  const [action, ...rest] = args;
  const { values, positionals } = parseWithPositionals(rest, { role: { type: 'string' }, reg: { type: 'string' } }, `ctios settings ${action ?? ''}`.trim());
  const roleText = values.role as string | undefined;
  const reg = values.reg as string | undefined;
  const role = parseRole(roleText, CTIOS_SETTINGS_ROLES, isCtiosSettingsRole, 'client');
  if (action !== 'set' && positionals.length > 0) throw new CtiError('BAD_INPUT', `ctios settings ${action}: unexpected "${positionals.join(' ')}"`);
  ensurePrivateHome(home);
  const current = await readCtiosSettings(home);
  switch (action) {
    case 'show': {
      const roles = roleText === undefined ? CTIOS_SETTINGS_ROLES : [role];
      return done(current, formatSettings(current, roles));
    }
    case 'set': {
      if (positionals.length === 0) throw new CtiError('BAD_INPUT', 'ctios settings set needs NAME=VALUE, e.g. HandShakeTime=10');
      const changes: Record<string, string> = {};
      for (const assignment of positionals) {
        const eq = assignment.indexOf('=');
        if (eq <= 0) throw new CtiError('BAD_INPUT', `ctios settings set: "${assignment}" is not NAME=VALUE`);
        changes[assignment.slice(0, eq)] = assignment.slice(eq + 1);
      }
      const next = setCtiosValues(current, role, changes);
      await writeCtiosSettings(home, next);
      return done(next, formatSettings(next, [role]));
    }
    case 'export': {
      const file = requireOption(reg, '--reg', 'the .reg file to write');
      const bytes = exportCtiosRegistry(current, role);
      await writeFileAtomic(file, bytes, 0o644);
      return done({ file, key: registryKeyOf(current, role), values: current[role].values }, `Wrote ${file}: [${registryKeyOf(current, role)}] with ${Object.keys(current[role].values).join(', ')}`);
    }
    case 'import': {
      const file = requireOption(reg, '--reg', 'the .reg file to read');
      const bytes = await readFile(file).catch((err: NodeJS.ErrnoException) => {
        throw new CtiError('BAD_INPUT', `--reg: cannot read "${file}" (${err.code ?? 'error'})`);
      });
      if (bytes.length > MAX_REG_FILE_BYTES) throw new CtiError('BAD_INPUT', `--reg: ${file} is larger than ${MAX_REG_FILE_BYTES} bytes`);
      const imported = importCtiosRegistry(bytes, file, role, current);
      await writeCtiosSettings(home, imported.settings);
      const ignored = imported.ignored.length > 0 ? `\nIgnored (not CTI OS security values): ${imported.ignored.join(', ')}` : '';
      return done(
        { key: imported.key, imported: imported.imported, ignored: imported.ignored, settings: imported.settings },
        `Imported ${imported.imported.join(', ') || 'nothing'} from [${imported.key}]${ignored}\n${formatSettings(imported.settings, [role])}`,
      );
    }
    default:
      throw new CtiError('BAD_INPUT', `ctios settings needs one of show, set NAME=VALUE..., export --reg FILE, import --reg FILE; got "${action ?? ''}"`);
  }
}


/** Runs one `ctios` command; returns the exit code (a failed check or test prints its result and fails). */
export async function ctios(home: string, args: string[], out: Output): Promise<number> {
  const [first, second] = args;
  let outcome: Outcome;
  if (first === 'ca' && second === 'create') outcome = await caCreate(args.slice(2));
  else if (first === 'request') outcome = await request(args.slice(1));
  else if (first === 'sign') outcome = await sign(args.slice(1));
  else if (first === 'combine') outcome = await combine(args.slice(1));
  else if (first === 'check') outcome = await check(args.slice(1));
  else if (first === 'test') outcome = await test(home, args.slice(1));
  else if (first === 'settings') outcome = await settingsCommand(home, args.slice(1));
  else throw new CtiError('BAD_INPUT', `Unknown command "ctios ${args.join(' ')}"; commands: ca create, request, sign, combine, check, test, settings`);
  out.result(outcome.value, outcome.text);
  return outcome.exit;
}
