/**
 * Fleet presets with the real CLI against the lab on loopback and the real OS vault: profiles list,
 * settings export/import (byte for byte, checked by the published schema), the machine-wide preset
 * (CTIPREFS_PRESET_DIR stands in for /etc/ctiprefs), enroll --profile with overrides, --skip-if-valid
 * without a CAPF session, --start-within, and failed runs that leave no profile behind.
 */
import { chmod, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Ajv from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../../../electron/lab/lab.ts';
import { parseLabProfile } from '../../../electron/lab/profiles.ts';
import { defaultProfile, type Profile } from '../../../shared/profile.ts';
import { runCli } from '../../helpers/cli.ts';
import { tempDir } from '../../helpers/temp.ts';

let lab: Lab;
let root: Awaited<ReturnType<typeof tempDir>>;
let signer: string;

beforeAll(async () => {
  root = await tempDir('presets');
  lab = await startLab({ dir: join(root.path, 'lab'), profiles: ['pre1:11223344:p256', 'fail1:55667788:p256', 'fleet1:99887766:p256'].map(parseLabProfile) });
  const probe = await runCli(['--home', join(root.path, 'probe'), '--json', 'ctl', 'fetch', '--tftp', tftp()]);
  signer = JSON.parse(probe.stdout).trustList.signerFingerprintSha256;
}, 120_000);
afterAll(async () => {
  await lab?.close();
  await root?.remove();
});

const tftp = () => `${lab.tftp.host}:${lab.tftp.port}`;
const capf = () => `${lab.capf.host}:${lab.capf.port}`;
const home = (name: string) => join(root.path, name);
const body = (run: { stdout: string }) => JSON.parse(run.stdout || 'null') as Record<string, any>;
const cli = (name: string, args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}) => runCli(['--home', home(name), ...args], options);
const enrollFlags = (instanceId: string) => ['enroll', '--tftp', tftp(), '--capf', capf(), '--user', 'agent', '--instance-id', instanceId, '--auth-string-file', '-'];
const settingsOf = async (name: string) => JSON.parse(await readFile(join(home(name), 'settings.json'), 'utf8')) as { profiles: Profile[]; activeProfileId: string | null };
const schema = async (file: string) => new Ajv({ strict: true }).compile(JSON.parse(await readFile(new URL(`../../../docs/${file}`, import.meta.url), 'utf8')));

const labProfile = (id: string, instanceId: string): Profile => ({
  ...defaultProfile(id),
  userName: 'fleet-agent',
  instanceId,
  tftpServers: [tftp()],
  capfHost: lab.capf.host,
  capfPort: lab.capf.port,
});
const document = (profiles: object[], activeProfileId: string | null = null) => `${JSON.stringify({ version: 2, profiles, activeProfileId }, null, 2)}\n`;

