/**
 * `npm run bench`: the numbers we track, measured here rather than asserted in tests.
 * The precompiled CLI as whole processes next to `node -e 0` (--help, RSA-2048 enroll with and without
 * the OS vault), enrollment against the lab in-process (median of 5 per key type), TFTP transfers
 * (round trips and time), key generation (median and 90th percentile), keystore write/read. The preview's time to first render is `node --import tsx scripts/bench-preview.ts`.
 */
import { openVault } from '../electron/core/keystore/vault.ts';
import { runCliBench } from './bench-cli.ts';
import { runEnrollBench } from './bench-enroll.ts';
import { runKeygenBench } from './bench-keygen.ts';
import { runKeystoreBench } from './bench-keystore.ts';
import { runTftpBench } from './bench-tftp.ts';

let vault = true;
try {
  await openVault(process.env);
} catch {
  // Headless machines without a Secret Service: measure with the environment password instead.
  vault = false;
  process.env.CTIPREFS_KEYSTORE_PASSWORD ??= 'bench-keystore-password';
  console.log('No OS vault here: keystore passwords come from CTIPREFS_KEYSTORE_PASSWORD for this run.');
}

// Enough rounds that this machine's swings (node -e 0 alone varies by 50%) move the medians little.
const cliRuns = 25;
console.log(`\nThe ctiprefs command, whole process, median of ${cliRuns} runs (each next to node -e 0 in the same rounds):`);
console.table(await runCliBench(cliRuns, { vault }));

console.log('\nEnrollment against the lab (CTL fetch + CAPF + keystore):');
console.table(await runEnrollBench());
console.log('\nKey generation, median and 90th percentile of 21:');
console.table(await runKeygenBench());
console.log('\nTFTP (loopback):');
console.table(await runTftpBench({ runs: 20, log: () => undefined }));
console.log('\nKeystore (PKCS#12):');
console.table(await runKeystoreBench());
