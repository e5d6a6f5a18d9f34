/**
 * Downloads one file from the first of several TFTP servers that has it (the cluster's TFTP servers are
 * tried in the order configured, as the TSP client does).
 */
import { CtiError, toCtiError, type ErrorCode } from '../../../shared/errors.ts';
import { tftpGet, type TftpGetOptions, type TftpTransferStats } from './client.ts';

export interface TftpServerEndpoint {
  host: string;
  port: number;
}

export interface FetchFailure {
  server: string;
  code: ErrorCode;
  message: string;
}

export interface FetchFromServersOptions extends Omit<TftpGetOptions, 'host' | 'port' | 'filename'> {
  /** Called after each server was tried: without an error when it delivered the file. */
  onAttempt?: (server: TftpServerEndpoint, error?: CtiError) => void;
}

export interface FetchFromServersResult {
  data: Buffer;
  server: TftpServerEndpoint;
  stats: TftpTransferStats;
  /** The servers tried before the one that delivered, and why they failed. */
  failures: FetchFailure[];
}

/** Errors that another server cannot cure: stop at once instead of trying the next one. */
const FINAL_CODES: ReadonlySet<ErrorCode> = new Set(['CANCELLED', 'BAD_INPUT']);

export async function fetchFromServers(
  servers: readonly TftpServerEndpoint[],
  filename: string,
  options: FetchFromServersOptions = {},
): Promise<FetchFromServersResult> {
  if (servers.length === 0) throw new CtiError('BAD_INPUT', `TFTP servers must list at least one server to fetch ${filename} from`);
  const { onAttempt, ...getOptions } = options;
  const failures: FetchFailure[] = [];
  for (const server of servers) {
    try {
      const { data, stats } = await tftpGet({ ...getOptions, host: server.host, port: server.port, filename });
      onAttempt?.(server, undefined);
      return { data, server, stats, failures };
    } catch (err) {
      const error = toCtiError(err);
      onAttempt?.(server, error);
      if (FINAL_CODES.has(error.code)) throw error;
      failures.push({ server: `${server.host}:${server.port}`, code: error.code, message: error.message });
    }
  }
  throw new CtiError(summaryCode(failures), `No TFTP server delivered ${filename}: ${failures.map((f) => `${f.server}: ${f.message}`).join('; ')}`);
}

/** CTL_NOT_FOUND only when every server said so; otherwise the last failure that was not "not found". */
function summaryCode(failures: FetchFailure[]): ErrorCode {
  const other = failures.filter((f) => f.code !== 'CTL_NOT_FOUND');
  return other.at(-1)?.code ?? 'CTL_NOT_FOUND';
}
