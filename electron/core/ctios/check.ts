/**
 * `ctios check`: the CTI OS set in one folder, judged the way the chapter describes it, with each fault
 * reported by a stable name. Faults are findings, not throws: a check always answers.
 */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CtiosRole } from '../../../shared/ctios-fields.ts';
import { CHECK_FINDINGS, type CheckFinding, type CheckFindingName, type CheckReport, type CheckedFile } from '../../../shared/ctios-model.ts';
import { CA_CERT_FILE, filesOf } from './file-names.ts';
import { isKeyLabel, MAX_PEM_FILE_BYTES, parsePemBlocks, PEM_LABEL, type PemBlock } from './pem-blocks.ts';

export { CHECK_FINDINGS, type CheckFinding, type CheckFindingName, type CheckReport, type CheckedFile };

type FileRead = { state: 'missing' } | { state: 'unreadable'; reason: string } | { state: 'read'; blocks: PemBlock[] };

/** A CTI OS file as PEM blocks, without following a link or reading more than a PEM file can hold. */
export async function readSetFile(path: string): Promise<FileRead> {
  try {
    const stats = await lstat(path);
    if (!stats.isFile()) return { state: 'unreadable', reason: 'is not a regular file' };
    if (stats.size > MAX_PEM_FILE_BYTES) return { state: 'unreadable', reason: `is larger than ${MAX_PEM_FILE_BYTES} bytes` };
    const blocks = parsePemBlocks((await readFile(path)).toString('latin1'));
    return blocks.length === 0 ? { state: 'unreadable', reason: 'holds no PEM block' } : { state: 'read', blocks };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? { state: 'missing' } : { state: 'unreadable', reason: `cannot be read (${code ?? 'error'})` };
  }
}

function toCertificate(block: PemBlock): X509Certificate | undefined {
  try {
    return new X509Certificate(block.der);
  } catch {
    return undefined;
  }
}

class Findings {
  readonly list: CheckFinding[] = [];
  add(finding: CheckFindingName, file: string, message: string, severity: CheckFinding['severity'] = 'error'): void {
    this.list.push({ finding, severity, file, message });
  }

  validity(file: string, certificate: X509Certificate, now: Date): void {
    if (now < new Date(certificate.validFrom)) this.add('not-yet-valid', file, `${file}: the certificate is not valid before ${certificate.validFrom}`);
    if (now > new Date(certificate.validTo)) this.add('expired', file, `${file}: the certificate expired on ${certificate.validTo}`);
  }
}

export async function checkCtiosSet(dir: string, role: CtiosRole, now = new Date()): Promise<CheckReport> {
  const names = filesOf(role);
  const findings = new Findings();
  const files: CheckedFile[] = [];

  const root = await checkRoot(join(dir, CA_CERT_FILE), findings, files, now);
  await checkCombined(join(dir, names.combined), names.combined, root, findings, files, now);

  // The procedure's last steps delete these once the combined file exists; left behind, a key lies around twice.
  for (const leftover of [names.key, names.certificate]) {
    const read = await readSetFile(join(dir, leftover));
    if (read.state !== 'missing' && files.find((f) => f.name === names.combined)?.present) {
      findings.add('leftover-file', leftover, `${leftover} is still here; the procedure deletes it once ${names.combined} is made`, 'warning');
    }
  }
  return { role, dir, ok: !findings.list.some((f) => f.severity === 'error'), files, findings: findings.list };
}

async function checkRoot(path: string, findings: Findings, files: CheckedFile[], now: Date): Promise<X509Certificate | undefined> {
  const read = await readSetFile(path);
  if (read.state === 'missing') {
    files.push({ name: CA_CERT_FILE, present: false });
    findings.add('missing-file', CA_CERT_FILE, `${CA_CERT_FILE} is missing: copy the CA certificate into this folder`);
    return undefined;
  }
  files.push({ name: CA_CERT_FILE, present: true });
  if (read.state === 'unreadable') {
    findings.add('unreadable-file', CA_CERT_FILE, `${CA_CERT_FILE} ${read.reason}`);
    return undefined;
  }
  const blocks = read.blocks.filter((b) => b.label === PEM_LABEL.certificate);
  if (blocks.length > 1) findings.add('chain', CA_CERT_FILE, `${CA_CERT_FILE} holds ${blocks.length} certificates; CTI OS supports no chain: keep the root CA only`);
  const root = blocks[0] ? toCertificate(blocks[0]) : undefined;
  if (!root) {
    findings.add('unreadable-file', CA_CERT_FILE, `${CA_CERT_FILE} holds no readable certificate`);
    return undefined;
  }
  Object.assign(files[files.length - 1]!, describeCertificate(root));
  findings.validity(CA_CERT_FILE, root, now);
  return root;
}

