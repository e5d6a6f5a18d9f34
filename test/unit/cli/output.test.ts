import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createOutput } from '../../../electron/cli/output.ts';

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { stream, text: () => text };
}

describe('CLI output', () => {
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
});
