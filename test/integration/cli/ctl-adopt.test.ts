/**
 * `ctl refused` and `ctl adopt`, the real CLI against two labs whose CTLs have different signers (each lab
 * makes its own PKI, with the same names: a regenerated cluster). A refused update is kept aside (the last 3),
 * shown beside the trusted list, and adopted only with its signer's fingerprint.
 */
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { folderId } from '../../../electron/core/paths.ts';
import { decodeCtl } from '../../../electron/core/ctl/codec.ts';
import { Role, TLV_HEAD_BYTES } from '../../../electron/core/ctl/tags.ts';
import { buildSignedCtl } from '../../../electron/lab/ctl-builder.ts';
import { startLab, type Lab } from '../../../electron/lab/lab.ts';
import { loadOrCreateLabPki } from '../../../electron/lab/pki.ts';
import { parseLabProfile } from '../../../electron/lab/profiles.ts';
import type { RefusedCtlReport } from '../../../shared/model.ts';
import { runCli } from '../../helpers/cli.ts';
import { tempDir } from '../../helpers/temp.ts';

let trustedLab: Lab;
let regeneratedLab: Lab;
let root: Awaited<ReturnType<typeof tempDir>>;
let trustedSigner: string;
let newSigner: string;
let homes = 0;

const address = (lab: Lab) => `${lab.tftp.host}:${lab.tftp.port}`;
const cli = (home: string, args: string[], input?: string) => runCli(['--home', home, '--json', ...args], input === undefined ? {} : { input });
const json = <T = Record<string, unknown>>(run: { stdout: string }) => JSON.parse(run.stdout) as T;
const fetchFrom = (home: string, lab: Lab) => cli(home, ['ctl', 'fetch', '--tftp', address(lab)]);
const refusedDir = (home: string) => join(home, 'trust', 'refused', folderId(join(home, 'certificates')));

/** A home that trusts the first lab's CTL and has refused the regenerated lab's. */
async function homeWithRefusal(): Promise<string> {
  const home = join(root.path, `home${++homes}`);
  expect((await fetchFrom(home, trustedLab)).code).toBe(0);
  const refused = await fetchFrom(home, regeneratedLab);
  expect(refused.code).toBe(3);
  expect(json<{ error: { code: string } }>(refused).error.code).toBe('CTL_COMPROMISED');
  return home;
}

beforeAll(async () => {
  root = await tempDir('ctl-adopt');
  trustedLab = await startLab({ dir: join(root.path, 'lab-a'), profiles: [parseLabProfile('ad1:13572468:p256')] });
  // CTL timestamps count seconds: the regenerated cluster's list must be newer, or adopting it is a rollback.
  await new Promise((resolve) => setTimeout(resolve, 1100));
  regeneratedLab = await startLab({ dir: join(root.path, 'lab-b'), profiles: [parseLabProfile('ad1:24683579:p256')] });
  const probe = async (lab: Lab) => json<{ trustList: { signerFingerprintSha256: string } }>(await fetchFrom(join(root.path, `probe${lab.tftp.port}`), lab)).trustList.signerFingerprintSha256;
  trustedSigner = await probe(trustedLab);
  newSigner = await probe(regeneratedLab);
  expect(newSigner).not.toBe(trustedSigner);
}, 120_000);

afterAll(async () => {
  await trustedLab?.close();
  await regeneratedLab?.close();
  await root?.remove();
});

