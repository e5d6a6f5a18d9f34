/** The `ctiprefs` command line: the same core as the desktop app, for agents' deployment scripts. */
// Only light modules load up front: `--help` and `--version` must start as fast as Node itself, so each
// command's module (pkijs, the vault binding, the lab) is imported when that command runs.
import packageJson from '../package.json' with { type: 'json' };
import { CtiError, toCtiError } from '../shared/errors.ts';
import { splitGlobal } from './cli/args.ts';
import type { CommandResult } from './cli/commands.ts';
import { CTIOS_USAGE } from './cli/ctios-usage.ts';
import { createOutput, type Output } from './cli/output.ts';
import type { CoreContext } from './core/context.ts';
import { defaultHome } from './core/paths.ts';
import { HELP_FLAGS, keyPairAheadWanted } from '../bin/launch-args.cjs';
import { beginKeyPairAtStart, type BegunKeyPair } from './core/pki/key-pair-ahead.ts';

export const VERSION: string = packageJson.version;

interface Invocation {
  /** --home as given; undefined when the command should pick its own default. */
  homeOption: string | undefined;
  args: string[];
  out: Output;
}

interface Command {
  /** The command line after `ctiprefs `, one or more lines. */
  usage: string;
  /** What it does, in one sentence. */
  about: string;
  /** Work begun before the command's modules load (they take a good part of a short run). */
  begin?(args: string[], launch: Launch): void;
  run(invocation: Invocation): Promise<number>;
}

/** What the launcher (bin/ctiprefs.cjs) began before it loaded the CLI. */
export interface Launch {
  /** The RSA key pair of an `enroll` run, begun before the CLI loaded (bin/launch-args.cjs says when). */
  keyPairBegun?: BegunKeyPair;
}

type CoreCommand = (core: CoreContext, args: string[], out: Output) => Promise<CommandResult>;

/** A command on top of the core of one home folder; `load` imports its module only when it runs. */
function coreCommand(usage: string, about: string, load: () => Promise<CoreCommand>, begin?: Command['begin']): Command {
  return {
    usage,
    about,
    ...(begin ? { begin } : {}),
    async run({ homeOption, args, out }) {
      const [command, { openCore }] = await Promise.all([load(), import('./core/context.ts')]);
      const result = await command(openCore({ home: homeOption ?? defaultHome() }), args, out);
      out.result(result.value, result.text);
      return 0;
    },
  };
}

const commands = () => import('./cli/commands.ts');
const labCommands = () => import('./cli/lab-commands.ts');
const refusedCommands = () => import('./cli/ctl-refused-commands.ts');
const settingsCommands = () => import('./cli/settings-commands.ts');

