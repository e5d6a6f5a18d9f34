import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createOutput } from '../../../electron/cli/output.ts';
import { CtiError, ERRORS } from '../../../shared/errors.ts';

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { stream, text: () => text };
}

describe('CLI output', () => {
  it('shows control characters from outside (escape sequences, carriage returns) as \\xNN, keeping newlines and tabs', () => {
    const stdout = capture();
    const stderr = capture();
    const out = createOutput(false, stdout.stream as unknown as typeof process.stdout, stderr.stream as unknown as typeof process.stderr);
    out.result({}, 'signer: CN=x\x1b[2K\rsigner SHA-256: AA\u009b\n\tnext');
    out.failure(new CtiError('CTL_INVALID', 'record CN=\x1b]0;title\x07'));
    expect(stdout.text()).toBe('signer: CN=x\\x1b[2K\\x0dsigner SHA-256: AA\\x9b\n\tnext\n');
    expect(stderr.text()).toContain('CTL_INVALID: record CN=\\x1b]0;title\\x07\n');
  });

  it('prints a progress line once when the same step is reported twice in a row, and again after another', () => {
    const stdout = capture();
    const stderr = capture();
    const out = createOutput(false, stdout.stream as unknown as typeof process.stdout, stderr.stream as unknown as typeof process.stderr);
    for (const line of ['Storing', 'Storing', 'Done', 'Storing']) out.progress(line);
    expect(stderr.text()).toBe('Storing\nDone\nStoring\n');
    expect(stdout.text()).toBe('');
  });

  it('prints no progress with --json, so stdout stays one object and stderr quiet', () => {
    const stdout = capture();
    const stderr = capture();
    const out = createOutput(true, stdout.stream as unknown as typeof process.stdout, stderr.stream as unknown as typeof process.stderr);
    out.progress('Storing');
    out.result({ ok: true }, 'ok');
    expect(stderr.text()).toBe('');
    expect(stdout.text()).toBe('{"ok":true}\n');
  });

  it('prints an error with the sentence a person acts on first, then the code and the protocol detail (as the app)', () => {
    const stdout = capture();
    const stderr = capture();
    const out = createOutput(false, stdout.stream as unknown as typeof process.stdout, stderr.stream as unknown as typeof process.stderr);
    const code = out.failure(new CtiError('CAPF_AUTH_FAILED', 'CAPF server refused the authentication string (reason invalidElement (7))'));
    expect(code).toBe(4);
    expect(stderr.text()).toBe(
      'ctiprefs: The CAPF server refused the authentication string. Ask your administrator for a new one.\n' +
        '  CAPF_AUTH_FAILED: CAPF server refused the authentication string (reason invalidElement (7))\n',
    );
    expect(stderr.text().startsWith(`ctiprefs: ${ERRORS.CAPF_AUTH_FAILED.hint}`)).toBe(true);
    expect(stdout.text()).toBe('');
  });
});
