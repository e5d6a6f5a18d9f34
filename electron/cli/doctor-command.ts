/** `ctiprefs doctor`: the preflight checks as text or `--json`; exits 0 all pass, 7 a warning, 8 a failure. */
import { CtiError } from '../../shared/errors.ts';
import { CTIMANAGER_TLS_PORT, DEFAULT_CAPF_PORT, parseEndpoint, type Endpoint } from '../../shared/fields.ts';
import { doctorExitCode, type DoctorReport } from '../core/doctor/checks.ts';
import { runDoctor, type DoctorTarget } from '../core/doctor/run-doctor.ts';
import { parseCommandOptions } from './args.ts';
import type { Output } from './output.ts';

function endpointOption(text: string | undefined, defaultPort: number, flag: string): Endpoint | undefined {
  if (text === undefined) return undefined;
  const parsed = parseEndpoint(text, defaultPort, flag);
  if ('error' in parsed) throw new CtiError('BAD_INPUT', parsed.error);
  return parsed;
}

export function parseDoctorTarget(args: string[]): DoctorTarget {
  const opts = parseCommandOptions(
    args,
    { profile: { type: 'string' }, tftp: { type: 'string', multiple: true }, capf: { type: 'string' }, ctimanager: { type: 'string' } },
    'doctor',
  );
  const serverFlags = opts.tftp !== undefined || opts.capf !== undefined || opts.ctimanager !== undefined;
  if (opts.profile !== undefined && serverFlags) {
    throw new CtiError('BAD_INPUT', 'doctor: give either --profile ID or server flags (--tftp, --capf, --ctimanager), not both');
  }
  if (!serverFlags) return opts.profile === undefined ? {} : { profileId: opts.profile };
  if (!opts.tftp) throw new CtiError('BAD_INPUT', '--tftp is required with --capf or --ctimanager: HOST[:PORT], one or more, tried in order');
  const capf = endpointOption(opts.capf, DEFAULT_CAPF_PORT, '--capf');
  const ctiManager = endpointOption(opts.ctimanager, CTIMANAGER_TLS_PORT, '--ctimanager');
  return { servers: { tftp: opts.tftp, ...(capf ? { capf } : {}), ...(ctiManager ? { ctiManager } : {}) } };
}

const LABEL = { pass: 'PASS', warn: 'WARN', fail: 'FAIL' } as const;

export function formatDoctorReport(report: DoctorReport): string {
  const lines: string[] = [];
  for (const check of report.checks) {
    lines.push(`${LABEL[check.status]}  ${check.id}: ${check.message}`);
    if (check.fix) lines.push(`      fix: ${check.fix}`);
  }
  const count = (status: string) => report.checks.filter((c) => c.status === status).length;
  const warnings = count('warn');
  lines.push(`${count('pass')} passed, ${warnings} ${warnings === 1 ? 'warning' : 'warnings'}, ${count('fail')} failed.`);
  return lines.join('\n');
}

export async function doctorCommand(home: string, args: string[], out: Output, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const target = parseDoctorTarget(args);
  const report = await runDoctor({ home, target, env });
  out.result(report, formatDoctorReport(report));
  return doctorExitCode(report);
}
