/**
 * The result shape of `ctiprefs doctor` and the Diagnostics tab: an ordered list of checks, each pass, warn
 * or fail with one sentence of what was seen and one of what to do. Doctor's exit codes are its own (not
 * error codes): 0 all pass, 7 a warning, 8 a failure.
 */
import type { CheckStatus, DoctorCheck, DoctorReport } from '../../../shared/model.ts';

// The shapes live in shared/ so the window gets the same report over IPC.
export type { CheckStatus, DoctorCheck, DoctorReport };

export const DOCTOR_EXIT = { pass: 0, warn: 7, fail: 8 } as const satisfies Record<CheckStatus, number>;

export const pass = (id: string, message: string): DoctorCheck => ({ id, status: 'pass', message, fix: '' });
export const warn = (id: string, message: string, fix: string): DoctorCheck => ({ id, status: 'warn', message, fix });
export const fail = (id: string, message: string, fix: string): DoctorCheck => ({ id, status: 'fail', message, fix });

/** A check that could not run because one it depends on failed: a warning that names the other check. */
export function notChecked(id: string, reason: string, failedCheck: string): DoctorCheck {
  return warn(id, `Not checked: ${reason}.`, `Fix "${failedCheck}" first, then run doctor again.`);
}

/** The worst status of the report decides the exit code. */
export function doctorExitCode(report: DoctorReport): number {
  if (report.checks.some((c) => c.status === 'fail')) return DOCTOR_EXIT.fail;
  if (report.checks.some((c) => c.status === 'warn')) return DOCTOR_EXIT.warn;
  return DOCTOR_EXIT.pass;
}
