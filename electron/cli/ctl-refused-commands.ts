/** `ctiprefs ctl refused` and `ctiprefs ctl adopt`: a refused trust list beside the trusted one, adopted on purpose. */
import type { CtlRecordInfo, CtlSide, RefusedCtlReport } from '../../shared/model.ts';
import type { CoreContext } from '../core/context.ts';
import { adoptRefusedCtl, refusedCtlReport } from '../core/ctl-adopt.ts';
import { parseCommandOptions, requireOption } from './args.ts';
import { certificateWhere, FOLDER_OPTION, type CommandResult } from './commands.ts';

const folderOf = (core: CoreContext, folder: string | undefined) => certificateWhere(folder).dir ?? core.layout.defaultCertificateDir;

function sideLines(title: string, side: CtlSide): string[] {
  return [
    `  ${title}`,
    `    signer:         ${side.signerSubject || '(unknown)'}`,
    `    signer SHA-256: ${side.signerFingerprintSha256 || '(its signature does not verify)'}`,
    `    file SHA-256:   ${side.sha256}`,
    `    timestamp:      ${side.timestamp || '(unreadable)'}`,
    `    served as:      ${side.fileName} from ${side.source}`,
  ];
}

const recordLine = (sign: string, r: CtlRecordInfo) => `    ${sign} ${r.roleName.padEnd(10)} ${r.subject}  SHA-256 ${r.fingerprintSha256 ?? '(no certificate)'}`;

export function formatRefusedReport(report: RefusedCtlReport): string {
  if (report.refused.length === 0) return `No refused CTL is kept for ${report.folder}.`;
  const lines = [`Refused CTL updates for ${report.folder}, newest first:`];
  report.refused.forEach((refused, index) => {
    lines.push('', `${index + 1}. refused ${refused.refusedAt}: ${refused.reason}`);
    if (report.trusted) lines.push(...sideLines('trusted (in use):', report.trusted));
    lines.push(...sideLines('refused:', refused.list));
    if (refused.problem) lines.push(`  cannot be adopted: ${refused.problem}`);
    lines.push(`  records: ${refused.added.length} added, ${refused.removed.length} removed, ${refused.changed.length} changed`);
    lines.push(...refused.added.map((r) => recordLine('+', r)), ...refused.removed.map((r) => recordLine('-', r)));
    for (const { before, after } of refused.changed) lines.push(recordLine('~', before), `      now ${after.roleName} ${after.subject}  SHA-256 ${after.fingerprintSha256 ?? '(no certificate)'}`);
  });
  if (report.refused.some((refused) => !refused.problem)) {
    // Not the ready-made command: the fingerprint must come from the administrator, not from this file.
    lines.push('', "Get the new signer's SHA-256 fingerprint from the administrator (Unified CM shows it), compare it with the one above, then: ctiprefs ctl adopt --fingerprint FINGERPRINT_FROM_UNIFIED_CM");
    if (report.refused.length > 1) lines.push('(it adopts the newest of that signer\'s lists; --sha256 FILE_SHA256 adopts the one with that file SHA-256)');
  }
  return lines.join('\n');
}

export async function ctlRefused(core: CoreContext, args: string[]): Promise<CommandResult> {
  const opts = parseCommandOptions(args, FOLDER_OPTION, 'ctl refused');
  const report = await refusedCtlReport(core, folderOf(core, opts.folder));
  return { value: report, text: formatRefusedReport(report) };
}

export async function ctlAdopt(core: CoreContext, args: string[]): Promise<CommandResult> {
  const opts = parseCommandOptions(args, { fingerprint: { type: 'string' }, sha256: { type: 'string' }, ...FOLDER_OPTION }, 'ctl adopt');
  const fingerprint = requireOption(opts.fingerprint, '--fingerprint', "the SHA-256 fingerprint of the refused CTL's signer, 64 hex digits, colons allowed");
  const dir = folderOf(core, opts.folder);
  const request = { fingerprint, ...(opts.sha256 === undefined ? {} : { fileSha256: opts.sha256 }) };
  const result = await adoptRefusedCtl(core, dir, request, { fingerprint: '--fingerprint', fileSha256: '--sha256' });
  const replaced = result.previousSignerFingerprintSha256 ? `replaces the one signed by SHA-256 ${result.previousSignerFingerprintSha256}` : 'is trusted (none was before)';
  return {
    value: { folder: dir, ...result },
    text: `Adopted the CTL signed by SHA-256 ${result.signerFingerprintSha256} for ${dir}: it ${replaced}.`,
  };
}
