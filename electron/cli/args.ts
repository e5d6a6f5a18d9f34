/** Command-line parsing: global flags, then a command path, then that command's options. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CtiError } from '../../shared/errors.ts';
import { checkIntegerRange, checkRetries, checkRetryInterval, RETRIES, RETRY_INTERVAL_S } from '../../shared/fields.ts';

export interface GlobalOptions {
  home?: string;
  json: boolean;
}

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** Splits `[--home DIR] [--json] command [sub] [options]`. */
export function splitGlobal(argv: string[]): { global: GlobalOptions; rest: string[] } {
  const global: GlobalOptions = { json: false };
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--json') global.json = true;
    else if (arg === '--home' || arg.startsWith('--home=')) {
      // An empty value ("--home=", or "--home $UNSET") must not quietly mean the current folder.
      const value = arg === '--home' ? argv[++i] : arg.slice('--home='.length);
      if (!value) throw new CtiError('BAD_INPUT', '--home needs a folder path');
      global.home = value;
    } else break;
  }
  const rest = argv.slice(i);
  // Global flags are also accepted after the command, where scripts often put them.
  const jsonIndex = rest.indexOf('--json');
  if (jsonIndex > 0) {
    global.json = true;
    rest.splice(jsonIndex, 1);
  }
  return { global, rest };
}

/** node:util parseArgs takes "-1" after a flag for another option; a negative number there is the flag's value. */
function joinNegativeValues(args: string[], options: OptionSpec): string[] {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const next = args[i + 1];
    const takesValue = arg.startsWith('--') && options[arg.slice(2)]?.type === 'string';
    if (takesValue && next !== undefined && /^-\d/.test(next)) {
      joined.push(`${arg}=${next}`);
      i++;
    } else joined.push(arg);
  }
  return joined;
}

export function parseCommandOptions<T extends OptionSpec>(args: string[], options: T, command: string) {
  try {
    return parseArgs({ args: joinNegativeValues(args, options), options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    const known = Object.keys(options).map((name) => `--${name}`).join(', ');
    throw new CtiError('BAD_INPUT', `${command}: ${(err as Error).message.split('\n')[0]} (options: ${known})`);
  }
}

export function requireOption<T>(value: T | undefined, flag: string, allowed: string): T {
  if (value === undefined || value === '') throw new CtiError('BAD_INPUT', `${flag} is required: ${allowed}`);
  return value;
}

function parseInteger(text: string | undefined, flag: string, fallback: number, check: (n: unknown) => string | null): number {
  if (text === undefined) return fallback;
  const n = /^\d{1,6}$/.test(text) ? Number(text) : Number.NaN;
  const error = check(n);
  if (error) throw new CtiError('BAD_INPUT', `${flag}: ${error}, got "${text}"`);
  return n;
}

export const parseRetries = (text: string | undefined) => parseInteger(text, '--retries', RETRIES.default, checkRetries);
export const parseRetryInterval = (text: string | undefined) =>
  parseInteger(text, '--retry-interval', RETRY_INTERVAL_S.default, checkRetryInterval);

/** `enroll --skip-if-valid DAYS`: days a stored certificate must still be valid for the run to be skipped. */
export const SKIP_IF_VALID_DAYS = { min: 0, max: 3650 } as const;
/** `enroll --start-within SECONDS`: at most an hour, so a forgotten value cannot park a deployment job for a day. */
export const START_WITHIN_S = { min: 0, max: 3600 } as const;

export const parseSkipIfValidDays = (text: string | undefined) =>
  text === undefined ? undefined : parseInteger(text, '--skip-if-valid', 0, (n) => checkIntegerRange('Days', n, SKIP_IF_VALID_DAYS));
export const parseStartWithin = (text: string | undefined) =>
  text === undefined ? undefined : parseInteger(text, '--start-within', 0, (n) => checkIntegerRange('Seconds', n, START_WITHIN_S));

export function parsePort(text: string | undefined, flag: string): number {
  if (text === undefined) return 0;
  const n = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= 0 && n <= 65535)) throw new CtiError('BAD_INPUT', `${flag} must be 0 to 65535 (0 picks a free port), got "${text}"`);
  return n;
}
