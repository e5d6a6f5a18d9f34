/**
 * Time to first render of the browser preview: `npm run preview -- --lab` start-up (to the `Preview:` line),
 * then in Chromium, from navigation start: first contentful paint, the tabs on screen, and the settings loaded
 * (the Profile field filled through the bridge). Median of RUNS page loads, each in a fresh browser context.
 * Run: node --import tsx scripts/bench-preview.ts
 */
import { chromium } from 'playwright-core';
import { startPreview } from './lib/preview-process.ts';
import { median } from './bench-stats.ts';

const RUNS = 7;

const started = performance.now();
const preview = await startPreview(['lab1:123456']);
const startupMs = performance.now() - started;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
});
try {
  const samples = { fcp: [] as number[], tabs: [] as number[], settings: [] as number[] };
  for (let i = 0; i < RUNS; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(preview.url, { waitUntil: 'commit' });
    await page.waitForFunction(() => document.querySelectorAll('[role="tab"]').length === 5);
    const tabs = await page.evaluate(() => performance.now());
    await page.waitForFunction(() => (document.getElementById('profile') as HTMLSelectElement | null)?.value === 'lab');
    const settings = await page.evaluate(() => performance.now());
    const fcp = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? Number.NaN);
    samples.tabs.push(tabs);
    samples.settings.push(settings);
    samples.fcp.push(fcp);
    await context.close();
  }
  const out = (values: number[]) => `${Math.round(median(values))} ms (min ${Math.round(Math.min(...values))}, max ${Math.round(Math.max(...values))})`;
  console.log(`preview start-up with --lab, to the Preview: line: ${Math.round(startupMs)} ms (${/renderer rebuilt/.test(preview.output()) ? 'renderer rebuilt' : 'renderer already built'})`);
  console.log(`first contentful paint:        ${out(samples.fcp)}`);
  console.log(`tabs rendered:                 ${out(samples.tabs)}`);
  console.log(`settings loaded via bridge:    ${out(samples.settings)}`);
  console.log(`(median of ${RUNS} page loads, each from navigation start in a fresh context)`);
} finally {
  await browser.close();
  await preview.stop();
}