describe('profiles list, settings export and import', () => {
  it('lists the enrolled profile; an export imported into another home gives back the same bytes, valid by the published schema', async () => {
    const enrolled = await cli('a', ['--json', ...enrollFlags('pre1')], { input: '11223344\n' });
    expect(enrolled.code, enrolled.stdout + enrolled.stderr).toBe(0);
    const listed = body(await cli('a', ['--json', 'profiles', 'list']));
    expect(listed).toEqual({
      source: 'settings',
      profiles: [{ id: expect.any(String), userName: 'agent', instanceId: 'pre1', tftpServers: [tftp()], capfServer: capf(), folder: join(home('a'), 'certificates'), active: true }],
    });
    expect((await cli('a', ['profiles', 'list'])).stdout).toMatch(/^\* \S+: user agent, instance ID pre1, TFTP /);

    const file = join(root.path, 'export.json');
    expect((await cli('a', ['settings', 'export', '--out', file])).code).toBe(0);
    const exported = await readFile(file, 'utf8');
    const validSettings = await schema('settings.schema.json');
    expect(validSettings(JSON.parse(exported)), JSON.stringify(validSettings.errors)).toBe(true);

    const imported = await cli('b', ['--json', 'settings', 'import', file]);
    expect(imported.code, imported.stdout).toBe(0);
    expect(body(imported)).toMatchObject({ added: [listed.profiles[0].id], replaced: [], removed: [] });
    expect(await readFile(join(home('b'), 'settings.json'), 'utf8')).toBe(exported);
    expect(`${(await cli('b', ['settings', 'export'])).stdout}`).toBe(exported);
  }, 90_000);

  it('refuses a document with a secret or a value out of range, naming the field and what is allowed; the settings stay as they were', async () => {
    const before = await readFile(join(home('a'), 'settings.json'), 'utf8');
    const secret = join(root.path, 'secret.json');
    await writeFile(secret, document([{ ...labProfile('s1', 'sec1'), authString: '12345678' }]));
    const refused = await cli('a', ['--json', 'settings', 'import', secret, '--merge']);
    expect(refused.code).toBe(2);
    expect(body(refused).error.message).toBe(`${secret}: Profile 1: Unknown profile field "authString"; allowed: id, userName, instanceId, tftpServers, capfHost, capfPort, secureConnection, ctiManagerServer, retries, retryInterval, deviceNameTemplate, certificatePath`);
    const range = join(root.path, 'range.json');
    await writeFile(range, document([{ ...labProfile('r1', 'ran1'), retries: 9 }]));
    expect(body(await cli('a', ['--json', 'settings', 'import', range])).error.message).toBe(`${range}: Profile 1: Retries must be 0 to 3`);
    await writeFile(range, '{"version": 2,');
    expect(body(await cli('a', ['--json', 'settings', 'import', range])).error.message).toMatch(new RegExp(`^${range} is not valid JSON`));
    expect(await readFile(join(home('a'), 'settings.json'), 'utf8')).toBe(before);
  });

  it('--merge adds and replaces by id and keeps the rest; an instance ID another profile has is refused, naming both', async () => {
    const first = join(root.path, 'first.json');
    await writeFile(first, document([labProfile('x', 'm1'), labProfile('y', 'm2')], 'x'));
    expect((await cli('c', ['settings', 'import', first])).code).toBe(0);
    const second = join(root.path, 'second.json');
    await writeFile(second, document([{ ...labProfile('y', 'm2'), userName: 'renamed' }, labProfile('z', 'm3')], 'z'));
    const merged = await cli('c', ['--json', 'settings', 'import', second, '--merge']);
    expect(body(merged)).toEqual({ file: second, merge: true, added: ['z'], replaced: ['y'], removed: [] });
    const settings = await settingsOf('c');
    expect(settings.profiles.map((p) => [p.id, p.userName])).toEqual([['x', 'fleet-agent'], ['y', 'renamed'], ['z', 'fleet-agent']]);
    expect(settings.activeProfileId).toBe('x');

    const clash = join(root.path, 'clash.json');
    await writeFile(clash, document([labProfile('w', 'm1')]));
    const refused = await cli('c', ['--json', 'settings', 'import', clash, '--merge']);
    expect(refused.code).toBe(2);
    expect(body(refused).error.message).toMatch(/^Profile "w" \(user fleet-agent, instance ID m1\) in .*clash\.json has the instance ID of profile "x" \(user fleet-agent, instance ID m1\) in the settings/);
    expect((await settingsOf('c')).profiles).toHaveLength(3);
    // Without --merge the file is the whole settings: x, y and z go.
    const replaced = body(await cli('c', ['--json', 'settings', 'import', clash]));
    expect(replaced).toMatchObject({ added: ['w'], removed: ['x', 'y', 'z'] });
  });
});

