/** The About panel: which build, where its files are, and where its secrets live. */
import { toCtiError } from '../../shared/errors.ts';
import type { AboutInfo } from '../../shared/model.ts';
import type { CoreContext } from './context.ts';

export async function describeApp(core: CoreContext, version: string): Promise<AboutInfo> {
  const place = { version, home: core.layout.home, logFile: core.layout.logFile };
  const folders = async () => core.certificateDirs((await core.settings.read()).profiles);
  const certificateFolders = await folders().catch(() => [core.layout.defaultCertificateDir]);
  try {
    return { ...place, certificateFolders, vault: (await core.vault()).kind };
  } catch (err) {
    return { ...place, certificateFolders, vault: 'none', vaultProblem: toCtiError(err).message };
  }
}
