/** The MSI hook that puts the ctiprefs command on PATH, applied to electron-builder's own WiX template. */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const { addPathComponent } = require('../../../build/msi-project-created.cjs') as { addPathComponent(wxs: string): string };

describe('msi-project-created', () => {
  it('adds one machine-wide PATH entry for [APPLICATIONFOLDER]bin to the product components, idempotently', async () => {
    const template = await readFile(require.resolve('app-builder-lib/templates/msi/template.xml'), 'utf8');
    const changed = addPathComponent(template);
    const group = changed.slice(changed.lastIndexOf('<ComponentGroup Id="ProductComponents"'), changed.lastIndexOf('</ComponentGroup>'));
    expect(group).toMatch(/<Environment [^>]*Name="PATH" Value="\[APPLICATIONFOLDER\]bin" Part="last" Action="set" System="yes" Permanent="no"\/>/);
    expect(addPathComponent(changed)).toBe(changed);
    expect(() => addPathComponent('<Wix/>')).toThrow(/template changed/);
  });
});
