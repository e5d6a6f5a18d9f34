/** Saving an import: all its profiles in one atomic settings write, or nothing when the plan has a refusal. */
import { CtiError } from '../../../shared/errors.ts';
import type { ImportRequest } from '../../../shared/import.ts';
import type { Settings } from '../../../shared/profile.ts';
import type { CoreContext } from '../context.ts';
import { prepareImport, type PreparedImport } from './plan.ts';

/** The refusals of a plan as one error: the CLI exits 2 with it, the window shows it. */
export function refusedImport(prepared: PreparedImport): CtiError | null {
  const { refusals, profiles } = prepared.plan;
  if (refusals.length > 0) return new CtiError('BAD_INPUT', `Nothing was imported: ${refusals.join('; ')}`);
  if (profiles.length === 0) return new CtiError('BAD_INPUT', 'Nothing was imported: the file describes no profile');
  return null;
}

export async function applyImport(core: CoreContext, request: ImportRequest): Promise<{ prepared: PreparedImport; settings: Settings }> {
  const prepared = await prepareImport(request, await core.settings.read());
  const refused = refusedImport(prepared);
  if (refused) throw refused;
  const settings = await core.settings.upsertProfiles(prepared.profiles);
  core.logger.log('info', 'import.applied', { kind: request.kind, profiles: prepared.profiles.map((p) => p.id) });
  return { prepared, settings };
}
