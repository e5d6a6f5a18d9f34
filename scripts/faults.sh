#!/usr/bin/env bash
# `npm run faults`: the long form of the fault suite (test/faults/, CTIPREFS_FAULTS=full), then its table.
# `npm test` runs the short form of the same tests.
set -uo pipefail
cd "$(dirname "$0")/.."
rm -rf test-results/faults
CTIPREFS_FAULTS=full bash scripts/test.sh test/faults
status=$?
node scripts/faults-report.mjs
exit "$status"
