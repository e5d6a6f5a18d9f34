/** `ctiprefs support-bundle --out FILE`: one JSON file for the support desk, without secrets or keys. */
// Bundled at build time: the CLI also runs inside the packaged app's CommonJS main, where import.meta is empty.
import packageJson from '../../package.json' with { type: 'json' };
import type { CoreContext } from '../core/context.ts';
import { writeFileAtomic } from '../core/fs/atomic-file.ts';
import { supportBundleFile } from '../core/support-bundle.ts';
import { parseCommandOptions, requireOption } from './args.ts';
import type { CommandResult } from './commands.ts';
import type { Output } from './output.ts';

export async function supportBundleCommand(core: CoreContext, args: string[], out: Output): Promise<CommandResult> {
  const opts = parseCommandOptions(args, { out: { type: 'string' } }, 'support-bundle');
  const outPath = requireOption(opts.out, '--out', 'the file to write');
  out.progress('Running the doctor checks for the bundle');
  const { text } = await supportBundleFile(core, packageJson.version);
  await writeFileAtomic(outPath, text, 0o600);
  const bytes = Buffer.byteLength(text);
  return { value: { out: outPath, bytes }, text: `Wrote the support bundle (${bytes} bytes, no secrets or keys) to ${outPath}` };
}
