/** Several servers, dead servers and cancellation, over real loopback sockets. */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tftpGet } from '../../../electron/core/tftp/client.ts';
import { fetchFromServers } from '../../../electron/core/tftp/fetch-from-servers.ts';
import { OPCODE } from '../../../electron/core/tftp/packets.ts';
import { startTftpServer, type TftpServer } from '../../../electron/core/tftp/server.ts';
import { CtiError } from '../../../shared/errors.ts';
import { closedUdpPort } from '../../helpers/ports.ts';
import { startTftpdHpa, type TftpdHpa } from '../../helpers/tftpd-hpa.ts';
import { startUdpProxy } from '../../helpers/udp-proxy.ts';

const HOST = '127.0.0.1';
const ctl = randomBytes(3000);
let own: TftpServer;
let empty: TftpServer;
let hpa: TftpdHpa;
/** tftpd-hpa holding the trust list only under its CTLCAPF name. */
let hpaCapfOnly: TftpdHpa;
let deadPort: number;
const CAPF_NAME = 'CTLCAPF7f000001.tlv';
const TRUST_LIST_NAMES = [CAPF_NAME, 'CTLFile.tlv'];

beforeAll(async () => {
  own = await startTftpServer({ readFile: (name) => (name === 'CTLFile.tlv' ? ctl : undefined) });
  empty = await startTftpServer({ readFile: () => undefined });
  hpa = await startTftpdHpa({ files: { 'CTLFile.tlv': ctl } });
  hpaCapfOnly = await startTftpdHpa({ files: { [CAPF_NAME]: ctl } });
  deadPort = await closedUdpPort();
});
afterAll(async () => {
  await own?.close();
  await empty?.close();
  await hpa?.stop();
  await hpaCapfOnly?.stop();
});

// The dead port answers with ICMP at once on Linux; the live servers get room for a loaded machine.
const fast = { timeoutMs: 1000, tries: 3 };

describe('a server that is down', () => {
  it('fails quickly with NETWORK_UNREACHABLE (ICMP port unreachable) or NETWORK_TIMEOUT', async () => {
    const error = await tftpGet({ host: HOST, port: deadPort, filename: 'CTLFile.tlv', ...fast }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(CtiError);
    expect(['NETWORK_UNREACHABLE', 'NETWORK_TIMEOUT']).toContain((error as CtiError).code);
    expect((error as CtiError).message).toContain(`127.0.0.1:${deadPort}`);
    // On Linux the connected request socket hears the ICMP error.
    if (process.platform === 'linux') expect((error as CtiError).code).toBe('NETWORK_UNREACHABLE');
  });
});

describe('fetchFromServers', () => {
  it('uses the second server when the first is dead, and reports the first failure', async () => {
    const attempts: string[] = [];
    const result = await fetchFromServers(
      [
        { host: HOST, port: deadPort },
        { host: HOST, port: hpa.port },
      ],
      'CTLFile.tlv',
      { ...fast, onAttempt: (server, error) => attempts.push(`${server.port}:${error?.code ?? 'ok'}`) },
    );
    expect(result.data.equals(ctl)).toBe(true);
    expect(result.server).toEqual({ host: HOST, port: hpa.port });
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]!.server).toBe(`${HOST}:${deadPort}`);
    expect(attempts).toEqual([`${deadPort}:${result.failures[0]!.code}`, `${hpa.port}:ok`]);
  });

  it('stops at the first server that has the file', async () => {
    const attempts: number[] = [];
    const result = await fetchFromServers(
      [
        { host: HOST, port: own.port },
        { host: HOST, port: deadPort },
      ],
      'CTLFile.tlv',
      { ...fast, onAttempt: (server) => attempts.push(server.port) },
    );
    expect(result.server.port).toBe(own.port);
    expect(result.failures).toEqual([]);
    expect(attempts).toEqual([own.port]);
  });

  it('says CTL_NOT_FOUND, naming each server, when every server lacks the file', async () => {
    const error = await fetchFromServers(
      [
        { host: HOST, port: empty.port },
        { host: HOST, port: hpa.port },
      ],
      'Missing.tlv',
      fast,
    ).catch((err: unknown) => err);
    expect((error as CtiError).code).toBe('CTL_NOT_FOUND');
    expect((error as CtiError).message).toContain(`${HOST}:${empty.port}: TFTP server`);
    expect((error as CtiError).message).toContain(`${HOST}:${hpa.port}: TFTP server`);
  });

  it('reports the network failure when one server lacks the file and another is dead', async () => {
    const error = await fetchFromServers(
      [
        { host: HOST, port: empty.port },
        { host: HOST, port: deadPort },
      ],
      'CTLFile.tlv',
      fast,
    ).catch((err: unknown) => err);
    expect(['NETWORK_UNREACHABLE', 'NETWORK_TIMEOUT']).toContain((error as CtiError).code);
    expect((error as CtiError).message).toMatch(/has no file CTLFile\.tlv.*; 127\.0\.0\.1:\d+: /);
  });

  it('refuses an empty server list', async () => {
    await expect(fetchFromServers([], 'CTLFile.tlv')).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });
});

