/** Which argument lists the installed app hands to the CLI, and which are the desktop app's own. */
import { describe, expect, it } from 'vitest';
import { isCliInvocation } from '../../../electron/cli.ts';

describe('isCliInvocation', () => {
  it.each([
    [['enroll', '--tftp', 'h']],
    [['--home', '/x', '--json', 'certs', 'list']],
    [['ctl', 'fetch']],
    [['--version']],
    [['--help']],
    [['help', 'enroll']],
    [['lab', '--profile', 'a:12345678']],
    [['--home']],
  ])('%j is a CLI command', (argv) => expect(isCliInvocation(argv)).toBe(true));

  it.each([[[]], [['--lab']], [['--home', '/x']], [['--profile', 'a:12345678:p256', '--lab']], [['--no-sandbox']], [['.']]])(
    '%j opens the window',
    (argv) => expect(isCliInvocation(argv)).toBe(false),
  );
});
