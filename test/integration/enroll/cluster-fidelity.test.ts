/**
 * The lab modelling a real Unified CM cluster, over real sockets: devices named CTI-<instance ID>, a CAPF
 * server speaking protocol version 1 or 3, and a TFTP service that serves the trust list as
 * CTLCAPF<hex>.tlv, as CTLFile.tlv, or not at all.
 */
import { X509Certificate } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Profile } from '../../../shared/profile.ts';
import { openCore, type CoreContext } from '../../../electron/core/context.ts';
import { updateTrustedCtl } from '../../../electron/core/ctl-update.ts';
import { enrollCertificate, type EnrollmentCtl } from '../../../electron/core/enroll.ts';
import { memoryLogger } from '../../../electron/core/log.ts';
import { startLab, type Lab, type LabOptions } from '../../../electron/lab/lab.ts';
import { parseLabProfile } from '../../../electron/lab/profiles.ts';
import { profileForLab } from '../../helpers/lab-profile.ts';
import { tempDir } from '../../helpers/temp.ts';

const CAPF_NAME = 'CTLCAPF7f000001.tlv'; // the lab's CAPF server is 127.0.0.1

let labDir: Awaited<ReturnType<typeof tempDir>>;
let labs: Lab[] = [];
const homes: Awaited<ReturnType<typeof tempDir>>[] = [];

beforeAll(async () => {
  labDir = await tempDir('fidelity-lab');
}, 120_000);
afterEach(async () => {
  await Promise.all(labs.map((lab) => lab.close()));
  labs = [];
});
afterAll(async () => {
  for (const home of homes) await home.remove();
  await labDir?.remove();
});

async function labWith(options: Omit<LabOptions, 'dir'>): Promise<Lab> {
  const lab = await startLab({ dir: labDir.path, ...options });
  labs.push(lab);
  return lab;
}

async function freshCore(logger = memoryLogger()): Promise<CoreContext> {
  const home = await tempDir('fidelity-home');
  homes.push(home);
  return openCore({ home: home.path, logger });
}

/** Enrolls and returns the stored certificate's subject and key, and which trust list was used. */
async function enroll(core: CoreContext, profile: Profile, authString: string) {
  let ctl: EnrollmentCtl | undefined;
  const status = await enrollCertificate(core, { profile, authString, onCtl: (used) => (ctl = used) });
  const store = await core.certificateStore(core.dirOf(profile));
  const [stored] = await store.list();
  const der = await store.loadCertificate(profile.instanceId);
  return { status, stored, subject: der ? new X509Certificate(der).subject : undefined, ctl };
}

describe('device name', () => {
  it('enrolls with the default device name CTI-<instance ID>, the only name the lab CAPF knows', async () => {
    const lab = await labWith({ profiles: ['fid1:11112222:p256'].map(parseLabProfile) });
    const core = await freshCore();
    const profile = profileForLab(lab, 'fid1');
    expect(profile.deviceNameTemplate).toBe('CTI-{instance}');
    const result = await enroll(core, profile, '11112222');
    expect(result.status).toMatchObject({ state: 'succeeded', outcome: 'installed' });
    expect(result.subject).toBe('CN=CTI-fid1');
    expect(lab.capfServer.issued.has('CTI-fid1')).toBe(true);
  });

  it('sends the bare instance ID when the profile says {instance}, which the lab CAPF does not know', async () => {
    const lab = await labWith({ profiles: ['fid2:11113333:p256'].map(parseLabProfile) });
    const core = await freshCore();
    const profile = profileForLab(lab, 'fid2', { deviceNameTemplate: '{instance}' });
    await expect(enrollCertificate(core, { profile, authString: '11113333' })).rejects.toMatchObject({ code: 'CAPF_UNKNOWN_DEVICE' });
  });
});