const COMMANDS: Record<string, Command> = {
  'ctl fetch': coreCommand(
    '[--home DIR] [--json] ctl fetch --tftp HOST[:PORT] [--tftp HOST[:PORT] ...] [--capf HOST[:PORT]] [--expect-signer-fingerprint SHA256]',
    'Downloads the trust list from the TFTP servers in order (as CTLCAPF<hex>.tlv first when --capf is given, then CTLFile.tlv): trusted on first use, later verified against the trusted CTL.',
    async () => (await commands()).ctlFetch,
  ),
  'ctl show': coreCommand('[--home DIR] [--json] ctl show', 'Shows the trusted CTL, its signer and its records.', async () => (await commands()).ctlShow),
  'ctl forget': coreCommand(
    '[--home DIR] [--json] ctl forget [--folder DIR]',
    'Forgets the trusted CTL of a certificate folder (the way out after CTL_TAMPERED): the next fetch is a first use.',
    async () => (await commands()).ctlForget,
  ),
  'ctl refused': coreCommand(
    '[--home DIR] [--json] ctl refused [--folder DIR]',
    'Shows the refused CTL updates kept aside (the last 3) beside the trusted CTL: signers, hashes, timestamps, records added, removed and changed.',
    async () => (await refusedCommands()).ctlRefused,
  ),
  'ctl adopt': coreCommand(
    '[--home DIR] [--json] ctl adopt --fingerprint SHA256 [--sha256 FILE_SHA256] [--folder DIR]',
    "Trusts the refused CTL with the newest timestamp whose signer has this SHA-256 fingerprint (any case, colons optional), or with --sha256 the kept one with that file SHA-256 (as ctl refused shows it); when none fits, exit 3 naming each kept list's signer, and nothing changes.",
    async () => (await refusedCommands()).ctlAdopt,
  ),
  enroll: coreCommand(
    `[--home DIR] [--json] enroll (--profile ID | --tftp HOST[:PORT]... --capf HOST[:PORT] --user NAME --instance-id ID)
         (--auth-string-file FILE|- | --auth-string DIGITS)
         [--retries 0-3] [--retry-interval 0-15] [--device-name TEMPLATE] [--expect-signer-fingerprint SHA256]
         [--skip-if-valid DAYS] [--start-within SECONDS]`,
    'Enrolls a client certificate (LSC) with CAPF and stores it in the keystore of the instance ID. With --profile, the flags given override that profile for this run only; --skip-if-valid 0-3650 exits 0 ("skipped") without contacting CAPF while the stored certificate has that many days left; --start-within 0-3600 first waits a random time up to that many seconds.',
    async () => (await commands()).enroll,
    (args, { keyPairBegun }) => {
      if (keyPairAheadWanted(args)) beginKeyPairAtStart(keyPairBegun);
    },
  ),
  'import jtapi': coreCommand(
    '[--home DIR] [--json] import jtapi FILE [--dry-run] [--enroll]',
    "Creates a profile for each SecurityProperty record of a JTAPI jtapi.ini (auth codes are never stored; --enroll uses each once); --dry-run only shows them.",
    async () => (await import('./cli/import-command.ts')).importCommand('jtapi'),
  ),
  'import genesys': coreCommand(
    '[--home DIR] [--json] import genesys FILE --user NAME [--dry-run] [--enroll]',
    'Creates a profile for each TLS link of a Genesys T-Server for Cisco UCM options export ([link-tls] and each link\'s tls-instance-id); one instance ID on two links is refused.',
    async () => (await import('./cli/import-command.ts')).importCommand('genesys'),
  ),
  'certs list': coreCommand('[--home DIR] [--json] certs list', 'Lists every stored certificate.', async () => (await commands()).certsList),
  'certs export': coreCommand(
    '[--home DIR] certs export --instance-id ID [--folder DIR] --out FILE [--format pem|p12]',
    'Writes the certificate as PEM (never the key), or certificate and key as PKCS#12 encrypted with CTIPREFS_EXPORT_PASSWORD.',
    async () => (await commands()).certsExport,
  ),
  'certs delete': coreCommand(
    '[--home DIR] [--json] certs delete --instance-id ID [--folder DIR] --yes',
    'Deletes a stored certificate and its key without opening the keystore (works when its password is lost).',
    async () => (await commands()).certsDelete,
  ),
  'settings expiry-warning-days': coreCommand(
    '[--home DIR] [--json] settings expiry-warning-days [1-365]',
    'Shows or sets how many days before expiry a certificate is marked as expiring soon (default 30).',
    async () => (await import('./cli/expiry-command.ts')).expiryWarningDaysCommand,
  ),
  'profiles list': coreCommand('[--home DIR] [--json] profiles list', 'Lists the profiles (user, instance ID, servers, certificate folder), the active one marked with *.', async () => (await settingsCommands()).profilesList),
  'settings export': coreCommand(
    '[--home DIR] [--json] settings export [--out FILE]',
    'Writes the settings document (docs/settings.schema.json; never a secret) to FILE, or to stdout.',
    async () => (await settingsCommands()).settingsExport,
  ),
  'settings import': coreCommand(
    '[--home DIR] [--json] settings import FILE|- [--merge]',
    'Replaces the settings with a checked document in one atomic write; --merge adds or replaces its profiles by id instead (an instance ID another profile has is refused).',
    async () => (await settingsCommands()).settingsImport,
  ),
  status: coreCommand('[--home DIR] [--json] status', 'Shows the certificate operation of each profile.', async () => (await commands()).status),
  resume: coreCommand('[--home DIR] [--json] resume', 'Resumes enrollments that were cut short.', async () => (await commands()).resume),
  doctor: {
    usage: '[--home DIR] [--json] doctor [--profile ID | --tftp HOST[:PORT]... [--capf HOST[:PORT]] [--ctimanager HOST[:PORT]]]',
    about: 'Checks, in order, what secure CTI needs (TFTP, trust list, CAPF, CTIManager, the stored certificate, this PC); exit 0 all pass, 7 a warning, 8 a failure.',
    async run({ homeOption, args, out }) {
      return (await import('./cli/doctor-command.ts')).doctorCommand(homeOption ?? defaultHome(), args, out);
    },
  },
  'support-bundle': coreCommand(
    '[--home DIR] [--json] support-bundle --out FILE',
    'Writes one file for support: version, OS, paths, settings, status and history, trust list and certificate summaries, doctor result, last log lines; never a secret or a key.',
    async () => (await import('./cli/support-bundle-command.ts')).supportBundleCommand,
  ),
  lab: {
    usage: `lab [--dir DIR] [--tftp-port N] [--capf-port N] [--ctimanager-port N] [--profile ID:AUTH[:KEY][:OP]]...
         [--capf-version 1|2|3] [--ctl-names both|ctlfile|ctlcapf|none]
         [--capf-certificate listed|swapped|not-ca] [--compromised ID]...
         [--ctios-dir DIR [--ctios-port N] [--ctios-handshake-time SECONDS]]`,
    about: 'Runs a stand-in cluster (TFTP, CAPF, CTIManager) on loopback until stopped; prints one JSON ready line.',
    async run({ homeOption, args, out }) {
      return (await labCommands()).lab(homeOption ?? defaultHome(), args, out);
    },
  },
  ctios: {
    usage: CTIOS_USAGE.replace(/^ {2}ctiprefs /, ''),
    about: 'Makes, checks and tests the CTI OS certificate set (CA, requests, signing, combining) and its registry settings.',
    async run({ homeOption, args, out }) {
      return (await import('./cli/ctios-commands.ts')).ctios(homeOption ?? defaultHome(), args, out);
    },
  },
  demo: {
    usage: '[--json] demo',
    about: 'Starts the lab in a throwaway home, fetches its CTL, enrolls a certificate and lists it.',
    async run({ homeOption, args, out }) {
      const result = await (await labCommands()).demo(homeOption, args, out);
      out.result(result.value, result.text);
      return 0;
    },
  },
};

