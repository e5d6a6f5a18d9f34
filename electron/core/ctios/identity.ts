/**
 * A checked CTI OS set ready for TLS: the certificate and key of CtiosClient.pem or CtiosServer.pem and the
 * CA of CtiosRootCert.pem. A set with any `check` error is refused with the findings, so a TLS test never
 * fails for a reason the check could have named.
 */
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CtiError } from '../../../shared/errors.ts';
import type { CtiosRole } from '../../../shared/ctios-fields.ts';
import { checkCtiosSet } from './check.ts';
import { CA_CERT_FILE, filesOf } from './file-names.ts';
import { isKeyLabel, parsePemBlocks, PEM_LABEL } from './pem-blocks.ts';

export interface CtiosIdentity {
  certificatePem: string;
  keyPem: string;
  rootPem: string;
  root: X509Certificate;
  subject: string;
}

export async function loadCtiosIdentity(dir: string, role: CtiosRole): Promise<CtiosIdentity> {
  const report = await checkCtiosSet(dir, role);
  const errors = report.findings.filter((f) => f.severity === 'error');
  if (errors.length > 0) {
    throw new CtiError('CTIOS_SET_INVALID', `The CTI OS ${role} set in ${dir} is not usable: ${errors.map((f) => `${f.finding}: ${f.message}`).join('; ')}`);
  }
  const combined = parsePemBlocks((await readFile(join(dir, filesOf(role).combined))).toString('latin1'));
  const rootBlock = parsePemBlocks((await readFile(join(dir, CA_CERT_FILE))).toString('latin1')).find((b) => b.label === PEM_LABEL.certificate)!;
  const certificate = combined.find((b) => b.label === PEM_LABEL.certificate)!;
  const key = combined.find((b) => isKeyLabel(b.label))!;
  return {
    certificatePem: certificate.text,
    keyPem: key.text,
    rootPem: rootBlock.text,
    root: new X509Certificate(rootBlock.der),
    subject: new X509Certificate(certificate.der).subject.split('\n').join(', '),
  };
}
