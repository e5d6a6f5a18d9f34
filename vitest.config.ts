import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/faults/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          // Integration tests bind real sockets and a real vault; keep files isolated but parallel.
          pool: 'forks',
          // The CLI tests spawn the precompiled bundle: build it from the current sources first.
          globalSetup: ['test/helpers/build-cli.ts'],
          // Never the machine's own preset (/etc/ctiprefs): tests that want one set CTIPREFS_PRESET_DIR themselves.
          env: { CTIPREFS_PRESET_DIR: join(tmpdir(), 'ctiprefs-tests-no-preset') },
        },
      },
      {
        // Svelte components in jsdom; window.ctiprefs is stubbed per test.
        plugins: [svelte(), svelteTesting()],
        test: {
          name: 'renderer',
          include: ['test/renderer/**/*.test.ts'],
          environment: 'jsdom',
          testTimeout: 30_000,
        },
      },
    ],
  },
});