describe('ctiprefs ctl refused', () => {
  it('shows the refused update beside the trusted list: signers, hashes, timestamps, records changed', async () => {
    const home = await homeWithRefusal();
    const run = await cli(home, ['ctl', 'refused']);
    expect(run.code).toBe(0);
    const report = json<RefusedCtlReport>(run);
    expect(report.folder).toBe(join(home, 'certificates'));
    expect(report.trusted).toMatchObject({ signerFingerprintSha256: trustedSigner, signerSubject: expect.stringContaining('ITLRECOVERY_cucm-lab') });
    expect(report.refused).toHaveLength(1);
    const [refused] = report.refused;
    expect(refused).toMatchObject({
      list: { signerFingerprintSha256: newSigner, fileName: 'CTLFile.tlv', source: address(regeneratedLab), sha256: expect.stringMatching(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/) },
      reason: expect.stringContaining('is not listed in the SAST role of the trusted CTL'),
      added: [],
      removed: [],
    });
    expect(refused!.problem).toBeUndefined();
    expect(refused!.list.sha256).not.toBe(report.trusted!.sha256);
    // Same names, new keys: every record is a change of certificate, none an addition or removal.
    expect(refused!.changed.map((c) => [c.before.roleName, c.after.roleName])).toEqual([['SAST', 'SAST'], ['CCM+TFTP', 'CCM+TFTP'], ['CAPF', 'CAPF']]);
    for (const change of refused!.changed) expect(change.after.fingerprintSha256).not.toBe(change.before.fingerprintSha256);

    const text = await runCli(['--home', home, 'ctl', 'refused']);
    expect(text.stdout).toContain(`signer SHA-256: ${newSigner}`);
    expect(text.stdout).toContain(`signer SHA-256: ${trustedSigner}`);
    expect(text.stdout).toContain('0 added, 0 removed, 3 changed');
    // The fingerprint to confirm comes from the administrator; the command is never offered ready-made.
    expect(text.stdout).toContain('ctiprefs ctl adopt --fingerprint FINGERPRINT_FROM_UNIFIED_CM');
    expect(text.stdout).not.toContain(`--fingerprint ${newSigner}`);
  });

  it('keeps the refused file in the home, private, named by its hash', async () => {
    const home = await homeWithRefusal();
    const files = (await readdir(refusedDir(home))).sort();
    expect(files).toHaveLength(2);
    expect(files[1]).toBe('refused.json');
    expect(files[0]).toMatch(/^[0-9a-f]{64}\.tlv$/);
    for (const file of files) expect((await stat(join(refusedDir(home), file))).mode & 0o777).toBe(0o600);
    // Refused again: the same bytes are not kept twice.
    expect((await fetchFrom(home, regeneratedLab)).code).toBe(3);
    expect(await readdir(refusedDir(home))).toHaveLength(2);
  });

  it('says when nothing was refused, and adopt then refuses with exit 3', async () => {
    const home = join(root.path, `home${++homes}`);
    expect((await fetchFrom(home, trustedLab)).code).toBe(0);
    const run = await cli(home, ['ctl', 'refused']);
    expect(json<RefusedCtlReport>(run).refused).toEqual([]);
    expect((await runCli(['--home', home, 'ctl', 'refused'])).stdout).toContain('No refused CTL is kept for');
    const adopt = await cli(home, ['ctl', 'adopt', '--fingerprint', newSigner]);
    expect(adopt.code).toBe(3);
    expect(json<{ error: { code: string } }>(adopt).error.code).toBe('CTL_NOTHING_REFUSED');
  });

  it('keeps the last 3 of 4 refusals, newest first', async () => {
    const home = join(root.path, `home${++homes}`);
    expect((await fetchFrom(home, trustedLab)).code).toBe(0);
    const { sast, callManager, capf } = regeneratedLab.pki;
    const base = Math.floor(Date.now() / 1000) + 60;
    const served: number[] = [];
    try {
      for (let i = 1; i <= 4; i++) {
        served.push(base + i);
        regeneratedLab.serveCtl(
          buildSignedCtl({
            signer: sast,
            hash: 'sha256',
            timestamp: base + i,
            records: [
              { role: Role.SAST, certificate: sast.certificate },
              { role: Role.CCM_TFTP, certificate: callManager.certificate },
              ...(i % 2 === 0 ? [{ role: Role.CAPF, certificate: capf.certificate }] : []),
            ],
          }),
        );
        expect((await fetchFrom(home, regeneratedLab)).code).toBe(3);
      }
    } finally {
      regeneratedLab.serveCtl(await readFile(join(root.path, 'lab-b', 'tftp', 'CTLFile.tlv')));
    }
    const report = json<RefusedCtlReport>(await cli(home, ['ctl', 'refused']));
    expect(report.refused.map((r) => Date.parse(r.list.timestamp) / 1000)).toEqual([served[3], served[2], served[1]]);
    // The third refusal lists no CAPF record: the trusted CAPF certificate is removed, the others changed.
    expect(report.refused[1]!.removed.map((r) => r.roleName)).toEqual(['CAPF']);
    expect((await readdir(refusedDir(home))).filter((f) => f.endsWith('.tlv'))).toHaveLength(3);
  });
});

