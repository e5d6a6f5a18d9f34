/** `npm run schema`: writes the published JSON Schemas (docs/settings.schema.json, docs/preset.schema.json) from shared/. */
import { writeFile } from 'node:fs/promises';
import { schemaFiles } from '../shared/settings-schema.ts';

for (const [path, text] of Object.entries(schemaFiles())) {
  await writeFile(new URL(`../${path}`, import.meta.url), text);
  console.log(`wrote ${path}`);
}
