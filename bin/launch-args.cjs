// What the launcher (bin/ctiprefs.cjs) reads of the command line before the CLI bundle loads; the CLI
// (electron/cli.ts) shares the rules, so both read a command line alike.
'use strict';

const HELP_FLAGS = new Set(['--help', '-h']);

/**
 * The command word and what follows it, after the global --json and --home DIR (electron/cli/args.ts checks
 * those); the word is undefined when there is none or it is no plain word (a flag, a path).
 */
function commandAt(argv) {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--json' || argv[i].startsWith('--home=')) continue;
    if (argv[i] === '--home') i++;
    else return { word: /^[a-z][a-z-]{0,30}$/.test(argv[i]) ? argv[i] : undefined, rest: argv.slice(i + 1) };
  }
  return { word: undefined, rest: [] };
}

/**
 * Whether an `enroll` run (`args`: what follows the word) should begin its key pair before anything else:
 * not when it will most likely skip (--skip-if-valid, a valid certificate) or only print its usage.
 */
function keyPairAheadWanted(args) {
  return !args.some((arg) => HELP_FLAGS.has(arg) || arg === '--skip-if-valid' || arg.startsWith('--skip-if-valid='));
}

module.exports = { HELP_FLAGS, commandAt, keyPairAheadWanted };
