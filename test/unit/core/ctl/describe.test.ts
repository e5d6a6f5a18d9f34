import { beforeAll, describe, expect, it } from 'vitest';
import { buildSignedCtl } from '../../../../electron/core/ctl/build.ts';
import { decodeCtl } from '../../../../electron/core/ctl/codec.ts';
import { describeCtl, describeRecord } from '../../../../electron/core/ctl/describe.ts';
import { Role, roleName, SIGNING_ROLES } from '../../../../electron/core/ctl/tags.ts';
import { selfSignedIdentity, type TestIdentity } from './fixtures.ts';
import { X509Certificate } from 'node:crypto';

let sast: TestIdentity;
beforeAll(async () => {
  sast = await selfSignedIdentity({ CN: 'sast-1', O: 'Example' }, { serialNumber: Buffer.from('00ff10', 'hex') });
});

describe('roles', () => {
  it('names the known roles and numbers the unknown ones', () => {
    expect([0, 1, 2, 3, 4, 7, 21].map(roleName)).toEqual(['SAST', 'CCM', 'CCM+TFTP', 'TFTP', 'CAPF', 'APP-SERVER', 'TVS']);
    expect(roleName(99)).toBe('Role 99');
  });

  it('lets SAST, CCM+TFTP and TFTP sign, nobody else', () => {
    expect([...SIGNING_ROLES].sort()).toEqual([Role.SAST, Role.CCM_TFTP, Role.TFTP].sort());
  });
});

describe('describeRecord', () => {
  it('takes names, serial, validity and fingerprint from the certificate', () => {
    const x509 = new X509Certificate(sast.certificate);
    const info = describeRecord({ role: Role.SAST, certificate: sast.certificate, dnsName: 'sast.example', subjectName: 'ignored' });
    expect(info).toEqual({
      role: 0,
      roleName: 'SAST',
      dnsName: 'sast.example',
      subject: 'O=Example;CN=sast-1',
      issuer: 'O=Example;CN=sast-1',
      serialNumber: 'FF10',
      validFrom: new Date(x509.validFrom).toISOString(),
      validTo: new Date(x509.validTo).toISOString(),
      fingerprintSha256: x509.fingerprint256,
    });
  });

  it('falls back to the record strings when there is no certificate, or a broken one', () => {
    for (const certificate of [undefined, Buffer.from('not a certificate')]) {
      const info = describeRecord({ role: 42, subjectName: 'CN=x', issuerName: 'CN=y', serialNumber: Buffer.from([0, 1, 0xab]), certificate });
      expect(info).toEqual({ role: 42, roleName: 'Role 42', subject: 'CN=x', issuer: 'CN=y', serialNumber: '01AB' });
    }
  });
});

describe('describeCtl', () => {
  it('shows the header, the trust facts and every record', () => {
    const ctl = decodeCtl(
      buildSignedCtl({
        signer: sast,
        hash: 'sha512',
        timestamp: 1_800_000_000,
        records: [
          { role: Role.SAST, certificate: sast.certificate },
          { role: Role.CAPF, certificate: sast.certificate },
        ],
      }),
    );
    const meta = {
      firstTrustedAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-02-01T00:00:00.000Z',
      source: '192.0.2.1:69',
      fileName: 'CTLCAPFc0000201.tlv',
      trustedOnFirstUse: true,
      signerFingerprintSha256: 'AA:BB',
    };
    const info = describeCtl(ctl, meta);
    expect(info).toMatchObject({ ...meta, signerSubject: 'O=Example;CN=sast-1', hashAlgorithm: 'SHA-512', timestamp: '2027-01-15T08:00:00.000Z' });
    expect(info.records.map((r) => r.roleName)).toEqual(['SAST', 'CAPF']);
  });
});