describe('fetchFromServers with two names for one file', () => {
  it('asks a server for each name in order before trying the next server', async () => {
    const attempts: string[] = [];
    const result = await fetchFromServers(
      [
        { host: HOST, port: hpa.port },
        { host: HOST, port: hpaCapfOnly.port },
      ],
      TRUST_LIST_NAMES,
      { ...fast, onAttempt: (server, error, name) => attempts.push(`${server.port}:${name}:${error?.code ?? 'ok'}`) },
    );
    expect(result).toMatchObject({ server: { port: hpa.port }, filename: 'CTLFile.tlv' });
    expect(result.data.equals(ctl)).toBe(true);
    expect(attempts).toEqual([`${hpa.port}:${CAPF_NAME}:CTL_NOT_FOUND`, `${hpa.port}:CTLFile.tlv:ok`]);
  });

  it('takes the CTLCAPF name when served, and skips a dead server after its first name', async () => {
    const attempts: string[] = [];
    const result = await fetchFromServers(
      [
        { host: HOST, port: deadPort },
        { host: HOST, port: hpaCapfOnly.port },
      ],
      TRUST_LIST_NAMES,
      { ...fast, onAttempt: (server, error, name) => attempts.push(`${server.port}:${name}:${error?.code ?? 'ok'}`) },
    );
    expect(result).toMatchObject({ server: { port: hpaCapfOnly.port }, filename: CAPF_NAME });
    expect(attempts).toEqual([`${deadPort}:${CAPF_NAME}:${result.failures[0]!.code}`, `${hpaCapfOnly.port}:${CAPF_NAME}:ok`]);
  });

  it('says CTL_NOT_FOUND naming both names only when every server lacks both', async () => {
    const names = ['CTLCAPF0a000001.tlv', 'CTLFile.tlv'];
    const error = (await fetchFromServers(
      [
        { host: HOST, port: empty.port },
        { host: HOST, port: hpaCapfOnly.port },
      ],
      names,
      fast,
    ).catch((err: unknown) => err)) as CtiError;
    expect(error.code).toBe('CTL_NOT_FOUND');
    expect(error.message).toMatch(/^No TFTP server delivered CTLCAPF0a000001\.tlv or CTLFile\.tlv: /);
    for (const port of [empty.port, hpaCapfOnly.port]) {
      for (const name of names) expect(error.message).toContain(`TFTP server ${HOST}:${port} has no file ${name}`);
    }
  });
});

describe('cancellation', () => {
  it('cancels a stalled transfer, tells the server, and tries no further server', async () => {
    const controller = new AbortController();
    // The proxy swallows everything after the first DATA, so the transfer hangs until cancelled.
    let dataSeen = false;
    const proxy = await startUdpProxy({
      target: own,
      fault: (p) => {
        if (p.direction === 'toClient' && p.packet?.opcode === OPCODE.DATA) {
          if (dataSeen) return 'drop';
          dataSeen = true;
          setImmediate(() => controller.abort());
          return 'drop';
        }
        return 'forward';
      },
    });
    const attempts: string[] = [];
    try {
      const error = await fetchFromServers(
        [
          { host: proxy.host, port: proxy.port },
          { host: HOST, port: own.port },
        ],
        'CTLFile.tlv',
        { timeoutMs: 5000, signal: controller.signal, onAttempt: (_s, e) => attempts.push(e?.code ?? 'ok') },
      ).catch((err: unknown) => err);
      expect((error as CtiError).code).toBe('CANCELLED');
      expect(attempts).toEqual(['CANCELLED']);
      await expect.poll(() => proxy.log.some((e) => e.direction === 'toServer' && e.opcode === OPCODE.ERROR)).toBe(true);
    } finally {
      await proxy.close();
    }
  });
});
