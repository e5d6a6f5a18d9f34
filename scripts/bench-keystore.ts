/**
 * How long writing and opening a keystore takes (median of several runs), for RSA 2048 and EC P-256.
 * Run alone with `node --import tsx scripts/bench-keystore.ts`, or call runKeystoreBench() from the bench suite.
 */
import { pathToFileURL } from 'node:url';
import { buildPkcs12, PKCS12_ITERATIONS, PKCS12_ITERATIONS_RANDOM_PASSWORD, readPkcs12, type PasswordKind } from '../electron/core/keystore/pkcs12.ts';
import { createCertificate } from '../electron/core/pki/certificate-builder.ts';
import { describeKeySpec, generateKeyPair, type KeySpec } from '../electron/core/pki/certificates.ts';
import { median } from './bench-stats.ts';

export interface KeystoreBenchResult {
  key: string;
  password: string;
  buildMs: number;
  readMs: number;
  bytes: number;
}

const SPECS: KeySpec[] = [
  { type: 'rsa', bits: 2048 },
  { type: 'ec', curve: 'P-256' },
];
const KINDS: { kind: PasswordKind; label: string }[] = [
  { kind: 'random', label: `random (vault), ${PKCS12_ITERATIONS_RANDOM_PASSWORD.pbkdf2} PBKDF2 it., MAC ${PKCS12_ITERATIONS_RANDOM_PASSWORD.mac}` },
  { kind: 'chosen', label: `chosen, ${PKCS12_ITERATIONS} it.` },
];

export async function runKeystoreBench(runs = 9): Promise<KeystoreBenchResult[]> {
  const results: KeystoreBenchResult[] = [];
  for (const spec of SPECS) for (const { kind, label } of KINDS) {
    const keys = await generateKeyPair(spec);
    const certificate = createCertificate({ subject: { CN: 'bench' }, publicKey: keys.publicKey, selfSigningKey: keys.privateKey });
    const input = { privateKey: keys.privateKey, certificate, password: 'bench-password-0123456789', friendlyName: 'bench', passwordKind: kind };
    const buildTimes: number[] = [];
    const readTimes: number[] = [];
    let bytes: Buffer = Buffer.alloc(0);
    for (let run = 0; run <= runs; run++) {
      let start = performance.now();
      bytes = await buildPkcs12(input);
      const built = performance.now() - start;
      start = performance.now();
      await readPkcs12(bytes, input.password);
      const read = performance.now() - start;
      if (run === 0) continue; // warm-up
      buildTimes.push(built);
      readTimes.push(read);
    }
    results.push({ key: describeKeySpec(spec), password: label, buildMs: median(buildTimes), readMs: median(readTimes), bytes: bytes.length });
  }
  // The read follows the write in the same process, as in CertificateStore.save's check: the derived keys
  // are remembered, so it measures decoding and decryption, not the key derivation.
  console.log(`keystore (PKCS#12), median of ${runs} runs; readPkcs12 right after buildPkcs12 (derived keys remembered):`);
  for (const r of results) {
    console.log(`  ${r.key.padEnd(9)} ${r.password.padEnd(30)} buildPkcs12 ${r.buildMs.toFixed(0).padStart(4)} ms   readPkcs12 ${r.readMs.toFixed(0).padStart(4)} ms   ${r.bytes} bytes`);
  }
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runKeystoreBench();
