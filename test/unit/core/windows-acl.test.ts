/**
 * The Windows ACL judge on SDDL strings as `(Get-Acl -LiteralPath X).Sddl` prints them; the PowerShell reader
 * where it can run here: a missing PowerShell, one that hangs, and the way paths reach it.
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockFolderCommand, parseSddl, powerShellSddlReader, untrustedChangers } from '../../../electron/core/windows-acl.ts';
import { tempDir } from '../../helpers/temp.ts';
import { ADMIN_FILE, LOCKED_FOLDER, PROGRAM_DATA, TRUSTED_INSTALLER_SID, USER_FILE, USER_MADE_FOLDER, USER_SID as USER } from '../../helpers/windows-sddl.ts';

describe('untrustedChangers', () => {
  it('lets the folder the installers make, a file an administrator put in it, and TrustedInstaller pass', () => {
    expect(untrustedChangers(LOCKED_FOLDER)).toBeNull();
    expect(untrustedChangers(ADMIN_FILE)).toBeNull();
    expect(untrustedChangers(`O:${TRUSTED_INSTALLER_SID}G:SYD:P(A;;FA;;;${TRUSTED_INSTALLER_SID})(A;;FA;;;S-1-5-18)(A;;0x1200a9;;;S-1-5-32-545)`)).toBeNull();
  });

  it('refuses a folder a user made first: owned by the user, who and Users can add files', () => {
    expect(untrustedChangers(USER_MADE_FOLDER)).toBe(
      `belongs to ${USER}, not to SYSTEM, Administrators or TrustedInstaller and can be changed by ${USER}: full control; ` +
        'Users (S-1-5-32-545): write data / create files, append data / create folders, write extended attributes, write attributes',
    );
    expect(untrustedChangers(USER_FILE)).toBe(`belongs to ${USER}, not to SYSTEM, Administrators or TrustedInstaller and can be changed by ${USER}: full control`);
  });

  it('refuses %ProgramData% itself: Users may create files there, though Creator Owner is inherit-only', () => {
    expect(untrustedChangers(PROGRAM_DATA)).toBe('can be changed by Users (S-1-5-32-545): write data / create files, append data / create folders, write extended attributes, write attributes');
  });

  it('names each well-known principal with a write right, in SID or alias form', () => {
    expect(untrustedChangers('O:BAD:P(A;;FA;;;BA)(A;OICI;FW;;;WD)')).toBe(
      'can be changed by Everyone (S-1-1-0): write data / create files, append data / create folders, write extended attributes, write attributes',
    );
    expect(untrustedChangers('O:SYD:(A;;WD;;;AU)(A;;WO;;;IU)(A;;SD;;;S-1-5-32-545)(A;;GA;;;CO)')).toBe(
      'can be changed by Authenticated Users (S-1-5-11): change permissions; Interactive (S-1-5-4): take ownership; Users (S-1-5-32-545): delete; Creator Owner (S-1-3-0): full control',
    );
    expect(untrustedChangers('O:BAD:(A;;GW;;;BU)(A;;DC;;;BU)')).toMatch(/^can be changed by Users \(S-1-5-32-545\): write data \/ create files, append data/);
  });

  it('reads hex masks: the read-only ones pass, Modify (0x1301bf) and DELETE_CHILD (0x40) do not', () => {
    expect(untrustedChangers('O:BAD:(A;;0x1200a9;;;BU)(A;;0x120089;;;AU)(A;;0X20000;;;WD)')).toBeNull();
    expect(untrustedChangers('O:BAD:(A;OICI;0x1301bf;;;AU)')).toBe(
      'can be changed by Authenticated Users (S-1-5-11): write data / create files, append data / create folders, write extended attributes, write attributes, delete',
    );
    expect(untrustedChangers('O:BAD:(A;;0x40;;;BU)')).toBe('can be changed by Users (S-1-5-32-545): delete children');
    expect(untrustedChangers('O:BAD:(A;;0x10000000;;;BU)')).toBe('can be changed by Users (S-1-5-32-545): full control');
  });

  it('never counts a deny ACE as protection, nor as a grant; skips inherit-only ACEs', () => {
    expect(untrustedChangers('O:BAD:(D;;FA;;;WD)(A;;FA;;;BA)')).toBeNull();
    expect(untrustedChangers('O:BAD:(D;;FW;;;BU)(A;;FA;;;BA)(A;;FW;;;BU)')).toMatch(/^can be changed by Users \(S-1-5-32-545\)/);
    expect(untrustedChangers('O:BAD:(A;OICIIO;FA;;;BU)')).toBeNull();
  });

  it('counts object and conditional allow ACEs as grants, nested parentheses and quotes included', () => {
    expect(untrustedChangers('O:BAD:(XA;;FA;;;WD;(@User.Title == "a (b)" && (Member_of {SID(BA)})))')).toBe('can be changed by Everyone (S-1-1-0): full control');
    expect(untrustedChangers('O:BAD:(OA;;WP;bf967a86-0de6-11d0-a285-00aa003049e2;;BU)')).toBeNull();
    expect(untrustedChangers('O:BAD:(OA;;DC;bf967a86-0de6-11d0-a285-00aa003049e2;;BU)')).toMatch(/^can be changed by Users/);
  });

  it('refuses a missing owner, a missing or null DACL, and an owner outside the three', () => {
    expect(untrustedChangers('G:SYD:(A;;FA;;;BA)')).toBe('has no owner');
    expect(untrustedChangers('O:BAG:SY')).toBe('has no access control list, so everyone can change it');
    expect(untrustedChangers('O:BAD:NO_ACCESS_CONTROL')).toBe('has no access control list, so everyone can change it');
    expect(untrustedChangers('O:BUD:P')).toBe('belongs to Users (S-1-5-32-545), not to SYSTEM, Administrators or TrustedInstaller');
    expect(untrustedChangers('O:LAD:P(A;;FA;;;BA)')).toBe('belongs to LA, not to SYSTEM, Administrators or TrustedInstaller');
  });

  it('refuses malformed SDDL with the fault named, never throwing', () => {
    const cases: Array<[string, RegExp]> = [
      ['', /is not a security descriptor in SDDL/],
      ['not sddl', /is not a security descriptor in SDDL/],
      ['O:BAD:(A;;FA;;;BA', /has no closing "\)"/],
      ['O:BAD:(A;;FA;;BA)', /has 5 fields, not 6/],
      ['O:BAD:(Q;;FA;;;BA)', /has type "Q", which does not belong in a DACL/],
      ['O:BAD:(AU;SA;FA;;;WD)', /has type "AU"/],
      ['O:BAD:(A;XX;FA;;;BA)', /unknown flags "XX"/],
      ['O:BAD:(A;;ZZ;;;BA)', /rights "ZZ" are neither a hex mask/],
      ['O:BAD:(A;;0x123456789;;;BA)', /rights "0x123456789"/],
      ['O:BAD:(A;;;;;BA)', /rights ""/],
      ['O:BAD:(A;;FA;;;S-1-x)', /ACE trustee "S-1-x" is not a SID/],
      ['O:nobodyD:(A;;FA;;;BA)', /owner "nobody" is not a SID/],
      ['O:BAD:xyz', /expected "\(" at "xyz"/],
    ];
    for (const [sddl, fault] of cases) {
      const problem = untrustedChangers(sddl);
      expect(problem, sddl).toMatch(/^has permissions that could not be understood \(/);
      expect(problem, sddl).toMatch(fault);
    }
  });
});

describe('parseSddl', () => {
  it('gives owner and DACL with aliases as SIDs and generic rights as file rights; group and SACL read past', () => {
    expect(parseSddl(`${LOCKED_FOLDER}S:AI(AU;SAFA;FA;;;WD)`)).toEqual({
      owner: 'S-1-5-32-544',
      dacl: [
        { type: 'A', flags: ['OI', 'CI'], mask: 0x1f01ff, sid: 'S-1-5-18' },
        { type: 'A', flags: ['OI', 'CI'], mask: 0x1f01ff, sid: 'S-1-5-32-544' },
        { type: 'A', flags: ['OI', 'CI'], mask: 0x1200a9, sid: 'S-1-5-32-545' },
      ],
    });
    expect(parseSddl('O:SYD:(A;OICIIO;GA;;;CO)(A;;GR;;;BU)').dacl).toEqual([
      { type: 'A', flags: ['OI', 'CI', 'IO'], mask: 0x1f01ff, sid: 'S-1-3-0' },
      { type: 'A', flags: [], mask: 0x120089, sid: 'S-1-5-32-545' },
    ]);
  });
});

describe('lockFolderCommand', () => {
  it('takes ownership for Administrators, drops planted ACEs and inheritance, and grants by SID only', () => {
    expect(lockFolderCommand('C:\\ProgramData\\ctiprefs')).toBe(
      'takeown /F "C:\\ProgramData\\ctiprefs" /A && icacls "C:\\ProgramData\\ctiprefs" /reset && ' +
        'icacls "C:\\ProgramData\\ctiprefs" /inheritance:r /grant:r *S-1-5-18:(OI)(CI)F *S-1-5-32-544:(OI)(CI)F *S-1-5-32-545:(OI)(CI)RX',
    );
  });
});

describe('powerShellSddlReader', () => {
  let root: Awaited<ReturnType<typeof tempDir>>;
  /** A SystemRoot whose powershell.exe is the given shell script (this is Linux: a script runs as well as an .exe). */
  const systemRootWith = async (name: string, script: string) => {
    const folder = join(root.path, name, 'System32', 'WindowsPowerShell', 'v1.0');
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, 'powershell.exe'), `#!/bin/sh\n${script}\n`);
    await chmod(join(folder, 'powershell.exe'), 0o755);
    return join(root.path, name);
  };
  beforeAll(async () => {
    root = await tempDir('windows-acl');
  });
  afterAll(async () => {
    await root?.remove();
  });

  it('rejects, naming PowerShell, when it is not there', async () => {
    const read = powerShellSddlReader({ SystemRoot: join(root.path, 'no-windows') });
    await expect(read(['C:\\ProgramData\\ctiprefs'])).rejects.toThrow(/powershell\.exe could not read the permissions: .*ENOENT/);
  });

  it('rejects when it does not answer in time', async () => {
    const read = powerShellSddlReader({ SystemRoot: await systemRootWith('hangs', 'exec sleep 30') }, 200);
    await expect(read(['C:\\ProgramData\\ctiprefs'])).rejects.toThrow(/powershell\.exe could not read the permissions: it did not answer within 0.2 s/);
  });

  it('rejects its error message, and a count of answers that is not one per path', async () => {
    const fails = powerShellSddlReader({ SystemRoot: await systemRootWith('fails', 'echo "Get-Acl : Access is denied" >&2; exit 1') });
    await expect(fails(['C:\\x'])).rejects.toThrow(/could not read the permissions: Get-Acl : Access is denied$/);
    const short = powerShellSddlReader({ SystemRoot: await systemRootWith('short', `echo '${LOCKED_FOLDER}'`) });
    await expect(short(['C:\\x', 'C:\\x\\preset.json'])).rejects.toThrow(/gave 1 security descriptors for 2 paths/);
  });

  it('hands the paths over in the environment, never in the command: quotes and $( ) stay text', async () => {
    const paths = [`C:\\it's "here"; $(Remove-Item C:\\)`, 'C:\\plain\\preset.json'];
    // Stand-ins that answer with what they were given: the path lines of the environment, then the command.
    // ctiprefs' own variables (a keystore password among them) never reach PowerShell.
    const fromEnvironment = powerShellSddlReader({
      SystemRoot: await systemRootWith('env', 'test -z "$CTIPREFS_KEYSTORE_PASSWORD" && printf "%s\\n" "$CTIPREFS_ACL_PATHS"'),
      CTIPREFS_KEYSTORE_PASSWORD: 'agent-password-1',
    });
    expect(await fromEnvironment(paths)).toEqual(paths);
    const command = powerShellSddlReader({ SystemRoot: await systemRootWith('args', 'printf "%s\\n" "$1 $2 $3 $4 $5" "$6"; test $# -eq 6') });
    const [switches, encoded = ''] = await command(paths);
    expect(switches).toBe('-NoProfile -NonInteractive -OutputFormat Text -EncodedCommand');
    const script = Buffer.from(encoded, 'base64').toString('utf16le');
    expect(script).toContain('(Get-Acl -LiteralPath $p).Sddl');
    expect(script).not.toContain('here');
  });
});