async function checkCombined(
  path: string,
  name: string,
  root: X509Certificate | undefined,
  findings: Findings,
  files: CheckedFile[],
  now: Date,
): Promise<void> {
  const read = await readSetFile(path);
  if (read.state === 'missing') {
    files.push({ name, present: false });
    findings.add('missing-file', name, `${name} is missing: sign the request (ctios sign) or combine a third-party certificate with its key (ctios combine)`);
    return;
  }
  files.push({ name, present: true });
  if (read.state === 'unreadable') {
    findings.add('unreadable-file', name, `${name} ${read.reason}`);
    return;
  }
  const blocks = read.blocks;
  const certIndex = blocks.findIndex((b) => b.label === PEM_LABEL.certificate);
  const keyIndex = blocks.findIndex((b) => isKeyLabel(b.label));
  const certificateBlocks = blocks.filter((b) => b.label === PEM_LABEL.certificate);
  if (certIndex < 0) findings.add('missing-certificate', name, `${name} holds no certificate: it must hold the certificate first, then the key`);
  if (keyIndex < 0) findings.add('missing-key', name, `${name} holds no private key: append the request's key after the certificate`);
  if (certIndex >= 0 && keyIndex >= 0 && keyIndex < certIndex) {
    findings.add('key-before-certificate', name, `${name} has the key before the certificate; the order is very important: certificate first, then key`);
  }
  if (certificateBlocks.length > 1) {
    findings.add('chain', name, `${name} holds ${certificateBlocks.length} certificates; CTI OS supports no chain: keep only the ${name.replace(/\.pem$/, '')} certificate`);
  }
  const certificate = certIndex >= 0 ? toCertificate(blocks[certIndex]!) : undefined;
  if (certIndex >= 0 && !certificate) findings.add('unreadable-file', name, `${name}: its certificate cannot be read`);
  if (certificate) {
    Object.assign(files[files.length - 1]!, describeCertificate(certificate));
    findings.validity(name, certificate, now);
    if (root && !(certificate.checkIssued(root) && certificate.verify(root.publicKey))) {
      findings.add('not-signed-by-root', name, `${name}: the certificate is not signed by ${CA_CERT_FILE} (issuer: ${describeCertificate(certificate).issuer})`);
    }
  }
  const keyBlock = keyIndex >= 0 ? blocks[keyIndex]! : undefined;
  if (keyBlock && certificate) {
    const key = readKey(keyBlock);
    if (key === 'encrypted') findings.add('encrypted-key', name, `${name}: the private key is encrypted; CTI OS reads it unencrypted`);
    else if (key === undefined) findings.add('unreadable-file', name, `${name}: its private key cannot be read`);
    else if (!certificate.checkPrivateKey(key)) findings.add('key-mismatch', name, `${name}: the private key does not belong to the certificate`);
  }
}

function readKey(block: PemBlock): KeyObject | 'encrypted' | undefined {
  if (block.label === PEM_LABEL.encryptedPrivateKey || /Proc-Type: 4,ENCRYPTED/.test(block.text)) return 'encrypted';
  try {
    return createPrivateKey({ key: block.text, format: 'pem' });
  } catch {
    return undefined;
  }
}

/** A certificate's names on one line each (X509Certificate separates their parts with newlines) and its end. */
export function describeCertificate(certificate: X509Certificate): Pick<CheckedFile, 'subject' | 'issuer' | 'validTo'> {
  const oneLine = (name: string) => name.split('\n').join(', ');
  return { subject: oneLine(certificate.subject), issuer: oneLine(certificate.issuer), validTo: certificate.validTo };
}