describe('CAPF protocol version', () => {
  it('enrolls RSA against a version 1 CAPF server', async () => {
    const lab = await labWith({ capfVersion: 1, profiles: ['v1rsa:22221111:rsa1024'].map(parseLabProfile) });
    const result = await enroll(await freshCore(), profileForLab(lab, 'v1rsa'), '22221111');
    expect(result.status).toMatchObject({ state: 'succeeded', outcome: 'installed' });
    expect(result.stored).toMatchObject({ keyType: 'RSA', keySize: '1024' });
  });

  it('enrolls RSA and EC against a version 3 CAPF server', async () => {
    const lab = await labWith({ capfVersion: 3, profiles: ['v3rsa:33331111:rsa1024', 'v3ec:33332222:p384'].map(parseLabProfile) });
    const rsa = await enroll(await freshCore(), profileForLab(lab, 'v3rsa'), '33331111');
    expect(rsa.stored).toMatchObject({ keyType: 'RSA', keySize: '1024' });
    const ec = await enroll(await freshCore(), profileForLab(lab, 'v3ec'), '33332222');
    expect(ec.stored).toMatchObject({ keyType: 'EC', keySize: 'P-384' });
  });

  it('a version 1 lab refuses to start with an EC profile, naming the version and the key', async () => {
    await expect(startLab({ dir: labDir.path, capfVersion: 1, profiles: ['v1ec:44441111:p256'].map(parseLabProfile) })).rejects.toMatchObject({
      code: 'BAD_INPUT',
      message: 'Lab CAPF server: CAPF protocol version 1 allows RSA keys only, but profile CTI-v1ec asks for EC P-256',
    });
  });
});

describe('trust-list names', () => {
  it('enrolls from a cluster that serves the trust list only as CTLCAPF<hex>.tlv, and says so', async () => {
    const lab = await labWith({ ctlNames: 'ctlcapf', profiles: ['names1:55551111:p256'].map(parseLabProfile) });
    expect(lab.ctlNames).toEqual([CAPF_NAME]);
    const core = await freshCore();
    const profile = profileForLab(lab, 'names1');
    const result = await enroll(core, profile, '55551111');
    expect(result.status).toMatchObject({ state: 'succeeded' });
    expect(result.ctl).toEqual({ outcome: 'first-use', server: `${lab.tftp.host}:${lab.tftp.port}`, fileName: CAPF_NAME });
    expect((await (await core.trustStore(core.dirOf(profile))).current())?.fileName).toBe(CAPF_NAME);
  });

  it('enrolls from a cluster that serves only CTLFile.tlv, after asking for the CTLCAPF name first', async () => {
    const lab = await labWith({ ctlNames: 'ctlfile', profiles: ['names2:55552222:p256'].map(parseLabProfile) });
    const logger = memoryLogger();
    const profile = profileForLab(lab, 'names2');
    const result = await enroll(await freshCore(logger), profile, '55552222');
    expect(result.ctl).toMatchObject({ outcome: 'first-use', fileName: 'CTLFile.tlv' });
    const asked = logger.lines.filter((line) => line.includes('ctl.download.failed')).map((line) => JSON.parse(line).file);
    expect(asked).toEqual([CAPF_NAME]);
  });

  it('says CTL_NOT_FOUND naming both names when the cluster serves neither', async () => {
    const lab = await labWith({ ctlNames: 'none', profiles: ['names3:55553333:p256'].map(parseLabProfile) });
    const core = await freshCore();
    const error = await enrollCertificate(core, { profile: profileForLab(lab, 'names3'), authString: '55553333' }).catch((err: unknown) => err);
    expect(error).toMatchObject({ code: 'CTL_NOT_FOUND', message: expect.stringMatching(/^No TFTP server delivered CTLCAPF7f000001\.tlv or CTLFile\.tlv: /) });
    expect(lab.capfServer.sessions).toBe(0);
  });

  it('asks only for CTLFile.tlv without a CAPF server, and names a CAPF host by the IPv4 address it resolves to', async () => {
    const lab = await labWith({ ctlNames: 'ctlcapf' });
    const core = await freshCore();
    const store = await core.trustStore(core.layout.defaultCertificateDir);
    const servers = [`${lab.tftp.host}:${lab.tftp.port}`];
    const without = await updateTrustedCtl({ servers, store, logger: core.logger }).catch((err: unknown) => err);
    expect(without).toMatchObject({ code: 'CTL_NOT_FOUND', message: expect.stringMatching(/^No TFTP server delivered CTLFile\.tlv: /) });
    // 'localhost' resolves to 127.0.0.1 (family 4), the lab CAPF's address.
    const named = await updateTrustedCtl({ servers, capfHost: 'localhost', store, logger: core.logger });
    expect(named).toMatchObject({ outcome: 'first-use', fileName: CAPF_NAME });
  });
});
