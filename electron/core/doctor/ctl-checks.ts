/**
 * Doctor checks 1 to 3: each TFTP server answers, the trust list is there (a "file not found" has two
 * possible causes, both named), and the list served verifies and is the trusted one, or why not.
 * Nothing here changes the trusted CTL: the checks judge, `ctl fetch` decides.
 */
import { type CtiError, ERRORS, toCtiError } from '../../../shared/errors.ts';
import { parseTftpServers } from '../ctl-update.ts';
import { fingerprintSha256 } from '../ctl/certificate-fields.ts';
import { decodeCtl, type CtlFile } from '../ctl/codec.ts';
import { trustListFileNames } from '../ctl/file-names.ts';
import { signingFingerprints, type CtlTrustStore, type TrustedCtl } from '../ctl/trust-store.ts';
import { verifyCtlSignature } from '../ctl/verify.ts';
import type { Logger } from '../log.ts';
import { tftpGet } from '../tftp/client.ts';
import { fail, notChecked, pass, warn, type DoctorCheck } from './checks.ts';

/** A doctor run answers within seconds: an unresponsive server costs 3 tries of 1 s, not the download default. */
const DOCTOR_TFTP = { timeoutMs: 1000, tries: 3 } as const;
/** The server never answered: its other names are not worth asking for. */
const NO_ANSWER_CODES = new Set(['NETWORK_UNREACHABLE', 'NETWORK_TIMEOUT', 'CANCELLED']);

export interface TftpProbe {
  server: string;
  /** Why it did not deliver, per name asked for. */
  errors: { fileName: string; error: CtiError }[];
  answered: boolean;
  delivered?: { fileName: string; data: Buffer };
}

/** Asks each server for the trust list under each of its names (CTLCAPF<hex>.tlv first), like an enrollment. */
export async function probeTftpServers(servers: readonly string[], capfHost: string | undefined, logger: Logger): Promise<TftpProbe[]> {
  const endpoints = parseTftpServers(servers);
  const names = await trustListFileNames(capfHost, logger);
  const probes: TftpProbe[] = [];
  for (const endpoint of endpoints) {
    const probe: TftpProbe = { server: `${endpoint.host}:${endpoint.port}`, errors: [], answered: false };
    for (const fileName of names) {
      try {
        const { data } = await tftpGet({ host: endpoint.host, port: endpoint.port, filename: fileName, ...DOCTOR_TFTP });
        probe.answered = true;
        probe.delivered = { fileName, data };
        break;
      } catch (err) {
        const error = toCtiError(err);
        probe.errors.push({ fileName, error });
        if (NO_ANSWER_CODES.has(error.code)) break;
        probe.answered = true;
      }
    }
    probes.push(probe);
  }
  return probes;
}

export function tftpReachableChecks(probes: readonly TftpProbe[]): DoctorCheck[] {
  return probes.map((probe) => {
    const id = `tftp-reachable:${probe.server}`;
    if (probe.answered) return pass(id, `TFTP server ${probe.server} answered over UDP.`);
    const reason = probe.errors[0]?.error.message ?? 'no answer';
    return fail(id, `TFTP server ${probe.server} did not answer: ${reason}.`, 'Check the TFTP server address and port (69 by default) and that a firewall lets UDP through.');
  });
}

export const CTL_PRESENT_ID = 'ctl-present';

export function ctlPresentCheck(probes: readonly TftpProbe[]): DoctorCheck {
  const delivering = probes.find((p) => p.delivered);
  const notFound = probes.filter((p) => p.answered && !p.delivered);
  const names = [...new Set(probes.flatMap((p) => p.errors.map((e) => e.fileName)))].join(' or ');
  if (delivering?.delivered) {
    const served = `${delivering.delivered.fileName} (${delivering.delivered.data.length} bytes) from ${delivering.server}`;
    if (notFound.length === 0) return pass(CTL_PRESENT_ID, `The trust list is there: ${served}.`);
    return warn(
      CTL_PRESENT_ID,
      `The trust list is there (${served}), but ${notFound.map((p) => p.server).join(', ')} answered without it.`,
      'Remove the TFTP servers that are not the cluster\'s from the list, or ask the administrator why they lack the CTL.',
    );
  }
  if (notFound.length === 0) return notChecked(CTL_PRESENT_ID, 'no TFTP server answered', 'tftp-reachable');
  const detail = `asked ${notFound.map((p) => p.server).join(', ')}`;
  return fail(
    CTL_PRESENT_ID,
    `No TFTP server has ${names} ("file not found"): either the cluster is not in mixed mode, so no CTL exists, or this is not the cluster's TFTP server (${detail}).`,
    'Ask the administrator whether cluster security is on (mixed mode: "utils ctl set-cluster mixed-mode" on the publisher); if it is, correct the TFTP server address to one of the cluster\'s TFTP servers.',
  );
}

