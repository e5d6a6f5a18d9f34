/**
 * Vitest global setup: builds the CLI bundle once before the tests, so the tests that spawn `ctiprefs`
 * run the precompiled JavaScript that users run, made from the sources under test.
 */
import { buildCli } from '../../scripts/build-cli.mjs';

export default async function setup(): Promise<void> {
  await buildCli();
}
