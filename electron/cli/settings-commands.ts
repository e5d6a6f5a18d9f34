/** `profiles list`, `settings export` and `settings import`: the profiles of a home as a file to hand around. */
import { CtiError } from '../../shared/errors.ts';
import { formatEndpoint } from '../../shared/fields.ts';
import type { Settings } from '../../shared/profile.ts';
import type { CoreContext } from '../core/context.ts';
import { writeFileAtomic } from '../core/fs/atomic-file.ts';
import { fileSystemError } from '../core/fs/fs-errors.ts';
import { CertificateOperations } from '../core/operations.ts';
import { presetDir } from '../core/preset.ts';
import { mergeSettings, parseSettingsDocument, settingsDocument } from '../core/settings-transfer.ts';
import { parseCommandOptions } from './args.ts';
import type { CommandResult } from './commands.ts';
import { readSecretInput } from './secret-input.ts';

/** Where the profiles come from: the user's settings file, or the machine-wide preset while there is none. */
async function settingsSource(core: CoreContext): Promise<'settings' | 'preset'> {
  return !(await core.settings.exists()) && (await core.preset()) !== null ? 'preset' : 'settings';
}

export async function profilesList(core: CoreContext, args: string[]): Promise<CommandResult> {
  parseCommandOptions(args, {}, 'profiles list');
  const settings = await core.settings.read();
  const source = await settingsSource(core);
  const profiles = settings.profiles.map((p) => ({
    id: p.id,
    userName: p.userName,
    instanceId: p.instanceId,
    tftpServers: p.tftpServers,
    capfServer: formatEndpoint({ host: p.capfHost, port: p.capfPort }),
    folder: core.dirOf(p),
    active: p.id === settings.activeProfileId,
  }));
  const lines = profiles.map(
    (p) => `${p.active ? '*' : ' '} ${p.id}: user ${p.userName}, instance ID ${p.instanceId}, TFTP ${p.tftpServers.join(', ')}, CAPF ${p.capfServer}, folder ${p.folder}`,
  );
  const from = source === 'preset' ? `\n(from the machine-wide preset in ${presetDir(core.env)}: this home has no settings of its own yet)` : '';
  return { value: { profiles, source }, text: profiles.length ? `${lines.join('\n')}${from}` : 'No profiles yet.' };
}

export async function settingsExport(core: CoreContext, args: string[]): Promise<CommandResult> {
  const opts = parseCommandOptions(args, { out: { type: 'string' } }, 'settings export');
  const settings = await core.settings.read();
  const text = settingsDocument(settings);
  if (opts.out === undefined) return { value: { settings: JSON.parse(text) as Settings }, text: text.trimEnd() };
  if (opts.out === '') throw new CtiError('BAD_INPUT', '--out needs the path of the file to write');
  // No secret is in settings, so the file may be shared: readable by others, like an exported PEM.
  await writeFileAtomic(opts.out, text, 0o644).catch((err: unknown) => {
    throw fileSystemError(err, `Cannot write --out ${opts.out}`);
  });
  return { value: { out: opts.out, profiles: settings.profiles.length }, text: `Wrote ${settings.profiles.length} profile(s) to ${opts.out}` };
}

/** A settings document is small; a bigger file is the wrong one and is not read whole. */
const SETTINGS_INPUT = { flag: 'settings import', maxBytes: 4 * 1024 * 1024, holds: 'a settings document (docs/settings.schema.json)' };

export async function settingsImport(core: CoreContext, args: string[]): Promise<CommandResult> {
  const [file, ...rest] = args;
  if (file === undefined || file.startsWith('--')) throw new CtiError('BAD_INPUT', 'settings import needs the FILE to import (or - for standard input)');
  const opts = parseCommandOptions(rest, { merge: { type: 'boolean' } }, 'settings import');
  const source = file === '-' ? 'standard input' : file;
  const imported = parseSettingsDocument(await readSecretInput(file, SETTINGS_INPUT), source);
  const current = await core.settings.read();
  const next = opts.merge ? mergeSettings(current, imported, source) : imported;
  // Validated above and written in one atomic replace; a profile that is removed must not be running.
  const saved = await new CertificateOperations(core).saveSettings(next);
  const ids = (s: Settings) => new Set(s.profiles.map((p) => p.id));
  const before = ids(current);
  const after = ids(saved);
  const summary = {
    added: [...after].filter((id) => !before.has(id)),
    replaced: imported.profiles.map((p) => p.id).filter((id) => before.has(id)),
    removed: [...before].filter((id) => !after.has(id)),
  };
  const text = `Imported ${imported.profiles.length} profile(s) from ${source}${opts.merge ? ' (merged)' : ''}: added ${summary.added.join(', ') || 'none'}; replaced ${summary.replaced.join(', ') || 'none'}; removed ${summary.removed.join(', ') || 'none'}`;
  return { value: { file: source, merge: opts.merge === true, ...summary }, text };
}
