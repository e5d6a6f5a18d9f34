// Prints one closing line for the whole `npm test` run from the vitest and Playwright JSON reports:
// "N passed, N failed" (plus skipped), so CI reads one total rather than two runners' formats.
import { readFileSync } from 'node:fs';

const read = (path) => JSON.parse(readFileSync(path, 'utf8'));
const vitest = read('test-results/vitest.json');
const e2e = read('test-results/e2e.json');
const passed = vitest.numPassedTests + e2e.stats.expected;
const failed = vitest.numFailedTests + e2e.stats.unexpected + e2e.stats.flaky;
const skipped = vitest.numPendingTests + vitest.numTodoTests + e2e.stats.skipped;
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
