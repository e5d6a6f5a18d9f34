/**
 * Downloads one file from the first of several TFTP servers that has it (the cluster's TFTP servers are
 * tried in the order configured, as the TSP client does). A file may go by several names (the trust list:
 * CTLCAPF<hex>.tlv, then CTLFile.tlv): each server is asked for each name in order before the next
 * server, because the names are the same cluster's file and a reachable server answers at once, while
 * an unreachable one is skipped after its first name instead of costing one timeout per name.
 */
import { CtiError, toCtiError, type ErrorCode } from '../../../shared/errors.ts';
import { tftpGet, type TftpGetOptions, type TftpTransferStats } from './client.ts';

export interface TftpServerEndpoint {
  host: string;
  port: number;
}

export interface FetchFailure {
  server: string;
  filename: string;
  code: ErrorCode;
  message: string;
}

export interface FetchFromServersOptions extends Omit<TftpGetOptions, 'host' | 'port' | 'filename'> {
  /** Called after each server and name was tried: without an error when it delivered the file. */
  onAttempt?: (server: TftpServerEndpoint, error: CtiError | undefined, filename: string) => void;
}

export interface FetchFromServersResult {
  data: Buffer;
  server: TftpServerEndpoint;
  /** The name the server delivered the file under. */
  filename: string;
  stats: TftpTransferStats;
  /** The servers tried before the one that delivered, and why they failed. */
  failures: FetchFailure[];
}

/** Errors that another server cannot cure: stop at once instead of trying the next one. */
const FINAL_CODES: ReadonlySet<ErrorCode> = new Set(['CANCELLED', 'BAD_INPUT']);
/** The server did not answer: its other names are not worth a try. */
const SERVER_DOWN_CODES: ReadonlySet<ErrorCode> = new Set(['NETWORK_UNREACHABLE', 'NETWORK_TIMEOUT']);

export async function fetchFromServers(
  servers: readonly TftpServerEndpoint[],
  filenames: string | readonly string[],
  options: FetchFromServersOptions = {},
): Promise<FetchFromServersResult> {
  const names = typeof filenames === 'string' ? [filenames] : [...filenames];
  const wanted = names.join(' or ');
  if (names.length === 0) throw new CtiError('BAD_INPUT', 'fetchFromServers needs at least one file name');
  if (servers.length === 0) throw new CtiError('BAD_INPUT', `TFTP servers must list at least one server to fetch ${wanted} from`);
  const { onAttempt, ...getOptions } = options;
  const failures: FetchFailure[] = [];
  for (const server of servers) {
    for (const filename of names) {
      try {
        const { data, stats } = await tftpGet({ ...getOptions, host: server.host, port: server.port, filename });
        onAttempt?.(server, undefined, filename);
        return { data, server, filename, stats, failures };
      } catch (err) {
        const error = toCtiError(err);
        onAttempt?.(server, error, filename);
        if (FINAL_CODES.has(error.code)) throw error;
        failures.push({ server: `${server.host}:${server.port}`, filename, code: error.code, message: error.message });
        if (SERVER_DOWN_CODES.has(error.code)) break;
      }
    }
  }
  throw new CtiError(summaryCode(failures), `No TFTP server delivered ${wanted}: ${failures.map((f) => `${f.server}: ${f.message}`).join('; ')}`);
}

/** CTL_NOT_FOUND only when every server said so for every name; otherwise the last failure that was not "not found". */
function summaryCode(failures: FetchFailure[]): ErrorCode {
  const other = failures.filter((f) => f.code !== 'CTL_NOT_FOUND');
  return other.at(-1)?.code ?? 'CTL_NOT_FOUND';
}
