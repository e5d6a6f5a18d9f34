/**
 * Command-line options of `npm start` and `npm run preview`: `--lab`, `--profile ID:AUTHSTRING[:KEY]`
 * (repeatable, as in the CLI's lab), `--home DIR`, `--port N` (preview only).
 * Electron and Chromium add switches of their own, so the app parses leniently; the preview is strict.
 */
import { CtiError } from '../shared/errors.ts';
import { checkPort } from '../shared/fields.ts';
import { parseLabProfile, type LabInstanceProfile } from './lab/profiles.ts';

export interface ShellArgs {
  lab: boolean;
  profiles: LabInstanceProfile[];
  home?: string;
  port?: number;
}

export const SHELL_USAGE =
  'Options: [--lab] [--profile ID:AUTHSTRING[:rsa2048|rsa4096|p256|p384|p521]]... [--home DIR] [--port N]';

/**
 * The desktop window's options. A packaged app ignores them all: a shortcut or a file association that
 * adds `--home` or `--lab` must not point an installed app at another user's folder or a fake cluster
 * (the CLI commands keep their own flags).
 */
export function windowArgs(argv: readonly string[], packaged: boolean): ShellArgs {
  return packaged ? { lab: false, profiles: [] } : parseShellArgs(argv, { strict: false });
}

export function parseShellArgs(argv: readonly string[], options: { strict: boolean }): ShellArgs {
  const out: ShellArgs = { lab: false, profiles: [] };
  const valueOf = (i: number, name: string): string => {
    const value = argv[i + 1];
    if (value === undefined || value.startsWith('--')) throw new CtiError('BAD_INPUT', `${name} needs a value. ${SHELL_USAGE}`);
    return value;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const take = (): string => {
      if (inline !== undefined) return inline;
      const value = valueOf(i, name);
      i += 1;
      return value;
    };
    switch (name) {
      case '--lab':
        out.lab = true;
        break;
      case '--profile':
        out.profiles.push(parseLabProfile(take()));
        break;
      case '--home':
        out.home = take();
        break;
      case '--port': {
        const port = Number(take());
        // 0 asks the OS for a free port.
        if (port !== 0 && checkPort(port, '--port')) throw new CtiError('BAD_INPUT', `${checkPort(port, '--port')} (or 0)`);
        out.port = port;
        break;
      }
      default:
        if (options.strict) throw new CtiError('BAD_INPUT', `Unknown option "${arg}". ${SHELL_USAGE}`);
    }
  }
  if (out.profiles.length > 0 && !out.lab) throw new CtiError('BAD_INPUT', '--profile needs --lab');
  return out;
}
