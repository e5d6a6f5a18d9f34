/**
 * The lab cluster's certificates, created once under the lab folder and reused on every start, like a
 * real cluster's: a SAST (ITLRecovery-style) signer for the CTL, the CallManager (CCM+TFTP) certificate
 * for TLS to CTIManager, and the CAPF certificate, which is a CA (Unified CM 14SU2+) and issues the LSCs.
 * All three are self-signed, as on Unified CM by default.
 */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/fs/atomic-file.ts';
import { createCertificate } from '../core/pki/certificate-builder.ts';
import { generateKeyPair, toPem, type DistinguishedName } from '../core/pki/certificates.ts';

export interface LabIdentity {
  certificate: Buffer;
  privateKey: KeyObject;
}

export interface LabPki {
  sast: LabIdentity;
  callManager: LabIdentity;
  capf: LabIdentity;
}

/** Stand-ins for a cluster's CAPF certificate gone wrong, made on demand: the support faults doctor names. */
export type LabCapfVariant = 'capfRegenerated' | 'capfNotCa';

const ORG = { O: 'ctiprefs lab', OU: 'Lab cluster' };
const IDENTITIES: Record<keyof LabPki | LabCapfVariant, { subject: DistinguishedName; isCa: boolean }> = {
  sast: { subject: { ...ORG, CN: 'ITLRECOVERY_cucm-lab' }, isCa: false },
  callManager: { subject: { ...ORG, CN: 'cucm-lab' }, isCa: false },
  capf: { subject: { ...ORG, CN: 'CAPF-lab' }, isCa: true },
  // Same name, new key: what "regenerate" on the CAPF certificate does.
  capfRegenerated: { subject: { ...ORG, CN: 'CAPF-lab' }, isCa: true },
  // What releases before 14SU2 had: an end-entity CAPF certificate.
  capfNotCa: { subject: { ...ORG, CN: 'CAPF-lab' }, isCa: false },
};

export async function loadOrCreate(dir: string, name: keyof LabPki | LabCapfVariant): Promise<LabIdentity> {
  const certPath = join(dir, `${name}.crt.pem`);
  const keyPath = join(dir, `${name}.key.pem`);
  try {
    const [certPem, keyPem] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
    return { certificate: Buffer.from(new X509Certificate(certPem).raw), privateKey: createPrivateKey(keyPem) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const { subject, isCa } = IDENTITIES[name];
  const keys = await generateKeyPair({ type: 'rsa', bits: 2048 });
  const certificate = createCertificate({
    subject,
    publicKey: keys.publicKey,
    selfSigningKey: keys.privateKey,
    isCa,
    // Unified CM 14SU2+ makes its CAPF certificate a CA that signs end-entity LSCs only.
    ...(isCa ? { pathLength: 0 } : {}),
    extendedKeyUsage: isCa ? undefined : ['serverAuth', 'clientAuth'],
    validityDays: 5 * 365,
  });
  // Key first: a certificate file without its key would be reloaded and fail.
  await writeFileAtomic(keyPath, keys.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
  await writeFileAtomic(certPath, toPem(certificate), 0o644);
  return { certificate, privateKey: keys.privateKey };
}

export async function loadOrCreateLabPki(dir: string): Promise<LabPki> {
  const [sast, callManager, capf] = await Promise.all(
    (['sast', 'callManager', 'capf'] as const).map((name) => loadOrCreate(dir, name)),
  );
  return { sast: sast!, callManager: callManager!, capf: capf! };
}
