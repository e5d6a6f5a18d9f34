/**
 * The names under which a Unified CM TFTP service serves the trust list (docs/protocols.md, sections 2 and 4).
 * Cisco's CTI client asks for `CTLCAPF` + the CAPF server's IPv4 address as 8 lowercase hex digits + `.tlv`,
 * a file Unified CM's TFTP service builds on request; `CTLFile.tlv` is the cluster's CTL itself.
 */
import { isIP } from 'node:net';
import { CtiError } from '../../../shared/errors.ts';
import type { Logger } from '../log.ts';

export const CTLFILE_NAME = 'CTLFile.tlv';

/** `CTLCAPF806b8c4c.tlv` for a CAPF server at 128.107.140.76. */
export function ctlCapfFileName(ipv4: string): string {
  if (isIP(ipv4) !== 4) throw new CtiError('BAD_INPUT', `A CTLCAPF file name needs the CAPF server's IPv4 address, got "${ipv4}"`);
  const hex = ipv4
    .split('.')
    .map((octet) => Number(octet).toString(16).padStart(2, '0'))
    .join('');
  return `CTLCAPF${hex}.tlv`;
}

/**
 * The trust-list names to ask for, in order: the CTLCAPF name first when the CAPF server has an IPv4
 * address (given, or resolved), then CTLFile.tlv. Without a CAPF server, or when its name does not
 * resolve to IPv4, only CTLFile.tlv: the CTL can still be fetched, and the CAPF connection reports its own error.
 */
export async function trustListFileNames(capfHost: string | undefined, logger: Logger): Promise<string[]> {
  if (capfHost === undefined || capfHost === '') return [CTLFILE_NAME];
  if (isIP(capfHost) === 4) return [ctlCapfFileName(capfHost), CTLFILE_NAME];
  if (isIP(capfHost) === 6) return [CTLFILE_NAME];
  try {
    // Loaded only for a name: the addresses users usually type need no resolver module at each start.
    const { lookup } = await import('node:dns/promises');
    const { address } = await lookup(capfHost, { family: 4 });
    return [ctlCapfFileName(address), CTLFILE_NAME];
  } catch (err) {
    logger.log('warn', 'ctl.capf-name-unresolved', { capfHost, code: (err as NodeJS.ErrnoException).code ?? String(err) });
    return [CTLFILE_NAME];
  }
}
