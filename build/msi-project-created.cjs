// electron-builder hook (electron-builder.yml, msiProjectCreated): called with the path of the WiX project
// before it is compiled. Adds a component that puts [APPLICATIONFOLDER]bin (which holds ctiprefs.cmd) on
// the machine-wide PATH; Windows Installer removes it again on uninstall.
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

/** The project text with the PATH component added to the product's components (exactly once). */
function addPathComponent(wxs) {
  if (wxs.includes(PATH_COMPONENT_GUID)) return wxs;
  const at = wxs.lastIndexOf(GROUP_END);
  if (at < 0) throw new Error(`msi-project-created: no ${GROUP_END} in the WiX project; electron-builder's template changed`);
  return `${wxs.slice(0, at)}${PATH_COMPONENT}${wxs.slice(at)}`;
}

async function msiProjectCreated(projectFile) {
  await writeFile(projectFile, addPathComponent(await readFile(projectFile, 'utf8')));
}

module.exports = msiProjectCreated;
module.exports.default = msiProjectCreated;
module.exports.addPathComponent = addPathComponent;
