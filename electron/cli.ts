/** The `ctiprefs` command line: the same core as the desktop app, for agents' deployment scripts. */
import { CtiError, toCtiError } from '../shared/errors.ts';
import { splitGlobal } from './cli/args.ts';
import { certsExport, certsList, ctlFetch, ctlShow, enroll, resume, status, type CommandResult } from './cli/commands.ts';
import { doctorCommand } from './cli/doctor-command.ts';
import { demo, lab } from './cli/lab-commands.ts';
import { supportBundleCommand } from './cli/support-bundle-command.ts';
import { expiryWarningDaysCommand } from './cli/expiry-command.ts';
import { createOutput, type Output } from './cli/output.ts';
import { openCore, type CoreContext } from './core/context.ts';
import { defaultHome } from './core/paths.ts';

export const USAGE = `Usage:
  ctiprefs [--home DIR] [--json] ctl fetch --tftp HOST[:PORT] [--tftp HOST[:PORT] ...] [--capf HOST[:PORT]]
  ctiprefs [--home DIR] [--json] ctl show
  ctiprefs [--home DIR] [--json] enroll --tftp HOST[:PORT]... --capf HOST[:PORT] --user NAME
           --instance-id ID (--auth-string-file FILE|- | --auth-string DIGITS)
           [--retries 0-3] [--retry-interval 0-15] [--device-name TEMPLATE]
  ctiprefs [--home DIR] [--json] certs list
  ctiprefs [--home DIR] certs export --instance-id ID --out FILE [--format pem|p12]
  ctiprefs [--home DIR] [--json] status | resume
  ctiprefs [--home DIR] [--json] settings expiry-warning-days [1-365]
  ctiprefs [--home DIR] [--json] support-bundle --out FILE
  ctiprefs [--home DIR] [--json] doctor [--profile ID | --tftp HOST[:PORT]... [--capf HOST[:PORT]] [--ctimanager HOST[:PORT]]]
  ctiprefs lab [--dir DIR] [--tftp-port N] [--capf-port N] [--ctimanager-port N] [--profile ID:AUTH[:KEY][:OP]]...
               [--capf-version 1|2|3] [--ctl-names both|ctlfile|ctlcapf|none]
               [--capf-certificate listed|swapped|not-ca] [--compromised ID]...
  ctiprefs [--json] demo

Exit codes: 0 success, 2 bad input, 3 CTL problem, 4 CAPF refused, 5 network, 6 keystore or vault;
doctor: 0 all checks pass, 7 a warning, 8 a failure.
The keystore password comes from the OS credential vault, or from CTIPREFS_KEYSTORE_PASSWORD.`;

type CoreCommand = (core: CoreContext, args: string[], out: Output) => Promise<CommandResult>;

const CORE_COMMANDS: Record<string, CoreCommand> = {
  'ctl fetch': ctlFetch,
  'ctl show': ctlShow,
  enroll,
  'certs list': certsList,
  'certs export': certsExport,
  status,
  resume,
  'support-bundle': supportBundleCommand,
  'settings expiry-warning-days': expiryWarningDaysCommand,
};

export async function main(argv: string[]): Promise<number> {
  let out = createOutput(argv.includes('--json'));
  try {
    const { global, rest } = splitGlobal(argv);
    out = createOutput(global.json);
    const [first, second] = rest;
    if (first === undefined || first === 'help' || first === '--help' || first === '-h') {
      process.stdout.write(global.json ? `${JSON.stringify({ usage: USAGE })}\n` : `${USAGE}\n`);
      return first === undefined ? 2 : 0;
    }
    const home = global.home ?? defaultHome();
    if (first === 'lab') return await lab(home, rest.slice(1), out);
    if (first === 'doctor') return await doctorCommand(home, rest.slice(1), out);
    if (first === 'demo') {
      const result = await demo(global.home, rest.slice(1), out);
      out.result(result.value, result.text);
      return 0;
    }
    const twoWord = `${first} ${second ?? ''}`;
    const [name, args] = CORE_COMMANDS[twoWord] ? [twoWord, rest.slice(2)] : [first, rest.slice(1)];
    const command = CORE_COMMANDS[name];
    if (!command) throw new CtiError('BAD_INPUT', `Unknown command "${rest.join(' ')}"; commands: ${Object.keys(CORE_COMMANDS).join(', ')}, doctor, lab, demo`);
    const result = await command(openCore({ home }), args, out);
    out.result(result.value, result.text);
    return 0;
  } catch (err) {
    return out.failure(toCtiError(err));
  }
}
