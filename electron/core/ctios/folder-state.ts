/**
 * The CTI OS files of one folder at a glance: which of the procedure's file names are there and, for
 * certificates and requests, their subject, issuer and end of validity. Keys are only said to be there;
 * nothing of a key is read into the answer. Like `check`, it always answers: a bad file is a `problem`.
 */
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { ctiosFileNames } from '../../../shared/ctios-file-names.ts';
import type { CtiosFileState, CtiosFolderState } from '../../../shared/ctios-model.ts';
import { readCertificateRequest } from './certificate-request.ts';
import { describeCertificate, readSetFile } from './check.ts';
import { isKeyLabel, PEM_LABEL, type PemBlock } from './pem-blocks.ts';

type ExpectedFile = ReturnType<typeof ctiosFileNames>[number];

function describeBlocks(file: ExpectedFile, blocks: PemBlock[], path: string): Partial<CtiosFileState> {
  if (file.kind === 'ca-key' || file.kind === 'key') {
    return blocks.some((b) => isKeyLabel(b.label)) ? {} : { problem: 'holds no private key' };
  }
  if (file.kind === 'request') {
    const request = blocks.find((b) => b.label === PEM_LABEL.certificateRequest || b.label === PEM_LABEL.newCertificateRequest);
    if (!request) return { problem: 'holds no certificate request' };
    try {
      return { subject: readCertificateRequest(request.der, path).subjectText };
    } catch {
      // The words fit "present, but it …"; `sign` names the exact fault when it reads the request.
      return { problem: 'holds a certificate request that does not verify (changed, damaged or not PKCS#10)' };
    }
  }
  const block = blocks.find((b) => b.label === PEM_LABEL.certificate);
  if (!block) return { problem: 'holds no certificate' };
  try {
    const certificate = new X509Certificate(block.der);
    return { ...describeCertificate(certificate), fingerprint256: certificate.fingerprint256 };
  } catch {
    return { problem: 'holds a certificate that cannot be read' };
  }
}

export async function describeCtiosFolder(dir: string): Promise<CtiosFolderState> {
  const files = await Promise.all(
    ctiosFileNames().map(async (file): Promise<CtiosFileState> => {
      const path = join(dir, file.name);
      const read = await readSetFile(path);
      if (read.state === 'missing') return { ...file, present: false };
      if (read.state === 'unreadable') return { ...file, present: true, problem: read.reason };
      return { ...file, present: true, ...describeBlocks(file, read.blocks, file.name) };
    }),
  );
  return { dir, files };
}
