/**
 * The installed app is also the `ctiprefs` command. Electron's run-as-node is fused off, so the command the
 * installers put on PATH starts the app itself with the CLI's arguments; main.ts asks here first and, for a
 * CLI command, runs it without any window and exits with its code.
 */
import { isCliInvocation, main as runCli } from './cli.ts';

/** The CLI's arguments when argv (after the executable and, unpackaged, the app path) names a CLI command. */
export function cliArguments(argv: readonly string[]): string[] | null {
  return isCliInvocation(argv) ? [...argv] : null;
}

export async function runCliAndExit(argv: string[], exit: (code: number) => void): Promise<void> {
  let code = 1;
  try {
    code = await runCli(argv);
  } finally {
    exit(code);
  }
}
