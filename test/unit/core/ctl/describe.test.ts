import { beforeAll, describe, expect, it } from 'vitest';
import { buildSignedCtl } from '../../../../electron/core/ctl/build.ts';
import { decodeCtl } from '../../../../electron/core/ctl/codec.ts';
import { describeCtl, describeRecord } from '../../../../electron/core/ctl/describe.ts';
import { Role, roleName, CTL_SIGNING_ROLES } from '../../../../electron/core/ctl/tags.ts';
import { selfSignedIdentity, type TestIdentity } from './fixtures.ts';
import { X509Certificate } from 'node:crypto';
import { fingerprintSha256 } from '../../../../electron/core/ctl/certificate-fields.ts';

let sast: TestIdentity;
beforeAll(async () => {
  sast = await selfSignedIdentity({ CN: 'sast-1', O: 'Example' }, { serialNumber: Buffer.from('00ff10', 'hex') });
});

describe('roles', () => {
  it('names the known roles and numbers the unknown ones', () => {
    expect([0, 1, 2, 3, 4, 7, 21].map(roleName)).toEqual(['SAST', 'CCM', 'CCM+TFTP', 'TFTP', 'CAPF', 'APP-SERVER', 'TVS']);
    expect(roleName(99)).toBe('Role 99');
  });

  it('lets only SAST sign the next CTL', () => {
    expect([...CTL_SIGNING_ROLES]).toEqual([Role.SAST]);
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

describe('describeCtl: signature warnings', () => {
  const meta = (signer: TestIdentity) => ({
    firstTrustedAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    source: '192.0.2.1:69',
    fileName: 'CTLFile.tlv',
    trustedOnFirstUse: true,
    signerFingerprintSha256: fingerprintSha256(signer.certificate),
  });
  const ctlBy = (signer: TestIdentity, hash: 'sha1' | 'sha256') =>
    decodeCtl(buildSignedCtl({ signer, hash, timestamp: 1_800_000_000, records: [{ role: Role.SAST, certificate: signer.certificate }] }));

  it('has none for SHA-256 and a 2048-bit signer', async () => {
    const strong = await selfSignedIdentity({ CN: 'sast-strong' }, { key: { type: 'rsa', bits: 2048 } });
    expect(describeCtl(ctlBy(strong, 'sha256'), meta(strong)).warnings).toEqual([]);
  });

  it('names SHA-1 and an RSA key under 2048 bits', async () => {
    const weak = await selfSignedIdentity({ CN: 'sast-weak' }, { key: { type: 'rsa', bits: 1024 } });
    const warnings = describeCtl(ctlBy(weak, 'sha1'), meta(weak)).warnings;
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/signed with SHA-1/);
    expect(warnings[1]).toMatch(/RSA key has 1024 bits, under the 2048 bits/);
  });
});