describe('ctiprefs ctl adopt', () => {
  it('refuses a wrong fingerprint with exit 3, both fingerprints shown, and changes nothing', async () => {
    const home = await homeWithRefusal();
    const before = await readdir(refusedDir(home));
    const trustRecord = await readFile(join(home, 'certificates', 'ctl-trust.json'), 'utf8');
    const run = await cli(home, ['ctl', 'adopt', '--fingerprint', trustedSigner]);
    expect(run.code).toBe(3);
    const { error } = json<{ error: { code: string; message: string } }>(run);
    expect(error.code).toBe('CTL_COMPROMISED');
    expect(error.message).toContain(newSigner);
    expect(error.message).toContain(trustedSigner);
    expect(await readFile(join(home, 'certificates', 'ctl-trust.json'), 'utf8')).toBe(trustRecord);
    expect(await readdir(refusedDir(home))).toEqual(before);
    expect(json<{ trustList: { signerFingerprintSha256: string } }>(await cli(home, ['ctl', 'show'])).trustList.signerFingerprintSha256).toBe(trustedSigner);
  });

  it('refuses a kept file whose bytes changed on disk, even with the right fingerprint', async () => {
    const home = await homeWithRefusal();
    const [kept] = (await readdir(refusedDir(home))).filter((f) => f.endsWith('.tlv'));
    // Another validly signed list by the same new signer, put in place of the kept bytes.
    const { sast } = regeneratedLab.pki;
    await writeFile(join(refusedDir(home), kept!), buildSignedCtl({ signer: sast, hash: 'sha256', records: [{ role: Role.SAST, certificate: sast.certificate }] }));
    const report = json<RefusedCtlReport>(await cli(home, ['ctl', 'refused']));
    expect(report.refused[0]!.problem).toContain('is not the one that was kept');
    const run = await cli(home, ['ctl', 'adopt', '--fingerprint', newSigner]);
    expect(run.code).toBe(3);
    expect(json<{ error: { code: string; message: string } }>(run).error).toMatchObject({ code: 'CTL_INVALID', message: expect.stringContaining('is not the one that was kept') });
    expect(json<{ trustList: { signerFingerprintSha256: string } }>(await cli(home, ['ctl', 'show'])).trustList.signerFingerprintSha256).toBe(trustedSigner);
  });

  it('refuses a value that is not a fingerprint, naming the flag (exit 2)', async () => {
    const home = await homeWithRefusal();
    const run = await cli(home, ['ctl', 'adopt', '--fingerprint', 'AB:CD']);
    expect(run.code).toBe(2);
    expect(json<{ error: { message: string } }>(run).error.message).toMatch(/^--fingerprint must be a SHA-256 fingerprint: 64 hex digits/);
    expect((await cli(home, ['ctl', 'adopt'])).code).toBe(2);
  });

  it('adopts with the right fingerprint in lower case with colons, logs both fingerprints, and later fetches verify against it', async () => {
    const home = await homeWithRefusal();
    const run = await cli(home, ['ctl', 'adopt', '--fingerprint', newSigner.toLowerCase()]);
    expect(run.code, run.stdout).toBe(0);
    expect(json(run)).toMatchObject({
      previousSignerFingerprintSha256: trustedSigner,
      signerFingerprintSha256: newSigner,
      trustList: { signerFingerprintSha256: newSigner, trustedOnFirstUse: false, source: address(regeneratedLab) },
    });
    expect(json<{ trustList: { signerFingerprintSha256: string } }>(await cli(home, ['ctl', 'show'])).trustList.signerFingerprintSha256).toBe(newSigner);
    expect(json<RefusedCtlReport>(await cli(home, ['ctl', 'refused'])).refused).toEqual([]);
    const log = await readFile(join(home, 'logs', 'ctiprefs.log'), 'utf8');
    const adopted = log.split('\n').find((line) => line.includes('ctl.adopted'));
    expect(adopted).toContain(trustedSigner);
    expect(adopted).toContain(newSigner);
    expect(json(await fetchFrom(home, regeneratedLab))).toMatchObject({ outcome: 'unchanged' });
    // The old signer no longer vouches for anything.
    expect((await fetchFrom(home, trustedLab)).code).toBe(3);
  });

  it('adopts the newest list the confirmed signer signed, past a stranger\'s list refused after it', async () => {
    const home = await homeWithRefusal();
    const stranger = await loadOrCreateLabPki(join(root.path, 'stranger'));
    const strangerList = buildSignedCtl({
      signer: stranger.sast,
      hash: 'sha256',
      timestamp: Math.floor(Date.now() / 1000) + 120,
      records: [{ role: Role.SAST, certificate: stranger.sast.certificate }],
    });
    try {
      regeneratedLab.serveCtl(strangerList);
      expect((await fetchFrom(home, regeneratedLab)).code).toBe(3);
    } finally {
      regeneratedLab.serveCtl(await readFile(join(root.path, 'lab-b', 'tftp', 'CTLFile.tlv')));
    }
    const before = json<RefusedCtlReport>(await cli(home, ['ctl', 'refused']));
    const strangerSigner = before.refused[0]!.list.signerFingerprintSha256;
    expect(before.refused.map((r) => r.list.signerFingerprintSha256)).toEqual([strangerSigner, newSigner]);

    const wrong = await cli(home, ['ctl', 'adopt', '--fingerprint', trustedSigner]);
    expect(wrong.code).toBe(3);
    // Every kept list's signer is named, so the administrator sees which one Unified CM should show.
    expect(json<{ error: { message: string } }>(wrong).error.message).toContain(`SHA-256 ${strangerSigner}, SHA-256 ${newSigner}`);

    const run = await cli(home, ['ctl', 'adopt', '--fingerprint', newSigner]);
    expect(run.code, run.stdout).toBe(0);
    expect(json(run)).toMatchObject({ previousSignerFingerprintSha256: trustedSigner, signerFingerprintSha256: newSigner, trustList: { timestamp: before.refused[1]!.list.timestamp } });
    // The stranger's list stays aside, for support staff to see; it is trusted by nothing.
    expect(json<RefusedCtlReport>(await cli(home, ['ctl', 'refused'])).refused.map((r) => r.list.signerFingerprintSha256)).toEqual([strangerSigner]);
    expect(json(await fetchFrom(home, regeneratedLab))).toMatchObject({ outcome: 'unchanged' });
  });

  it("adopts the signer's list with the newest timestamp, not the one refused last, and with --sha256 exactly the one named", async () => {
    const { sast, callManager, capf } = regeneratedLab.pki;
    const original = await readFile(join(root.path, 'lab-b', 'tftp', 'CTLFile.tlv'));
    const later = buildSignedCtl({
      signer: sast,
      hash: 'sha256',
      timestamp: Math.floor(Date.now() / 1000) + 120,
      records: [
        { role: Role.SAST, certificate: sast.certificate },
        { role: Role.CCM_TFTP, certificate: callManager.certificate },
        { role: Role.CAPF, certificate: capf.certificate },
      ],
    });
    /** Refuses the later list, then the original again: the original, older, is now the one refused last. */
    const homeWithTwo = async () => {
      const home = await homeWithRefusal();
      try {
        regeneratedLab.serveCtl(later);
        expect((await fetchFrom(home, regeneratedLab)).code).toBe(3);
      } finally {
        regeneratedLab.serveCtl(original);
      }
      expect((await fetchFrom(home, regeneratedLab)).code).toBe(3);
      const report = json<RefusedCtlReport>(await cli(home, ['ctl', 'refused']));
      expect(report.refused.map((r) => r.list.signerFingerprintSha256)).toEqual([newSigner, newSigner]);
      return { home, replayed: report.refused[0]!.list, newest: report.refused[1]!.list };
    };

    const first = await homeWithTwo();
    expect(Date.parse(first.newest.timestamp)).toBeGreaterThan(Date.parse(first.replayed.timestamp));
    const run = await cli(first.home, ['ctl', 'adopt', '--fingerprint', newSigner]);
    expect(run.code, run.stdout).toBe(0);
    expect(json(run)).toMatchObject({ trustList: { timestamp: first.newest.timestamp } });

    const second = await homeWithTwo();
    const named = await cli(second.home, ['ctl', 'adopt', '--fingerprint', newSigner, '--sha256', second.replayed.sha256.replaceAll(':', '').toLowerCase()]);
    expect(named.code, named.stdout).toBe(0);
    expect(json(named)).toMatchObject({ trustList: { timestamp: second.replayed.timestamp } });
    expect(json<RefusedCtlReport>(await cli(second.home, ['ctl', 'refused'])).refused.map((r) => r.list.sha256)).toEqual([second.newest.sha256]);
    const unknown = await cli(second.home, ['ctl', 'adopt', '--fingerprint', newSigner, '--sha256', second.replayed.sha256]);
    expect(unknown.code).toBe(2);
    expect(json<{ error: { message: string } }>(unknown).error.message).toContain(`--sha256: no refused CTL kept for ${join(second.home, 'certificates')} has the file SHA-256 ${second.replayed.sha256}; kept: ${second.newest.sha256}`);
  });

  it('names a kept list whose signature does not verify as unusable, with the reason, beside the signers of the others', async () => {
    const home = await homeWithRefusal();
    const { sast } = regeneratedLab.pki;
    const forged = buildSignedCtl({ signer: sast, hash: 'sha256', timestamp: Math.floor(Date.now() / 1000) + 120, records: [{ role: Role.SAST, certificate: sast.certificate }] });
    const signatureAt = decodeCtl(forged).signatureTlv.start + TLV_HEAD_BYTES;
    forged[signatureAt] = forged[signatureAt]! ^ 0x01;
    try {
      regeneratedLab.serveCtl(forged);
      expect((await fetchFrom(home, regeneratedLab)).code).toBe(3);
    } finally {
      regeneratedLab.serveCtl(await readFile(join(root.path, 'lab-b', 'tftp', 'CTLFile.tlv')));
    }
    const wrong = await cli(home, ['ctl', 'adopt', '--fingerprint', trustedSigner]);
    expect(wrong.code).toBe(3);
    const { error } = json<{ error: { code: string; message: string } }>(wrong);
    expect(error.code).toBe('CTL_COMPROMISED');
    expect(error.message).toContain(`their signers: SHA-256 ${newSigner}; unusable: the list refused `);
    expect(error.message).toMatch(/unusable: the list refused \S+ \(file SHA-256 ([0-9A-F]{2}:){7}[0-9A-F]{2}…\): its own signature does not verify with its own signer, so no signer is proven \(.*bad signature/);
    expect((await runCli(['--home', home, 'ctl', 'refused'])).stdout).toContain('--sha256 FILE_SHA256 adopts the one with that file SHA-256');

    // Only the forged list left: nothing can be used, and the reason is given.
    const [good] = json<RefusedCtlReport>(await cli(home, ['ctl', 'refused'])).refused.filter((r) => !r.problem);
    expect((await cli(home, ['ctl', 'adopt', '--fingerprint', newSigner, '--sha256', good!.list.sha256])).code).toBe(0);
    const invalid = await cli(home, ['ctl', 'adopt', '--fingerprint', newSigner]);
    expect(invalid.code).toBe(3);
    expect(json<{ error: { code: string; message: string } }>(invalid).error).toMatchObject({ code: 'CTL_INVALID', message: expect.stringContaining('so no signer is proven') });
  });

  it('after a tampered trusted list is forgotten, adopts the refused list by its fingerprint instead of a blind first use', async () => {
    const home = await homeWithRefusal();
    await writeFile(join(home, 'certificates', 'ctl-trust.json'), '{"format":3}');
    const tampered = json<RefusedCtlReport>(await cli(home, ['ctl', 'refused']));
    expect(tampered.trusted).toBeNull();
    expect(tampered.refused[0]!.added.map((r) => r.roleName)).toEqual(['SAST', 'CCM+TFTP', 'CAPF']);
    const refused = await cli(home, ['ctl', 'adopt', '--fingerprint', newSigner]);
    expect(refused.code).toBe(3);
    expect(json<{ error: { code: string } }>(refused).error.code).toBe('CTL_TAMPERED');
    expect((await cli(home, ['ctl', 'forget'])).code).toBe(0);
    const run = await cli(home, ['ctl', 'adopt', '--fingerprint', newSigner]);
    expect(run.code, run.stdout).toBe(0);
    expect(json(run)).toMatchObject({ previousSignerFingerprintSha256: null, signerFingerprintSha256: newSigner, trustList: { trustedOnFirstUse: false } });
  });

  it('adopts with the fingerprint written without colons, in a profile folder, and records it in the history', async () => {
    const home = join(root.path, `home${++homes}`);
    const enrolled = await runCli(
      ['--home', home, '--json', 'enroll', '--tftp', address(trustedLab), '--capf', `${trustedLab.capf.host}:${trustedLab.capf.port}`, '--user', 'agent', '--instance-id', 'ad1', '--auth-string-file', '-'],
      { input: '13572468\n' },
    );
    expect(enrolled.code, enrolled.stdout).toBe(0);
    expect((await fetchFrom(home, regeneratedLab)).code).toBe(3);
    const run = await cli(home, ['ctl', 'adopt', '--fingerprint', newSigner.replaceAll(':', ''), '--folder', join(home, 'certificates')]);
    expect(run.code, run.stdout).toBe(0);
    const history = JSON.parse(await readFile(join(home, 'history.json'), 'utf8')) as { profiles: Record<string, { outcome: string; signers?: unknown }[]> };
    const [profileHistory] = Object.values(history.profiles);
    expect(profileHistory?.[0]).toMatchObject({ outcome: 'adopted', signers: { previous: trustedSigner, adopted: newSigner } });
  });
});