export const CTL_TRUSTED_ID = 'ctl-trusted';

export interface CtlJudgement {
  check: DoctorCheck;
  /** The CTL the later checks use: the trusted one, else the verified download (first use). */
  reference?: CtlFile;
  trusted?: TrustedCtl;
}

function signerOf(ctl: CtlFile): { subject: string; fingerprint: string } {
  const signer = verifyCtlSignature(ctl);
  return { subject: ctl.header.signer.name, fingerprint: fingerprintSha256(signer.certificate.raw) };
}

/** Check 3: the served list verifies and is the trusted one, a trusted update, a first use, or a changed signer. */
export async function judgeServedCtl(probes: readonly TftpProbe[], store: CtlTrustStore): Promise<CtlJudgement> {
  let trusted: TrustedCtl | null;
  try {
    trusted = await store.current();
  } catch (err) {
    const error = toCtiError(err);
    return { check: fail(CTL_TRUSTED_ID, error.message, ERRORS[error.code].hint) };
  }
  const keep = trusted ? { reference: trusted.ctl, trusted } : {};
  const delivering = probes.find((p) => p.delivered);
  if (!delivering?.delivered) {
    return { ...keep, check: notChecked(CTL_TRUSTED_ID, 'no trust list was downloaded', CTL_PRESENT_ID) };
  }
  const from = `${delivering.delivered.fileName} from ${delivering.server}`;
  let served: CtlFile;
  let signer: { subject: string; fingerprint: string };
  try {
    served = decodeCtl(delivering.delivered.data);
    signer = signerOf(served);
  } catch (err) {
    const error = toCtiError(err);
    return { ...keep, check: fail(CTL_TRUSTED_ID, `${from} does not verify: ${error.message}.`, ERRORS[error.code].hint) };
  }
  if (!trusted) {
    return {
      reference: served,
      check: warn(
        CTL_TRUSTED_ID,
        `No CTL is trusted yet; ${from} verifies and would be trusted on first use (signer ${signer.subject}, SHA-256 ${signer.fingerprint}).`,
        'Run "ctiprefs ctl fetch" on a secure network and compare the signer fingerprint with the one the administrator gives you.',
      ),
    };
  }
  if (served.bytes.equals(trusted.ctl.bytes)) {
    return { ...keep, check: pass(CTL_TRUSTED_ID, `${from} verifies and is the trusted CTL (signer ${signer.subject}).`) };
  }
  const trustedSigner = `${trusted.ctl.header.signer.name} (SHA-256 ${trusted.signerFingerprintSha256})`;
  if (!signingFingerprints(trusted.ctl).has(signer.fingerprint)) {
    return {
      ...keep,
      check: fail(
        CTL_TRUSTED_ID,
        `The signer changed: ${from} is signed by ${signer.subject} (SHA-256 ${signer.fingerprint}), which the trusted CTL does not list as a signer; the trusted signer is ${trustedSigner}.`,
        'Ask the administrator whether the cluster certificates were regenerated; only if they confirm the new signer\'s SHA-256 fingerprint, trust the new list on purpose. Otherwise keep the trusted CTL: the new file may be an attack.',
      ),
    };
  }
  if (served.header.timestamp <= trusted.ctl.header.timestamp) {
    return {
      ...keep,
      check: fail(
        CTL_TRUSTED_ID,
        `${from} is signed by a trusted signer but is not newer than the trusted CTL (timestamp ${new Date(served.header.timestamp * 1000).toISOString()}): an old list served again.`,
        'Ask the administrator which TFTP server still serves an old CTL; the trusted CTL stays in use.',
      ),
    };
  }
  return {
    ...keep,
    check: pass(CTL_TRUSTED_ID, `${from} is a newer list signed by a trusted signer (${signer.subject}); the next fetch or enrollment adopts it.`),
  };
}
