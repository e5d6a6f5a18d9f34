// @vitest-environment jsdom
/** The MSI hook (PATH entry, locked preset folder), applied to electron-builder's own WiX template. */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { untrustedChangers } from '../../../electron/core/windows-acl.ts';
import { LOCKED_FOLDER } from '../../helpers/windows-sddl.ts';

const require = createRequire(import.meta.url);
const hook = require('../../../build/msi-project-created.cjs') as {
  addPathComponent(wxs: string): string;
  addPresetFolder(wxs: string): string;
  PRESET_FOLDER_SDDL: string;
};
const template = () => readFile(require.resolve('app-builder-lib/templates/msi/template.xml'), 'utf8');

/** The project as XML, which must be well-formed: the template's {{ }} directives dropped, both branches kept. */
function parsed(wxs: string): Document {
  const doc = new DOMParser().parseFromString(wxs.replace(/\{\{[\s\S]*?\}\}/g, ''), 'application/xml');
  expect(doc.querySelector('parsererror')?.textContent ?? null).toBeNull();
  return doc;
}

describe('msi-project-created', () => {
  it('adds one machine-wide PATH entry for [APPLICATIONFOLDER]bin to the product components, idempotently', async () => {
    const changed = hook.addPathComponent(await template());
    const group = changed.slice(changed.lastIndexOf('<ComponentGroup Id="ProductComponents"'), changed.lastIndexOf('</ComponentGroup>'));
    expect(group).toMatch(/<Environment [^>]*Name="PATH" Value="\[APPLICATIONFOLDER\]bin" Part="last" Action="set" System="yes" Permanent="no"\/>/);
    expect(hook.addPathComponent(changed)).toBe(changed);
    expect(() => hook.addPathComponent('<Wix/>')).toThrow(/template changed/);
  });

  it('creates %ProgramData%\\ctiprefs with the locked security descriptor the app accepts, idempotently', async () => {
    const changed = hook.addPresetFolder(hook.addPathComponent(await template()));
    const doc = parsed(changed);
    const folder = doc.querySelector('Directory[Id="TARGETDIR"] > Directory[Id="CommonAppDataFolder"] > Directory[Id="ctiprefsPresetFolder"]');
    expect(folder?.getAttribute('Name')).toBe('ctiprefs');
    const component = doc.querySelector('ComponentGroup[Id="ProductComponents"] > Component[Directory="ctiprefsPresetFolder"]');
    expect(component?.getAttribute('KeyPath')).toBe('yes');
    const permissions = [...(component?.querySelectorAll('CreateFolder > PermissionEx') ?? [])].map((element) => element.getAttribute('Sddl'));
    expect(permissions).toEqual([LOCKED_FOLDER]);
    expect(untrustedChangers(hook.PRESET_FOLDER_SDDL)).toBeNull();
    // MsiLockPermissionsEx is Windows Installer 5.
    expect(Number(doc.querySelector('Package')?.getAttribute('InstallerVersion'))).toBeGreaterThanOrEqual(500);
    expect(hook.addPresetFolder(changed)).toBe(changed);
    expect(() => hook.addPresetFolder('<Wix><ComponentGroup></ComponentGroup></Wix>')).toThrow(/no <Directory Id="TARGETDIR".*template changed/);
  });

  it('leaves a project that still parses as XML, the template\'s own elements intact', async () => {
    const doc = parsed(hook.addPresetFolder(hook.addPathComponent(await template())));
    expect(doc.querySelectorAll('Directory[Id="APPLICATIONFOLDER"]')).toHaveLength(1);
    expect(doc.querySelectorAll('ComponentGroup[Id="ProductComponents"] > Component')).toHaveLength(2);
  });
});