describe('enroll for fleets', () => {
  it('--skip-if-valid: a stored certificate with enough days left skips the run with no CAPF session, so the string stays unspent', async () => {
    lab.capfServer.setProfile(parseLabProfile('pre1:44332211:p256'));
    const sessions = lab.capfServer.sessions;
    const skipped = await cli('a', ['--json', ...enrollFlags('pre1'), '--skip-if-valid', '1'], { input: '44332211\n' });
    expect(skipped.code, skipped.stdout).toBe(0);
    expect(body(skipped)).toMatchObject({ skipped: true, instanceId: 'pre1', certificate: { expired: false } });
    expect(lab.capfServer.sessions).toBe(sessions);
    // More days than the certificate has left: the run goes to CAPF, with the string the skipped run kept.
    const renewed = await cli('a', ['--json', ...enrollFlags('pre1'), '--skip-if-valid', '3650'], { input: '44332211\n' });
    expect(renewed.code, renewed.stdout).toBe(0);
    expect(body(renewed)).toMatchObject({ skipped: false, status: { state: 'succeeded', outcome: 'installed' } });
    expect(lab.capfServer.sessions).toBeGreaterThan(sessions);
  }, 90_000);

  it('enroll --profile ID takes the saved profile; flags given override it for this run only; --start-within waits first', async () => {
    lab.capfServer.setProfile(parseLabProfile('pre1:12121212:p256'));
    const [saved] = (await settingsOf('a')).profiles;
    const run = await cli('a', ['--json', 'enroll', '--profile', saved!.id, '--retries', '2', '--start-within', '1', '--auth-string-file', '-'], { input: '12121212\n' });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(body(run)).toMatchObject({ profileId: saved!.id, status: { state: 'succeeded' } });
    expect((await settingsOf('a')).profiles).toEqual([saved]);
    const unknown = await cli('a', ['--json', 'enroll', '--profile', 'nope', '--auth-string-file', '-'], { input: '12121212\n' });
    expect(body(unknown).error.message).toBe(`--profile: no profile with id "nope"; profiles: ${saved!.id}`);
    for (const [flag, value, rule] of [['--skip-if-valid', '3651', 'Days must be 0 to 3650'], ['--start-within', '-1', 'Seconds must be 0 to 3600'], ['--start-within', 'soon', 'Seconds must be 0 to 3600']]) {
      const bad = await cli('a', ['--json', 'enroll', '--profile', saved!.id, flag!, value!, '--auth-string-file', '-'], { input: '12121212\n' });
      expect([bad.code, body(bad).error.message]).toEqual([2, `${flag}: ${rule}, got "${value}"`]);
    }
  }, 90_000);

  it('a failed enroll leaves no new profile and puts a changed one back; status names user and instance ID, never a profile id', async () => {
    const failed = await cli('f', ['--json', ...enrollFlags('fail1')], { input: '00000000\n' });
    expect([failed.code, body(failed).error.code]).toEqual([4, 'CAPF_AUTH_FAILED']);
    expect((await settingsOf('f')).profiles).toEqual([]);
    expect(body(await cli('f', ['--json', 'status']))).toEqual({ status: [] });

    const before = await settingsOf('a');
    const changed = await cli('a', ['--json', ...enrollFlags('pre1'), '--retries', '3'], { input: '00000000\n' });
    expect(changed.code).toBe(4);
    expect(await settingsOf('a')).toEqual(before);
    const status = await cli('a', ['status']);
    expect(status.stdout).toMatch(/^user agent, instance ID pre1: failed CAPF_AUTH_FAILED/);
    expect(status.stdout).not.toContain(before.profiles[0]!.id);
    const [row] = body(await cli('a', ['--json', 'status'])).status;
    expect(row).toMatchObject({ userName: 'agent', instanceId: 'pre1', state: 'failed' });
    expect(JSON.stringify(row)).not.toContain(before.profiles[0]!.id);
  }, 90_000);
});

