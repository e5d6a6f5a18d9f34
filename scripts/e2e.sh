#!/usr/bin/env bash
# `npm run test:e2e`: Playwright against the browser preview and the lab (docs/screenshots/ are refreshed).
set -euo pipefail
cd "$(dirname "$0")/.."
exec bash scripts/with-test-vault.sh node_modules/.bin/playwright test -c test/e2e/playwright.config.ts "$@"
