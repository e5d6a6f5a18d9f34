// electron-builder hook (electron-builder.yml, msiProjectCreated): called with the path of the WiX project
// before it is compiled. Adds a component that puts [APPLICATIONFOLDER]bin (which holds ctiprefs.cmd) on
// the machine-wide PATH; Windows Installer removes it again on uninstall. Adds one that makes the
// machine-wide preset folder %ProgramData%\ctiprefs with an ACL only SYSTEM and Administrators can change.
'use strict';
const { readFile, writeFile } = require('node:fs/promises');

// Fixed for ever: Windows Installer tracks the component across upgrades by this GUID.
const PATH_COMPONENT_GUID = '6F1B3C2A-8E4D-4C57-9A0B-2D7E5F8C1A93';
const PATH_COMPONENT = `<Component Id="ctiprefsCommandOnPath" Guid="${PATH_COMPONENT_GUID}" KeyPath="yes">
        <CreateFolder/>
        <Environment Id="ctiprefsBinOnPath" Name="PATH" Value="[APPLICATIONFOLDER]bin" Part="last" Action="set" System="yes" Permanent="no"/>
      </Component>
    `;
const GROUP_END = '</ComponentGroup>';

// %ProgramData% lets every user create folders, so a user could make this one first and plant a preset
// (electron/core/preset.ts). The folder gets the security descriptor the NSIS installer gives it with icacls
// (build/installer.nsh): owner Administrators; SYSTEM and Administrators full control, Users read and
// execute, nothing inherited (P). SIDs as SDDL aliases, so no localised account name is involved
// (MsiLockPermissionsEx, Windows Installer 5; the template asks for InstallerVersion 500).
const PRESET_COMPONENT_GUID = '804473A7-455D-4D2A-9925-BB3B2EABE58D';
const PRESET_FOLDER_SDDL = 'O:BAG:SYD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1200a9;;;BU)';
const PRESET_DIRECTORY = `
      <Directory Id="CommonAppDataFolder">
        <Directory Id="ctiprefsPresetFolder" Name="ctiprefs"/>
      </Directory>`;
const PRESET_COMPONENT = `<Component Id="ctiprefsPresetFolderLocked" Directory="ctiprefsPresetFolder" Guid="${PRESET_COMPONENT_GUID}" KeyPath="yes">
        <CreateFolder>
          <PermissionEx Sddl="${PRESET_FOLDER_SDDL}"/>
        </CreateFolder>
      </Component>
    `;
const TARGET_DIR = '<Directory Id="TARGETDIR" Name="SourceDir">';

function templateChanged(what) {
  return new Error(`msi-project-created: no ${what} in the WiX project; electron-builder's template changed`);
}

/** The project text with the PATH component added to the product's components (exactly once). */
function addPathComponent(wxs) {
  if (wxs.includes(PATH_COMPONENT_GUID)) return wxs;
  const at = wxs.lastIndexOf(GROUP_END);
  if (at < 0) throw templateChanged(GROUP_END);
  return `${wxs.slice(0, at)}${PATH_COMPONENT}${wxs.slice(at)}`;
}

/** The project text with the locked preset folder added (exactly once): its directory under TARGETDIR, its component. */
function addPresetFolder(wxs) {
  if (wxs.includes(PRESET_COMPONENT_GUID)) return wxs;
  const root = wxs.indexOf(TARGET_DIR);
  if (root < 0) throw templateChanged(TARGET_DIR);
  const at = wxs.lastIndexOf(GROUP_END);
  if (at < 0 || at < root) throw templateChanged(GROUP_END);
  const rootEnd = root + TARGET_DIR.length;
  return `${wxs.slice(0, rootEnd)}${PRESET_DIRECTORY}${wxs.slice(rootEnd, at)}${PRESET_COMPONENT}${wxs.slice(at)}`;
}

async function msiProjectCreated(projectFile) {
  await writeFile(projectFile, addPresetFolder(addPathComponent(await readFile(projectFile, 'utf8'))));
}

module.exports = msiProjectCreated;
module.exports.default = msiProjectCreated;
module.exports.addPathComponent = addPathComponent;
module.exports.addPresetFolder = addPresetFolder;
module.exports.PRESET_FOLDER_SDDL = PRESET_FOLDER_SDDL;
