/**
 * End-to-end tests: the real renderer in Debian's Chromium, against `npm run preview --lab` (real core, real
 * lab). Each spec file starts its own preview with a fresh home folder (see scripts/lib/preview-process.ts), so files never share
 * state. Run through scripts/e2e.sh, which provides the OS vault (a private D-Bus session with gnome-keyring).
 */
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  outputDir: '../../test-results/e2e',
  // One preview, one lab and one Chromium at a time: predictable on a loaded 2-core machine.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  forbidOnly: true,
  timeout: 120_000,
  expect: { timeout: 30_000 },
  reporter: [['list'], ['json', { outputFile: '../../test-results/e2e.json' }]],
  use: {
    browserName: 'chromium',
    viewport: { width: 1100, height: 860 },
    actionTimeout: 30_000,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    },
  },
});
