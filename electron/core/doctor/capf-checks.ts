/**
 * Doctor checks 4 and 5: the CAPF server answers TLS with a certificate the CTL lists in the CAPF role,
 * and that certificate is one Unified CM 14SU2+ issues LSCs with (see capf-certificate-lint.ts).
 */
import tls from 'node:tls';
import { capfServerCertificateProblem } from '../capf/server-certificate.ts';
import { fingerprintSha256 } from '../ctl/certificate-fields.ts';
import type { CtlFile } from '../ctl/codec.ts';
import { CAPF_ROLES } from '../ctl/tags.ts';
import { trustAnchorsByRole } from '../ctl/trust-store.ts';
import { failureOutcome, type ProbePhase } from '../ctimanager/outcomes.ts';
import { readableSubject } from '../ctimanager/server-trust.ts';
import { CLIENT_TLS_POLICY, NO_CA_LIST } from '../tls-policy.ts';
import { fail, notChecked, pass, warn, type DoctorCheck } from './checks.ts';
import { lintCapfCertificate } from './capf-certificate-lint.ts';

const CAPF_PROBE_TIMEOUT_MS = 5000;
export const CAPF_REACHABLE_ID = 'capf-reachable';
export const CAPF_CERTIFICATE_ID = 'capf-certificate';

type CapfProbe = { ok: true; certificate: Buffer; protocol: string } | { ok: false; message: string };

/**
 * A TLS handshake that only looks at the certificate the server presents: judged afterwards against the
 * CTL, so that an unlisted certificate can be described instead of just refused. Nothing is sent.
 */
function probeCapf(host: string, port: number): Promise<CapfProbe> {
  const server = `${host}:${port}`;
  return new Promise((resolve) => {
    let phase: ProbePhase = 'tcp';
    const socket = tls.connect({ host, port, ...NO_CA_LIST, rejectUnauthorized: false, checkServerIdentity: () => undefined, ...CLIENT_TLS_POLICY });
    const done = (result: CapfProbe) => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      socket.on('error', () => {});
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done({ ok: false, message: `${server} did not complete a TLS handshake within ${CAPF_PROBE_TIMEOUT_MS} ms` }), CAPF_PROBE_TIMEOUT_MS);
    socket.once('connect', () => (phase = 'handshake'));
    socket.once('secureConnect', () => {
      const certificate = socket.getPeerX509Certificate()?.raw;
      done(certificate ? { ok: true, certificate, protocol: socket.getProtocol() ?? 'TLS' } : { ok: false, message: `${server} presented no certificate` });
    });
    socket.on('error', (err: NodeJS.ErrnoException) => done({ ok: false, message: failureOutcome(server, phase, err).message.replace(/\.$/, '') }));
  });
}

/** Checks 4 and 5; the CTL is the trusted one (or the verified download when none is trusted yet). */
export async function capfChecks(host: string, port: number, ctl: CtlFile | undefined): Promise<{ checks: DoctorCheck[]; presented?: Buffer }> {
  const server = `${host}:${port}`;
  const probe = await probeCapf(host, port);
  if (!probe.ok) {
    return {
      checks: [
        fail(CAPF_REACHABLE_ID, `CAPF server ${server} cannot be reached over TLS: ${probe.message}.`, 'Check the CAPF address and port (3804 by default), and that the CAPF service runs on that node.'),
        notChecked(CAPF_CERTIFICATE_ID, 'the CAPF server presented no certificate', CAPF_REACHABLE_ID),
      ],
    };
  }
  const subject = readableSubject(probe.certificate) ?? 'an unreadable certificate';
  const presented = `${subject} (SHA-256 ${fingerprintSha256(probe.certificate)})`;
  const anchors = ctl ? trustAnchorsByRole(ctl, CAPF_ROLES) : [];
  // Judged as an enrollment judges it, so that the doctor never passes a server enrollment refuses.
  const problem = capfServerCertificateProblem(probe.certificate, anchors);
  let reachable: DoctorCheck;
  if (!ctl) {
    reachable = warn(CAPF_REACHABLE_ID, `CAPF server ${server} answered over ${probe.protocol} with ${presented}, but no CTL is available to check it against.`, 'Fetch the CTL first (see ctl-trusted).');
  } else if (problem === null) {
    reachable = pass(CAPF_REACHABLE_ID, `CAPF server ${server} answered over ${probe.protocol} with ${subject}, a CAPF certificate of the CTL.`);
  } else if (anchors.some((der) => der.equals(probe.certificate))) {
    reachable = fail(
      CAPF_REACHABLE_ID,
      `CAPF server ${server} presented ${presented}, which ${problem}: an enrollment refuses it.`,
      'The administrator must renew the CAPF certificate and update the CTL; then fetch the CTL again.',
    );
  } else {
    reachable = fail(
      CAPF_REACHABLE_ID,
      `CAPF server ${server} presented ${presented}, which the CTL does not list in the CAPF role.`,
      'If the CAPF certificate was regenerated, the administrator must update the CTL ("utils ctl update CTLFile") and you fetch it again; otherwise check the CAPF address.',
    );
  }
  return { checks: [reachable, lintCheck(probe.certificate)], presented: probe.certificate };
}

function lintCheck(der: Buffer): DoctorCheck {
  let lint;
  try {
    lint = lintCapfCertificate(der);
  } catch (err) {
    return fail(CAPF_CERTIFICATE_ID, `The CAPF certificate cannot be read: ${(err as Error).message}.`, 'Ask the administrator to regenerate the CAPF certificate.');
  }
  const facts = `${lint.key}, ${lint.hash}, valid to ${lint.validTo}`;
  if (lint.status === 'pass') return pass(CAPF_CERTIFICATE_ID, `The CAPF certificate ${lint.subject} is a CA (CA:TRUE, pathlen 0) with keyCertSign: ${facts}.`);
  const findings = [...lint.failures, ...lint.warnings].join('; ');
  const fix =
    'Ask the administrator to regenerate the CAPF certificate on Unified CM 14SU2 or later (a CA with basicConstraints CA:TRUE, pathlen 0, keyCertSign, RSA 2048+ and SHA-256), then update the CTL and fetch it again.';
  return lint.status === 'fail'
    ? fail(CAPF_CERTIFICATE_ID, `Unified CM 14SU2+ refuses LSCs from the CAPF certificate ${lint.subject}: ${findings} (${facts}).`, fix)
    : warn(CAPF_CERTIFICATE_ID, `The CAPF certificate ${lint.subject} works, but ${findings} (${facts}).`, fix);
}
