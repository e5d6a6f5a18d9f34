#!/usr/bin/env node
// Prints the fault suite's figures (test-results/faults/*.json, written by test/faults/) as a Markdown table.
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('../test-results/faults/', import.meta.url));
const names = (await readdir(dir).catch(() => [])).filter((name) => name.endsWith('.json')).sort();
if (names.length === 0) {
  console.log('No fault figures yet: run npm run faults.');
  process.exit(0);
}
const rows = await Promise.all(names.map(async (name) => JSON.parse(await readFile(`${dir}${name}`, 'utf8'))));
console.log('| fault family | trials | handled | lost | notes |');
console.log('|---|---|---|---|---|');
for (const row of rows) console.log(`| ${row.family} (${row.scale}) | ${row.trials} | ${row.handled} | ${row.lost} | ${row.notes ?? ''} |`);
const giveUp = rows.flatMap((row) => Object.entries(row.giveUpMs ?? {}));
if (giveUp.length > 0) {
  console.log('\n| hostile server | gave up after (whole CLI run) |');
  console.log('|---|---|');
  for (const [name, ms] of giveUp) console.log(`| ${name} | ${(ms / 1000).toFixed(1)} s |`);
}
