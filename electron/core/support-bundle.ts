/**
 * The support bundle: one JSON document a person can mail to the support desk. It holds what a support
 * call asks for (version, OS, paths, settings, status and history, trust lists, certificate summaries, the
 * doctor's result, the last log lines) and never a secret: settings hold none by design, certificates are
 * described (never exported), log lines are redacted again, and a bundle that still looked like it held a
 * private key is refused rather than written.
 */
import { arch, release } from 'node:os';
import { join } from 'node:path';
import { CtiError, toCtiError } from '../../shared/errors.ts';
import type { SupportBundleFile } from '../../shared/model.ts';
import type { CoreContext } from './context.ts';
import { describeCtl } from './ctl/describe.ts';
import type { DoctorReport } from './doctor/checks.ts';
import { runDoctor } from './doctor/run-doctor.ts';
import { readLogRecords } from './log-view.ts';

/** Enough for the last few operations without making the mail large. */
export const BUNDLE_LOG_LINES = 300;
const PRIVATE_KEY_MARKER = /PRIVATE KEY/;

type Failed = { error: { code: string; message: string } };
const failed = (err: unknown): Failed => {
  const error = toCtiError(err);
  return { error: { code: error.code, message: error.message } };
};

async function attempt<T>(task: () => Promise<T>): Promise<T | Failed> {
  try {
    return await task();
  } catch (err) {
    return failed(err);
  }
}

/** The newest lines across the rotated log files, oldest first, each parsed and redacted once more. */
export function lastLogLines(logFile: string, count: number = BUNDLE_LOG_LINES): Promise<Record<string, unknown>[]> {
  return readLogRecords(logFile, count);
}

export interface SupportBundleInput {
  appVersion: string;
  /** The doctor's result for the active profile, or why it could not run. */
  doctor: DoctorReport | Failed;
  now?: Date;
}

export async function buildSupportBundle(core: CoreContext, input: SupportBundleInput): Promise<Record<string, unknown>> {
  const settings = await attempt(() => core.settings.read());
  const profiles = 'profiles' in settings ? settings.profiles : [];
  const dirs = core.certificateDirs(profiles);
  const trustLists = [];
  const certificates = [];
  for (const dir of dirs) {
    trustLists.push({
      dir,
      trustList: await attempt(async () => {
        const trusted = await (await core.trustStore(dir)).current();
        return trusted ? describeCtl(trusted.ctl, trusted) : null;
      }),
    });
    certificates.push({ dir, certificates: await attempt(async () => (await core.certificateStore(dir)).list(input.now)) });
  }
  return {
    kind: 'ctiprefs support bundle',
    generatedAt: (input.now ?? new Date()).toISOString(),
    app: { name: 'ctiprefs', version: input.appVersion },
    os: { platform: process.platform, release: release(), arch: arch(), node: process.version },
    paths: {
      home: core.layout.home,
      settings: core.layout.settingsFile,
      status: core.layout.statusFile,
      history: join(core.layout.home, 'history.json'),
      log: core.layout.logFile,
      certificateFolders: dirs,
    },
    settings,
    status: await attempt(() => core.status.all()),
    history: await attempt(() => core.history.all()),
    trustLists,
    certificates,
    doctor: input.doctor,
    log: await lastLogLines(core.layout.logFile),
  };
}

/** The bundle as the text written to disk; refused if anything in it looks like a private key. */
export function supportBundleText(bundle: Record<string, unknown>): string {
  const text = `${JSON.stringify(bundle, null, 2)}\n`;
  if (PRIVATE_KEY_MARKER.test(text)) throw new CtiError('INTERNAL', 'The support bundle would contain a private key; it was not written');
  return text;
}

/** The whole bundle for the active profile as a file: the doctor runs first, and its failure is recorded, not thrown. */
export async function supportBundleFile(core: CoreContext, appVersion: string, now: Date = new Date()): Promise<SupportBundleFile> {
  const doctor = await runDoctor({ home: core.layout.home, target: {}, core }).catch(failed);
  const text = supportBundleText(await buildSupportBundle(core, { appVersion, doctor, now }));
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  return { fileName: `ctiprefs-support-${stamp}.json`, text };
}
