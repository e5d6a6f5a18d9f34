/**
 * The stored certificates of a home, across every certificate folder its profiles use: the one listing
 * and the one lookup that the app service (IPC, preview) and the CLI share. A certificate is identified
 * by its folder and its instance ID; the same instance ID may live in two folders.
 */
import { CtiError } from '../../shared/errors.ts';
import type { CertificateEntry } from '../../shared/model.ts';
import { expiryWarningDaysOf } from '../../shared/profile.ts';
import type { CoreContext } from './context.ts';
import type { CertificateStore } from './keystore/certificate-store.ts';
import { folderId } from './paths.ts';

/** Where to look: a folder by its id (IPC), a folder path (CLI), or every folder of the home. */
export interface CertificateWhere {
  folderId?: string;
  dir?: string;
}

/**
 * Every keystore of every folder, sorted per folder; one that cannot be opened is listed with its error.
 * Marked as expiring soon with the settings' threshold unless one is given.
 */
export async function listCertificates(core: CoreContext, expiryWarningDays?: number): Promise<CertificateEntry[]> {
  const settings = await core.settings.read();
  const threshold = expiryWarningDays ?? expiryWarningDaysOf(settings);
  const out: CertificateEntry[] = [];
  for (const dir of core.certificateDirs(settings.profiles)) {
    const store = await core.certificateStore(dir);
    for (const stored of await store.list(new Date(), threshold)) {
      const profileIds = settings.profiles
        .filter((p) => p.instanceId === stored.instanceId && core.dirOf(p) === dir)
        .map((p) => p.id);
      out.push({ ...stored, profileIds });
    }
  }
  return out;
}

/** The store that holds the keystore of `instanceId`, found without opening it (a lost password still finds it). */
export async function storeHolding(core: CoreContext, instanceId: string, where: CertificateWhere = {}): Promise<CertificateStore> {
  const dirs = await candidateDirs(core, where);
  const holding: CertificateStore[] = [];
  for (const dir of dirs) {
    const store = await core.certificateStore(dir);
    if (await store.has(instanceId)) holding.push(store);
  }
  const [only, ...more] = holding;
  if (!only) {
    const place = where.dir ?? (where.folderId ? `folder ${where.folderId}` : 'any certificate folder');
    throw new CtiError('KEYSTORE', `No certificate is stored for instance ID "${instanceId}" in ${place}`);
  }
  if (more.length > 0) {
    throw new CtiError(
      'BAD_INPUT',
      `Instance ID "${instanceId}" has a certificate in ${holding.length} folders (${holding.map((s) => s.dir).join(', ')}); choose one with --folder`,
    );
  }
  return only;
}

async function candidateDirs(core: CoreContext, where: CertificateWhere): Promise<string[]> {
  if (where.dir !== undefined) return [where.dir];
  const dirs = core.certificateDirs((await core.settings.read()).profiles);
  if (where.folderId === undefined) return dirs;
  const dir = dirs.find((d) => folderId(d) === where.folderId);
  if (!dir) throw new CtiError('BAD_INPUT', `No certificate folder of this home has the id ${where.folderId}`);
  return [dir];
}
