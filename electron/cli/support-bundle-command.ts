/** `ctiprefs support-bundle --out FILE`: one JSON file for the support desk, without secrets or keys. */
import { readFile } from 'node:fs/promises';
import { toCtiError } from '../../shared/errors.ts';
import type { CoreContext } from '../core/context.ts';
import { runDoctor } from '../core/doctor/run-doctor.ts';
import { writeFileAtomic } from '../core/fs/atomic-file.ts';
import { buildSupportBundle, supportBundleText } from '../core/support-bundle.ts';
import { parseCommandOptions, requireOption } from './args.ts';
import type { CommandResult } from './commands.ts';
import type { Output } from './output.ts';

async function appVersion(): Promise<string> {
  try {
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown (package.json has no version)';
  } catch (err) {
    return `unknown (${toCtiError(err).message})`;
  }
}

export async function supportBundleCommand(core: CoreContext, args: string[], out: Output): Promise<CommandResult> {
  const opts = parseCommandOptions(args, { out: { type: 'string' } }, 'support-bundle');
  const outPath = requireOption(opts.out, '--out', 'the file to write');
  out.progress('Running the doctor checks for the bundle');
  const doctor = await runDoctor({ home: core.layout.home, target: {}, env: core.env }).catch((err: unknown) => {
    const error = toCtiError(err);
    return { error: { code: error.code, message: error.message } };
  });
  const text = supportBundleText(await buildSupportBundle(core, { appVersion: await appVersion(), doctor }));
  await writeFileAtomic(outPath, text, 0o600);
  const bytes = Buffer.byteLength(text);
  return { value: { out: outPath, bytes }, text: `Wrote the support bundle (${bytes} bytes, no secrets or keys) to ${outPath}` };
}
