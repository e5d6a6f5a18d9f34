/**
 * The disk fills up in the middle of an enrollment (a real tmpfs home of the test's own): the status
 * writes the CAPF session does not wait for fail, and the enrollment still ends in one typed error, never
 * an unhandled rejection (which would end the CLI with exit 1). Skipped where mounting is not permitted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CtiError } from '../../../shared/errors.ts';
import { defaultProfile } from '../../../shared/profile.ts';
import { openCore } from '../../../electron/core/context.ts';
import { updateTrustedCtl } from '../../../electron/core/ctl-update.ts';
import { enrollCertificate } from '../../../electron/core/enroll.ts';
import { memoryLogger } from '../../../electron/core/log.ts';
import { startLab, type Lab } from '../../../electron/lab/lab.ts';
import { parseLabProfile } from '../../../electron/lab/profiles.ts';
import { closedTcpPort } from '../../../scripts/lib/ports.ts';
import { tempDir } from '../../helpers/temp.ts';
import { mountTmpfs } from '../../helpers/tmpfs.ts';

const disk = mountTmpfs('enroll-full', 512 * 1024);
const noDisk = 'skip' in disk ? disk.skip : undefined;
if (noDisk) console.warn(`status-write-failure: skipped: ${noDisk}`);

let lab: Lab;
let labDir: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  if (noDisk) return;
  labDir = await tempDir('enroll-full-lab');
  lab = await startLab({ dir: labDir.path, profiles: [parseLabProfile('full1:13572468:p256')] });
}, 120_000);
afterAll(async () => {
  await lab?.close();
  if (!('skip' in disk)) disk.unmount();
  await labDir?.remove();
});

describe.skipIf(noDisk)('enrollment when the disk fills up during the CAPF session', () => {
  it('fails with one typed error naming status.json, and nothing is left unhandled', async () => {
    if ('skip' in disk) return;
    const logger = memoryLogger();
    const core = openCore({ home: disk.path, logger });
    const profile = {
      ...defaultProfile('full-1'),
      userName: 'agent',
      instanceId: 'full1',
      tftpServers: [`${lab.tftp.host}:${lab.tftp.port}`],
      capfHost: '127.0.0.1',
      // Nothing listens: the session ends at once, after it reported its first step.
      capfPort: await closedTcpPort(),
    };
    await core.settings.upsertProfile(profile);
    // Trusted beforehand, so the download in the enrollment is "unchanged" and writes nothing.
    await updateTrustedCtl({ servers: profile.tftpServers, store: await core.trustStore(core.dirOf(profile)), logger });

    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const error = await enrollCertificate(core, {
        profile,
        authString: '13572468',
        // The last status write that succeeds: from here on the disk holds one page more, which the resume
        // seal takes (a few hundred bytes) before the CAPF session; then it is full.
        onProgress: (status) => {
          if (status.state === 'in-progress' && status.step === 'ctl-download') disk.fill(4096);
        },
      }).catch((err: unknown) => err);
      // The step write was queued before the final one, so it has settled; one turn lets Node report it if unhandled.
      await new Promise((resolve) => setImmediate(resolve));
      expect(error).toBeInstanceOf(CtiError);
      expect((error as CtiError).code).toBe('STORAGE');
      expect((error as CtiError).message).toMatch(/status\.(json|lock): the disk is full \(ENOSPC\)$/);
      expect(unhandled).toEqual([]);
      expect(logger.lines.some((line) => line.includes('enroll.status-write-failed') && line.includes('ENOSPC'))).toBe(true);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      disk.unfill();
    }
  });
});
