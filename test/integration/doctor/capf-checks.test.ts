/**
 * The doctor's CAPF check judges a certificate the CTL lists as an enrollment does: a real TLS server on
 * loopback presents a CAPF certificate of the CTL that has expired, and the check fails saying why.
 */
import * as tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeCtl } from '../../../electron/core/ctl/codec.ts';
import { Role } from '../../../electron/core/ctl/tags.ts';
import { capfChecks, CAPF_REACHABLE_ID } from '../../../electron/core/doctor/capf-checks.ts';
import { buildSignedCtl } from '../../../electron/lab/ctl-builder.ts';
import { toPem } from '../../../electron/core/pki/certificates.ts';
import { makeIdentity, type TestIdentity } from '../../helpers/certificates.ts';

const DAY_MS = 86_400_000;
const servers: tls.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function tlsServer(identity: TestIdentity): Promise<number> {
  const server = tls.createServer({ cert: toPem(identity.certificate), key: identity.privateKey.export({ type: 'pkcs8', format: 'pem' }) }, (socket) => socket.end());
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function capfIdentity(validity: { notBefore?: Date; validityDays: number }): Promise<TestIdentity> {
  return makeIdentity({ type: 'ec', curve: 'P-256' }, { subject: { CN: 'CAPF-doctor', O: 'ctiprefs tests' }, isCa: true, ...validity });
}

describe('doctor: the CAPF server check', () => {
  it('fails for a CAPF certificate the CTL lists but that has expired, and passes for a valid one', async () => {
    // CTLs are signed with RSA.
    const sast = await makeIdentity({ type: 'rsa', bits: 2048 }, { subject: { CN: 'SAST-doctor' }, validityDays: 30 });
    const expired = await capfIdentity({ notBefore: new Date(Date.now() - 3 * DAY_MS), validityDays: 1 });
    const valid = await capfIdentity({ validityDays: 30 });
    const ctl = decodeCtl(
      buildSignedCtl({
        signer: sast,
        hash: 'sha256',
        records: [
          { role: Role.SAST, certificate: sast.certificate },
          { role: Role.CAPF, certificate: expired.certificate },
          { role: Role.CAPF, certificate: valid.certificate },
        ],
      }),
    );

    const refused = (await capfChecks('127.0.0.1', await tlsServer(expired), ctl)).checks.find((check) => check.id === CAPF_REACHABLE_ID);
    expect(refused).toMatchObject({ status: 'fail' });
    expect(refused?.message).toMatch(/expired on .*\(CERT_HAS_EXPIRED\): an enrollment refuses it/);

    const passed = (await capfChecks('127.0.0.1', await tlsServer(valid), ctl)).checks.find((check) => check.id === CAPF_REACHABLE_ID);
    expect(passed).toMatchObject({ status: 'pass' });
  });
});
