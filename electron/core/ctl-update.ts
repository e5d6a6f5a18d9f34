/**
 * Download CTLFile.tlv from the profile's TFTP servers (in order) and let the trust store decide:
 * first use, unchanged, a trusted update, or a compromised file that never replaces the trusted one.
 */
import { DEFAULT_TFTP_PORT, parseEndpoint, type Endpoint } from '../../shared/fields.ts';
import { CtiError } from '../../shared/errors.ts';
import type { Logger } from './log.ts';
import type { CtlTrustStore, TrustedCtl } from './ctl/trust-store.ts';
import { fetchFromServers } from './tftp/fetch-from-servers.ts';

export const CTL_FILENAME = 'CTLFile.tlv';

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
}

export async function updateTrustedCtl(options: {
  servers: readonly string[];
  store: CtlTrustStore;
  logger: Logger;
  signal?: AbortSignal;
}): Promise<CtlUpdate> {
  const endpoints = parseTftpServers(options.servers);
  if (endpoints.length === 0) throw new CtiError('BAD_INPUT', 'TFTP servers must list 1 to 8 servers');
  const download = await fetchFromServers(endpoints, CTL_FILENAME, {
    ...(options.signal ? { signal: options.signal } : {}),
    onAttempt: (server, error) => {
      if (error) options.logger.log('warn', 'ctl.download.failed', { server: `${server.host}:${server.port}`, code: error.code, message: error.message });
    },
  });
  const server = `${download.server.host}:${download.server.port}`;
  try {
    const { outcome, trusted } = await options.store.accept(download.data, server);
    options.logger.log('info', 'ctl.accepted', { server, outcome, signer: trusted.signerFingerprintSha256 });
    return { outcome, trusted, server };
  } catch (err) {
    if (err instanceof CtiError) options.logger.log('error', 'ctl.rejected', { server, code: err.code, message: err.message });
    throw err;
  }
}
