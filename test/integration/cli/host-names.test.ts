/**
 * Host names, not only the addresses users usually type, through the real `ctiprefs` command: the resolver
 * is loaded on first use, inside the launcher's vm.Script (the code cache on Node 20), where a real dynamic
 * import() fails. Both names here are `localhost`; nothing leaves the machine.
 */
import { describe, expect, it } from 'vitest';
import { closedUdpPort } from '../../../scripts/lib/ports.ts';
import { runCli } from '../../helpers/cli.ts';
import { tempDir } from '../../helpers/temp.ts';

describe('ctiprefs with host names', () => {
  it('resolves a TFTP server name and a CAPF server name (CTLCAPF<its IPv4 address>.tlv is asked for)', async () => {
    const home = await tempDir('cli-host-names');
    try {
      const port = await closedUdpPort();
      // Twice: the first run makes the code cache, the second runs from it.
      for (let run = 0; run < 2; run++) {
        const result = await runCli(['--home', home.path, '--json', 'ctl', 'fetch', '--tftp', `localhost:${port}`, '--capf', 'localhost:3804']);
        const { error } = JSON.parse(result.stdout) as { error: { code: string; message: string } };
        expect(error.code).toBe('NETWORK_UNREACHABLE');
        expect(error.message).not.toMatch(/resolve|ERR_VM/i);
        expect(error.message).toContain(`No TFTP server delivered CTLCAPF7f000001.tlv or CTLFile.tlv: localhost:${port}:`);
      }
    } finally {
      await home.remove();
    }
  }, 60_000);
});