export const USAGE = `Usage:
${Object.values(COMMANDS)
  .map((command) => `  ctiprefs ${command.usage}`)
  .join('\n')}
  ctiprefs COMMAND --help | --version

Exit codes: 0 success, 2 bad input, 3 CTL problem, 4 CAPF refused, 5 network, 6 keystore or vault, 7 CTI OS set not usable;
doctor: 0 all checks pass, 7 a warning, 8 a failure.
The keystore password comes from the OS credential vault, or from CTIPREFS_KEYSTORE_PASSWORD.`;

function commandHelp(name: string): string {
  const command = COMMANDS[name]!;
  return `Usage: ctiprefs ${command.usage}\n\n${command.about}`;
}

/** The commands a first word such as "certs" or "ctl" starts, for its help; empty for other words. */
function groupOf(word: string | undefined): string[] {
  return Object.keys(COMMANDS).filter((name) => word !== undefined && name.startsWith(`${word} `));
}

/** `ctiprefs help [TOPIC]`: everything, one group ("certs"), or one command. */
function helpFor(topic: string[]): string {
  if (topic.length === 0) return USAGE;
  const group = groupOf(topic[0]);
  return topic.length === 1 && group.length ? group.map(commandHelp).join('\n\n') : commandHelp(findCommand(topic).name);
}

/** The command named by the first one or two words, and the arguments after it. */
function findCommand(words: string[]): { name: string; args: string[] } {
  const twoWords = words.slice(0, 2).join(' ');
  if (COMMANDS[twoWords]) return { name: twoWords, args: words.slice(2) };
  if (words[0] !== undefined && COMMANDS[words[0]]) return { name: words[0], args: words.slice(1) };
  const given = words.length === 0 ? 'No command given' : `Unknown command "${words.join(' ')}"`;
  throw new CtiError('BAD_INPUT', `${given}; commands: ${Object.keys(COMMANDS).join(', ')}`);
}

/** Whether argv asks for a CLI command (after the global flags), rather than holding the desktop app's options. */
export function isCliInvocation(argv: readonly string[]): boolean {
  let first: string | undefined;
  try {
    [first] = splitGlobal([...argv]).rest;
  } catch {
    return true; // a broken global flag: the CLI says what is wrong with it
  }
  if (first === undefined) return false;
  return first === '--version' || first === 'help' || HELP_FLAGS.has(first) || Object.keys(COMMANDS).some((name) => name.split(' ')[0] === first);
}

export async function main(argv: string[], launch: Launch = {}): Promise<number> {
  let out = createOutput(argv.includes('--json'));
  // What stderr shows after a usage error: the command's usage once the command is known.
  let usage = USAGE;
  const print = (value: unknown, text: string) => {
    out.result(value, text);
    return 0;
  };
  try {
    const { global, rest } = splitGlobal(argv);
    out = createOutput(global.json);
    const [first] = rest;
    if (first === '--version') return print({ version: VERSION }, VERSION);
    if (first === 'help' || (first !== undefined && HELP_FLAGS.has(first))) {
      const text = helpFor(rest.slice(1));
      return print({ usage: text }, text);
    }
    const group = groupOf(first);
    if (group.length && !group.includes(rest.slice(0, 2).join(' '))) {
      // "ctiprefs certs" or "ctiprefs certs --help": the commands of that group.
      usage = group.map(commandHelp).join('\n\n');
      if (rest.slice(1).some((arg) => HELP_FLAGS.has(arg))) return print({ usage }, usage);
    }
    const { name, args } = findCommand(rest);
    usage = commandHelp(name);
    if (args.some((arg) => HELP_FLAGS.has(arg))) return print({ usage }, usage);
    COMMANDS[name]!.begin?.(args, launch);
    return await COMMANDS[name]!.run({ homeOption: global.home, args, out });
  } catch (err) {
    const error = toCtiError(err);
    const code = out.failure(error);
    if (error.code === 'BAD_INPUT') process.stderr.write(`\n${usage}\n`);
    return code;
  }
}
