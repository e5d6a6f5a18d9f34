import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { presetDir, readPreset } from '../../../electron/core/preset.ts';
import { lockFolderCommand, powerShellSddlReader } from '../../../electron/core/windows-acl.ts';
import { validatePreset } from '../../../shared/preset.ts';
import { defaultProfile } from '../../../shared/profile.ts';
import { ctiRejection } from '../../helpers/rejection.ts';
import { tempDir } from '../../helpers/temp.ts';
import { ADMIN_FILE, LOCKED_FOLDER, USER_FILE, USER_MADE_FOLDER, USER_SID as USER } from '../../helpers/windows-sddl.ts';

const profile = { ...defaultProfile('fleet'), userName: 'agent', instanceId: 'f1', tftpServers: ['10.0.0.1'], capfHost: '10.0.0.1' };

describe('the machine-wide preset', () => {
  it('lives in the OS machine-wide folder, unless CTIPREFS_PRESET_DIR says otherwise', () => {
    expect(presetDir({}, 'linux')).toBe('/etc/ctiprefs');
    expect(presetDir({}, 'darwin')).toBe('/Library/Application Support/ctiprefs');
    expect(presetDir({ ProgramData: 'D:\\ProgramData' }, 'win32')).toBe(join('D:\\ProgramData', 'ctiprefs'));
    expect(presetDir({ CTIPREFS_PRESET_DIR: '/srv/preset' }, 'linux')).toBe('/srv/preset');
  });

  it('keeps the expected signer apart from the settings it gives, normalised', () => {
    const checked = validatePreset({ version: 2, profiles: [{ ...profile, expectedSignerFingerprint: 'ab'.repeat(32) }], activeProfileId: 'fleet' });
    expect(checked).toEqual({
      ok: true,
      value: { settings: { version: 2, profiles: [profile], activeProfileId: 'fleet' }, expectedSigners: { fleet: Array(32).fill('AB').join(':') } },
    });
  });

  it('refuses the whole preset for one bad field, naming the profile and the field', () => {
    expect(validatePreset({ version: 2, profiles: [{ ...profile, expectedSignerFingerprint: 42 }], activeProfileId: null })).toEqual({
      ok: false,
      message: 'Profile 1: expectedSignerFingerprint must be a SHA-256 fingerprint: 64 hex digits, colons allowed',
    });
    expect(validatePreset({ version: 2, profiles: [{ ...profile, authString: '1234' }], activeProfileId: null })).toMatchObject({ ok: false, message: expect.stringMatching(/^Profile 1: Unknown profile field "authString"/) });
    expect(validatePreset('nope')).toEqual({ ok: false, message: 'Settings must be an object' });
  });
});

describe('the preset on Windows: owners and ACLs of folder and file', () => {
  let root: Awaited<ReturnType<typeof tempDir>>;
  let dir: string;
  let file: string;
  /** What `(Get-Acl).Sddl` would say of folder and file; records the paths it was asked about. */
  const acls = (folder: string, preset: string) => {
    const asked: string[][] = [];
    return { asked, readSddl: async (paths: readonly string[]) => (asked.push([...paths]), [folder, preset]) };
  };

  beforeAll(async () => {
    root = await tempDir('preset-windows');
    dir = join(root.path, 'ctiprefs');
    file = join(dir, 'preset.json');
    await mkdir(dir);
    // Mode bits that Linux would refuse: on Windows only the ACLs count.
    await writeFile(file, JSON.stringify({ version: 2, profiles: [profile], activeProfileId: 'fleet' }));
    await chmod(file, 0o666);
  });
  afterAll(async () => {
    await root?.remove();
  });

  it('reads a preset in the folder the installers lock, put there by an administrator; Linux still judges the mode', async () => {
    const locked = acls(LOCKED_FOLDER, ADMIN_FILE);
    expect(await readPreset(dir, { platform: 'win32', readSddl: locked.readSddl })).toMatchObject({ settings: { profiles: [profile] } });
    expect(locked.asked).toEqual([[dir, file]]);
    expect((await ctiRejection(readPreset(dir, { platform: 'linux', readSddl: locked.readSddl }))).message).toMatch(/can be changed by other users \(mode 666\)/);
  });

  it('refuses a folder an ordinary user made first, naming the owner, the writers and the icacls commands', async () => {
    const err = await ctiRejection(readPreset(dir, { platform: 'win32', ...acls(USER_MADE_FOLDER, USER_FILE) }));
    expect(err.code).toBe('HOME_UNSAFE');
    expect(err.message).toBe(
      `The preset ${dir} is in a folder that belongs to ${USER}, not to SYSTEM, Administrators or TrustedInstaller and can be changed by ${USER}: full control; ` +
        'Users (S-1-5-32-545): write data / create files, append data / create folders, write extended attributes, write attributes, so it is not used; ' +
        `run the ctiprefs installer again, or as an administrator: ${lockFolderCommand(dir)}; then check that preset.json is yours`,
    );
  });

  it('refuses a file a user planted in the locked folder, saying to delete it or reset its ACL', async () => {
    const err = await ctiRejection(readPreset(dir, { platform: 'win32', ...acls(LOCKED_FOLDER, USER_FILE) }));
    expect(err.message).toBe(
      `The preset ${file} belongs to ${USER}, not to SYSTEM, Administrators or TrustedInstaller and can be changed by ${USER}: full control, so it is not used; ` +
        `if an administrator did not put it there, delete it; otherwise as an administrator: takeown /F "${file}" /A && icacls "${file}" /reset`,
    );
    expect((await ctiRejection(readPreset(dir, { platform: 'win32', ...acls(LOCKED_FOLDER, 'garbage') }))).message).toMatch(/has permissions that could not be understood/);
  });

  it('refuses, rather than trusts, a preset whose permissions cannot be read (no PowerShell here)', async () => {
    const err = await ctiRejection(readPreset(dir, { platform: 'win32', readSddl: powerShellSddlReader({ SystemRoot: join(root.path, 'no-windows') }) }));
    expect(err.code).toBe('HOME_UNSAFE');
    expect(err.message).toMatch(new RegExp(`^The preset ${file.replaceAll('\\', '\\\\')} could not be checked \\(.*powershell\\.exe could not read the permissions: .*ENOENT\\), so it is not used; make sure Windows PowerShell can run`));
  });

  it('asks nothing when there is no preset', async () => {
    const none = acls(LOCKED_FOLDER, ADMIN_FILE);
    expect(await readPreset(join(root.path, 'absent'), { platform: 'win32', readSddl: none.readSddl })).toBeNull();
    await mkdir(join(root.path, 'empty'));
    expect(await readPreset(join(root.path, 'empty'), { platform: 'win32', readSddl: none.readSddl })).toBeNull();
    expect(none.asked).toEqual([]);
  });
});
