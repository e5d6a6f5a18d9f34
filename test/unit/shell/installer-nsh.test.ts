/**
 * The NSIS include (build/installer.nsh): compiled by a real makensis (Debian's nsis) into an installer and
 * an uninstaller, warnings as errors; its preset folder ACL is the one the app accepts and tells admins to set.
 * Running it needs Windows: not done here.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCKED_FOLDER_GRANTS } from '../../../electron/core/windows-acl.ts';
import { tempDir } from '../../helpers/temp.ts';

const INCLUDE = fileURLToPath(new URL('../../../build/installer.nsh', import.meta.url));
let root: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  root = await tempDir('installer-nsh');
});
afterAll(async () => {
  await root?.remove();
});

/** The macro's body as written in the include. */
function macro(text: string, name: string): string {
  const start = text.indexOf(`!macro ${name}\n`);
  expect(start, name).toBeGreaterThanOrEqual(0);
  return text.slice(start, text.indexOf('!macroend', start));
}

describe('installer.nsh', () => {
  it('compiles with makensis, warnings as errors, where electron-builder inserts its macros', async () => {
    const script = join(root.path, 'installer.nsi');
    await writeFile(
      script,
      [
        'Unicode true',
        `OutFile "${join(root.path, 'installer.exe')}"`,
        'RequestExecutionLevel admin',
        `!include "${INCLUDE}"`,
        'Section',
        '  !insertmacro customInstall',
        '  WriteUninstaller "$INSTDIR\\uninstall.exe"',
        'SectionEnd',
        'Section "Uninstall"',
        '  !insertmacro customUnInstall',
        'SectionEnd',
        '',
      ].join('\n'),
    );
    const { stdout } = await promisify(execFile)('makensis', ['-WX', '-V2', '-NOCD', script]).catch((err: NodeJS.ErrnoException) => {
      throw err.code === 'ENOENT' ? new Error('makensis is not installed: apt-get install nsis (.ci/run installs it)') : err;
    });
    expect(stdout).not.toMatch(/warning/i);
  }, 60_000);

  it('locks the preset folder with the ACL the app accepts, by SID, before it copies a /PRESET= file', async () => {
    const text = await readFile(INCLUDE, 'utf8');
    expect(text).toContain(`!define CTIPREFS_PRESET_GRANTS "${LOCKED_FOLDER_GRANTS}"`);
    const lock = macro(text, 'ctiprefsLockPresetFolder');
    const steps = ['takeown.exe" /F "$3" /A', 'icacls.exe" "$3" /reset /L', 'icacls.exe" "$3" ${CTIPREFS_PRESET_GRANTS} /L'].map((step) => lock.indexOf(step));
    expect(steps.every((at) => at > 0) && steps[0]! < steps[1]! && steps[1]! < steps[2]!, lock).toBe(true);
    const install = macro(text, 'customInstall');
    expect(install.indexOf('!insertmacro ctiprefsLockPresetFolder')).toBeLessThan(install.indexOf('!insertmacro ctiprefsCopyPreset'));
    const copy = macro(text, 'ctiprefsCopyPreset');
    expect(copy.indexOf('${If} $4 != "1"')).toBeLessThan(copy.indexOf('CopyFiles'));
    expect(copy.indexOf('Delete "$3\\preset.json"')).toBeLessThan(copy.indexOf('CopyFiles'));
    // Account names are localised (Administratoren, Utilisateurs): only SIDs.
    expect(text).not.toMatch(/Administrators:|Users:|SYSTEM:/);
  });
});
