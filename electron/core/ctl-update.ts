/**
 * Download the trust list from the profile's TFTP servers (in order; CTLCAPF<hex>.tlv first when the
 * CAPF server has an IPv4 address, then CTLFile.tlv) and let the trust store decide: first use,
 * unchanged, a trusted update, or a compromised file that never replaces the trusted one.
 */
import { DEFAULT_TFTP_PORT, parseEndpoint, type Endpoint } from '../../shared/fields.ts';
import { CtiError } from '../../shared/errors.ts';
import type { Logger } from './log.ts';
import { trustListFileNames } from './ctl/file-names.ts';
import type { CtlTrustStore, FirstUseRule, TrustedCtl } from './ctl/trust-store.ts';
import { fetchFromServers } from './tftp/fetch-from-servers.ts';

export function parseTftpServers(servers: readonly string[]): Endpoint[] {
  return servers.map((text) => {
    const parsed = parseEndpoint(text, DEFAULT_TFTP_PORT, 'TFTP server');
    if ('error' in parsed) throw new CtiError('BAD_INPUT', parsed.error);
    return parsed;
  });
}

export interface CtlUpdate {
  outcome: 'first-use' | 'unchanged' | 'updated';
  trusted: TrustedCtl;
  server: string;
  /** The name this download was served under: CTLCAPF<hex>.tlv or CTLFile.tlv. */
  fileName: string;
}

export async function updateTrustedCtl(options: {
  servers: readonly string[];
  /** The CAPF server's host: its IPv4 address names the CTLCAPF file. Without it only CTLFile.tlv is asked for. */
  capfHost?: string;
  store: CtlTrustStore;
  logger: Logger;
  signal?: AbortSignal;
  /** Managed rollouts: the first use must have this signer, or nothing is trusted. */
  firstUse?: FirstUseRule;
}): Promise<CtlUpdate> {
  const endpoints = parseTftpServers(options.servers);
  if (endpoints.length === 0) throw new CtiError('BAD_INPUT', 'TFTP servers must list 1 to 8 servers');
  const names = await trustListFileNames(options.capfHost, options.logger);
  const download = await fetchFromServers(endpoints, names, {
    ...(options.signal ? { signal: options.signal } : {}),
    onAttempt: (server, error, file) => {
      if (error) options.logger.log('warn', 'ctl.download.failed', { server: `${server.host}:${server.port}`, file, code: error.code, message: error.message });
    },
  });
  const server = `${download.server.host}:${download.server.port}`;
  const fileName = download.filename;
  try {
    const { outcome, trusted } = await options.store.accept(download.data, server, fileName, options.firstUse);
    options.logger.log('info', 'ctl.accepted', { server, fileName, outcome, signer: trusted.signerFingerprintSha256 });
    return { outcome, trusted, server, fileName };
  } catch (err) {
    if (err instanceof CtiError) options.logger.log('error', 'ctl.rejected', { server, fileName, code: err.code, message: err.message });
    throw err;
  }
}
