/**
 * `ctiprefs import jtapi|genesys FILE`: profiles from another CTI client's settings, previewed with
 * --dry-run, enrolled once with the file's authentication strings with --enroll (never stored).
 */
import { open } from 'node:fs/promises';
import { CtiError } from '../../shared/errors.ts';
import { IMPORT_KIND_LABELS, MAX_IMPORT_BYTES, decodeImportBytes, type ImportKind, type ImportPlan, type PlannedProfile } from '../../shared/import.ts';
import type { OperationStatus } from '../../shared/model.ts';
import type { CoreContext } from '../core/context.ts';
import { fileSystemError } from '../core/fs/fs-errors.ts';
import { applyImport, refusedImport } from '../core/import/apply.ts';
import { AFTER_ENROLL_NOTICE, prepareImport, type PreparedImport } from '../core/import/plan.ts';
import { CertificateOperations } from '../core/operations.ts';
import { parseCommandOptions } from './args.ts';
import { whileCancellable, type CommandResult } from './commands.ts';
import type { Output } from './output.ts';

/** Reads at most one byte past the cap, so a huge file is refused without being read whole. */
async function readImportFile(path: string): Promise<string> {
  let bytes: Buffer;
  try {
    const file = await open(path, 'r');
    try {
      const buffer = Buffer.alloc(MAX_IMPORT_BYTES + 1);
      const { bytesRead } = await file.read(buffer, 0, buffer.length, 0);
      bytes = buffer.subarray(0, bytesRead);
    } finally {
      await file.close();
    }
  } catch (err) {
    const errno = (err as NodeJS.ErrnoException).code;
    if (errno === 'ENOENT' || errno === 'EISDIR' || errno === 'EACCES') throw new CtiError('BAD_INPUT', `Cannot read import file ${path} (${errno})`, { cause: err });
    throw fileSystemError(err, `Cannot read import file ${path}`);
  }
  const decoded = decodeImportBytes(bytes);
  if ('error' in decoded) throw new CtiError('BAD_INPUT', `${path}: ${decoded.error}`);
  return decoded.text;
}

function describeProfile(p: PlannedProfile): string {
  const secure = p.secureConnection ? '' : ', plain connection (no certificate)';
  const auth = p.authCode === 'present' ? ', auth code present (not stored)' : '';
  return `  ${p.action.padEnd(8)} ${p.source}: user ${p.userName}, instance ID ${p.instanceId}, TFTP ${p.tftpServers.join(' ')}, CAPF ${p.capfHost}:${p.capfPort}${secure}${auth}`;
}

function planText(plan: ImportPlan, heading: string): string {
  const lines = [heading, ...plan.profiles.map(describeProfile)];
  if (plan.warnings.length > 0) lines.push('Warnings:', ...plan.warnings.map((w) => `  - ${w}`));
  return lines.join('\n');
}

interface Enrollment {
  profileId: string;
  source: string;
  instanceId: string;
  status: OperationStatus;
}

/** One enrollment per imported profile that has a usable auth code; the first failure stops the rest. */
async function enrollImported(core: CoreContext, kind: ImportKind, prepared: PreparedImport, out: Output): Promise<{ enrolled: Enrollment[]; notices: string[] }> {
  const operations = new CertificateOperations(core);
  operations.onProgress((event) => out.progress(`${prepared.sources.get(event.profileId) ?? event.profileId}: ${event.message}`));
  const enrolled: Enrollment[] = [];
  const notices: string[] = [];
  for (const profile of prepared.profiles) {
    const source = prepared.sources.get(profile.id)!;
    const authString = prepared.authCodes.get(profile.id);
    if (!authString || !profile.secureConnection) {
      notices.push(`${source}: not enrolled (${profile.secureConnection ? 'no usable auth code in the file' : 'plain connection, no certificate'})`);
      continue;
    }
    const status = await whileCancellable(operations, () => operations.start({ profileId: profile.id, authString }));
    enrolled.push({ profileId: profile.id, source, instanceId: profile.instanceId, status });
    if (status.state === 'succeeded') notices.push(AFTER_ENROLL_NOTICE[kind](source));
  }
  return { enrolled, notices };
}

export function importCommand(kind: ImportKind) {
  return async (core: CoreContext, args: string[], out: Output): Promise<CommandResult> => {
    const [file, ...rest] = args;
    if (file === undefined || file.startsWith('--')) throw new CtiError('BAD_INPUT', `import ${kind}: FILE is required: the path of the ${IMPORT_KIND_LABELS[kind]} file`);
    const opts = parseCommandOptions(
      rest,
      { 'dry-run': { type: 'boolean' }, enroll: { type: 'boolean' }, ...(kind === 'genesys' ? { user: { type: 'string' } } : {}) },
      `import ${kind}`,
    );
    if (opts['dry-run'] && opts.enroll) throw new CtiError('BAD_INPUT', `import ${kind}: --dry-run writes nothing, so it cannot --enroll; give one of them`);
    const request = { kind, text: await readImportFile(file), userName: typeof opts.user === 'string' ? opts.user : '' };
    if (opts['dry-run']) {
      const prepared = await prepareImport(request, await core.settings.read());
      const refused = refusedImport(prepared);
      if (refused) throw refused;
      return { value: { dryRun: true, ...prepared.plan }, text: planText(prepared.plan, `Would import ${prepared.plan.profiles.length} profile(s) from ${file} (dry run: nothing written):`) };
    }
    const { prepared } = await applyImport(core, request);
    const heading = `Imported ${prepared.plan.profiles.length} profile(s) from ${file}:`;
    if (!opts.enroll) return { value: { dryRun: false, ...prepared.plan }, text: planText(prepared.plan, heading) };
    out.progress(heading);
    const { enrolled, notices } = await enrollImported(core, kind, prepared, out);
    const enrolledLines = enrolled.map((e) => `  ${e.source} (instance ${e.instanceId}): ${e.status.state === 'succeeded' ? e.status.outcome : e.status.state}`);
    return {
      value: { dryRun: false, ...prepared.plan, enrollments: enrolled, notices },
      text: [planText(prepared.plan, heading), 'Enrollments:', ...enrolledLines, ...notices].join('\n'),
    };
  };
}
