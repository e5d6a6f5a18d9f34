#!/usr/bin/env bash
# `npm test`: type checks and lint, then unit + integration + component tests (vitest), then the end-to-end tests in
# Chromium (Playwright), all with a real OS vault (see with-test-vault.sh).
# `bash scripts/test.sh PATH...` runs only those vitest files or folders.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$#" -gt 0 ]; then
  exec bash scripts/with-test-vault.sh node_modules/.bin/vitest run "$@"
fi

echo '== type checks'
node_modules/.bin/tsc --noEmit -p tsconfig.json
node_modules/.bin/svelte-check --tsconfig renderer/tsconfig.json --threshold error --output human

echo '== lint (layer rules, floating promises: eslint.config.js)'
node_modules/.bin/eslint .

echo '== unit, integration and component tests'
bash scripts/with-test-vault.sh node_modules/.bin/vitest run --reporter=default --reporter=json --outputFile.json=test-results/vitest.json

echo '== end-to-end tests (Chromium, browser preview, lab)'
bash scripts/e2e.sh

echo '== all tests'
node scripts/test-summary.mjs