describe('the machine-wide preset', () => {
  const presetDir = () => join(root.path, 'preset');
  const env = () => ({ CTIPREFS_PRESET_DIR: presetDir() });
  const writePreset = async (text: string, mode = 0o644) => {
    await mkdir(presetDir(), { recursive: true, mode: 0o755 });
    await writeFile(join(presetDir(), 'preset.json'), text, { mode });
    await chmod(join(presetDir(), 'preset.json'), mode);
  };
  const fleetPreset = (fingerprint: string) => document([{ ...labProfile('fleet', 'fleet1'), expectedSignerFingerprint: fingerprint }], 'fleet');

  it('gives a home without settings its profiles, and its expected signer: no trust on first use', async () => {
    const text = fleetPreset(`${'AB:'.repeat(31)}AB`);
    const validPreset = await schema('preset.schema.json');
    expect(validPreset(JSON.parse(text))).toBe(true);
    await writePreset(text);
    const listed = body(await cli('g', ['--json', 'profiles', 'list'], { env: env() }));
    expect(listed).toMatchObject({ source: 'preset', profiles: [{ id: 'fleet', instanceId: 'fleet1', active: true }] });

    const wrong = await cli('g', ['--json', 'enroll', '--profile', 'fleet', '--auth-string-file', '-'], { input: '99887766\n', env: env() });
    expect([wrong.code, body(wrong).error.code]).toEqual([3, 'CTL_COMPROMISED']);
    expect(body(wrong).error.message).toContain(signer);

    await writePreset(fleetPreset(signer.replaceAll(':', '').toLowerCase()));
    const right = await cli('g', ['--json', 'enroll', '--profile', 'fleet', '--auth-string-file', '-'], { input: '99887766\n', env: env() });
    expect(right.code, right.stdout).toBe(0);
    expect(body(right)).toMatchObject({ profileId: 'fleet', ctl: { outcome: 'first-use' }, status: { state: 'succeeded' } });
    const trusted = body(await cli('g', ['--json', 'ctl', 'show'], { env: env() }));
    expect(trusted.trustList).toMatchObject({ signerFingerprintSha256: signer, trustedOnFirstUse: false });
  }, 90_000);

  it("holds the expected signer when the folder already trusts another one (an unpinned fetch came first)", async () => {
    // Trust is kept per folder: a plain `ctl fetch` trusts the lab's list into the default folder first.
    expect((await cli('pin', ['ctl', 'fetch', '--tftp', tftp()])).code).toBe(0);
    await writePreset(fleetPreset(`${'AB:'.repeat(31)}AB`));
    const refused = await cli('pin', ['--json', 'enroll', '--profile', 'fleet', '--auth-string-file', '-'], { input: '99887766\n', env: env() });
    expect([refused.code, body(refused).error.code]).toEqual([3, 'CTL_COMPROMISED']);
    expect(body(refused).error.message).toMatch(/does not list the expected signer AB:AB/);
  }, 90_000);

  it('refuses a preset others can change, a link, bad JSON or a wrong type as a whole, naming the file and the fault', async () => {
    const file = join(presetDir(), 'preset.json');
    const fresh = async () => cli('h', ['--json', 'profiles', 'list'], { env: env() });
    await writePreset(fleetPreset(signer), 0o666);
    expect([(await fresh()).code, body(await fresh()).error.message]).toEqual([6, `The preset ${file} can be changed by other users (mode 666), so it is not used; run "chmod go-w ${file}"`]);
    await writePreset('{"version": 2, "profiles": [');
    expect(body(await fresh()).error.message).toMatch(new RegExp(`^The preset ${file} is not valid JSON .*; fix it or remove it$`));
    await writePreset(document([{ ...labProfile('fleet', 'fleet1'), retries: '3' }]));
    expect([(await fresh()).code, body(await fresh()).error.message]).toEqual([2, `The preset ${file}: Profile 1: Retries must be 0 to 3; nothing of it is used`]);
    await writePreset(document([{ ...labProfile('fleet', 'fleet1'), expectedSignerFingerprint: 'abc' }]));
    expect(body(await fresh()).error.message).toMatch(/Profile 1: expectedSignerFingerprint must be a SHA-256 fingerprint: 64 hex digits/);
    const real = join(root.path, 'real-preset.json');
    await writeFile(real, fleetPreset(signer));
    await rm(file);
    await symlink(real, file);
    expect([(await fresh()).code, body(await fresh()).error.message]).toEqual([6, `The preset ${file} is a symbolic link, so it is not used; put the file itself there`]);
  }, 90_000);
});
