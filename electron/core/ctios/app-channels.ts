/**
 * The CTI OS steps of the window: one handler per `ctios:*` channel, each a thin call into this folder's
 * core (the same functions the `ctiprefs ctios` commands call). Every folder a page names passes the
 * certificate-folder policy first; answers carry file names rather than paths the page did not give, and
 * never a key or the CA password.
 */
import { basename, join } from 'node:path';
import { parseCtiosServer, type CtiosRole } from '../../../shared/ctios-fields.ts';
import { CtiError } from '../../../shared/errors.ts';
import type { Channel, RequestOf, ResponseOf } from '../../../shared/ipc.ts';
import type { CertificateFolderPolicy } from '../certificate-folders.ts';
import type { Logger } from '../log.ts';
import { createCtiosCa } from './ca.ts';
import { checkCtiosSet, readSetFile } from './check.ts';
import { combineCtiosFiles } from './combine.ts';
import { defaultSubject, parseSubject } from './distinguished-name.ts';
import { CA_CERT_FILE, filesOf } from './file-names.ts';
import { describeCtiosFolder } from './folder-state.ts';
import { testCtiosConnection } from './handshake-test.ts';
import { PUBLIC_FILE_MODE, writeNewFiles } from './new-files.ts';
import { PEM_LABEL } from './pem-blocks.ts';
import { exportCtiosRegistry, importCtiosRegistry, registryKeyOf } from './registry-settings.ts';
import { createCtiosRequest } from './request.ts';
import { readCtiosSettings, setCtiosValues, writeCtiosSettings } from './settings.ts';
import { signCtiosRequest } from './sign.ts';
import { MAX_REG_FILE_BYTES } from './registry-file.ts';

type CtiosChannel = Extract<Channel, `ctios:${string}`>;
export type CtiosHandlers = { [C in CtiosChannel]: (request: RequestOf<C>) => Promise<ResponseOf<C>> };

/** Sign and combine write the client's files for a peer too (a peer set is a client set, see file-names.ts). */
const signedRole = (role: CtiosRole): 'client' | 'server' => (role === 'server' ? 'server' : 'client');
const oneLine = (name: string): string => name.split('\n').join(', ');

/** The procedure copies CtiosRootCert.pem with the signed file; a root already there is kept (check judges it). */
async function copyRootIfMissing(caDir: string, dir: string): Promise<boolean> {
  if ((await readSetFile(join(dir, CA_CERT_FILE))).state !== 'missing') return false;
  const root = await readSetFile(join(caDir, CA_CERT_FILE));
  const certificate = root.state === 'read' ? root.blocks.find((b) => b.label === PEM_LABEL.certificate) : undefined;
  // Signing has just read this certificate; if it went away since, the check names the missing file.
  if (!certificate) return false;
  await writeNewFiles([{ path: join(dir, CA_CERT_FILE), data: certificate.text, mode: PUBLIC_FILE_MODE }]);
  return true;
}

export function ctiosHandlers(options: { home: string; folders: CertificateFolderPolicy; logger: Logger }): CtiosHandlers {
  const { home, folders, logger } = options;
  const folder = (dir: string): string => folders.folder(dir, 'Set folder', 'Choose set folder…');

  return {
    'ctios:state': async ({ dir }) => describeCtiosFolder(folder(dir)),
    'ctios:ca-create': async ({ dir, password }) => {
      const target = folder(dir);
      const ca = await createCtiosCa(target, password);
      logger.log('info', 'ctios.ca.created', { dir: target, fingerprint256: ca.certificate.fingerprint256 });
      return {
        dir: target,
        keyFile: basename(ca.keyFile),
        certificateFile: basename(ca.certificateFile),
        subject: oneLine(ca.certificate.subject),
        notAfter: ca.certificate.validTo,
        fingerprint256: ca.certificate.fingerprint256,
      };
    },
    'ctios:request': async ({ dir, role, subject }) => {
      const target = folder(dir);
      const made = await createCtiosRequest(role, target, subject.trim() === '' ? defaultSubject(role) : parseSubject(subject));
      logger.log('info', 'ctios.request.created', { dir: target, role });
      return { role, dir: target, keyFile: basename(made.keyFile), requestFile: basename(made.requestFile) };
    },
    'ctios:sign': async ({ caDir, dir, role, password }) => {
      const ca = folders.folder(caDir, 'CA folder', 'Choose CA folder…');
      const target = folder(dir);
      const signed = await signCtiosRequest({ caDir: ca, password, requestFile: join(target, filesOf(role).request), outDir: target, role: signedRole(role) });
      const rootCopied = await copyRootIfMissing(ca, target);
      logger.log('info', 'ctios.request.signed', { dir: target, role: signed.role, rootCopied });
      return { role: signed.role, dir: target, file: basename(signed.file), subject: signed.subject, notAfter: signed.notAfter, rootCopied };
    },
    'ctios:combine': async ({ dir, role, cleanup }) => {
      const target = folder(dir);
      const names = filesOf(role);
      const combined = await combineCtiosFiles({
        certificateFile: join(target, names.certificate),
        keyFile: join(target, names.key),
        outFile: join(target, names.combined),
        cleanup,
      });
      logger.log('info', 'ctios.combined', { dir: target, role, cleanup });
      return { dir: target, file: basename(combined.file), subject: combined.subject, issuer: combined.issuer, deleted: combined.deleted.map((path) => basename(path)) };
    },
    'ctios:check': async ({ dir, role }) => checkCtiosSet(folder(dir), role),
    'ctios:test': async ({ dir, server }) => {
      const endpoint = parseCtiosServer(server);
      if ('error' in endpoint) throw new CtiError('BAD_INPUT', endpoint.error);
      const handShakeTimeSeconds = (await readCtiosSettings(home)).client.values.HandShakeTime;
      const result = await testCtiosConnection({ host: endpoint.host, port: endpoint.port, dir: folder(dir), handShakeTimeSeconds });
      logger.log(result.ok ? 'info' : 'warn', 'ctios.test', { server: result.server, outcome: result.outcome });
      return result;
    },
    'ctios:settings-get': () => readCtiosSettings(home),
    'ctios:settings-set': async ({ role, changes }) => {
      const next = setCtiosValues(await readCtiosSettings(home), role, changes);
      await writeCtiosSettings(home, next);
      return next;
    },
    'ctios:reg-export': async ({ role }) => {
      const settings = await readCtiosSettings(home);
      return { fileName: `ctios-${role}.reg`, key: registryKeyOf(settings, role), base64: exportCtiosRegistry(settings, role).toString('base64') };
    },
    'ctios:reg-import': async ({ role, base64 }) => {
      const bytes = Buffer.from(base64, 'base64');
      if (bytes.length > MAX_REG_FILE_BYTES) throw new CtiError('BAD_INPUT', `The .reg file is larger than ${MAX_REG_FILE_BYTES} bytes`);
      const imported = importCtiosRegistry(bytes, 'The .reg file', role, await readCtiosSettings(home));
      await writeCtiosSettings(home, imported.settings);
      return { role, key: imported.key, imported: imported.imported, ignored: imported.ignored, settings: imported.settings };
    },
  };
}
