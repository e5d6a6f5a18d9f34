/** The client against Debian's tftpd-hpa, a real server it has to interoperate with. */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tftpGet } from '../../../electron/core/tftp/client.ts';
import { CtiError } from '../../../shared/errors.ts';
import { startTftpdHpa, type TftpdHpa } from '../../../scripts/lib/tftpd-hpa.ts';

const files = {
  'small.bin': randomBytes(5 * 1024),
  'exact.bin': randomBytes(512 * 6),
  'empty.bin': Buffer.alloc(0),
  'max.bin': randomBytes(1_048_576),
  'huge.bin': randomBytes(1_048_577),
};

let server: TftpdHpa;
let plain: TftpdHpa;
beforeAll(async () => {
  server = await startTftpdHpa({ files });
  // A server that refuses every option: it answers RRQ with DATA 1, as RFC 1350 servers do.
  plain = await startTftpdHpa({ files, refuse: ['blksize', 'blksize2', 'tsize', 'timeout', 'utimeout', 'rollover'] });
});
afterAll(async () => {
  await server?.stop();
  await plain?.stop();
});

const get = (from: TftpdHpa, filename: string, extra = {}) => tftpGet({ host: from.host, port: from.port, filename, timeoutMs: 1000, ...extra });

describe('tftpGet against tftpd-hpa', () => {
  it('negotiates blksize and tsize; tftpd-hpa has no windowsize, so the window stays 1', async () => {
    const { data, stats } = await get(server, 'small.bin');
    expect(data.equals(files['small.bin'])).toBe(true);
    expect(stats).toMatchObject({ optionsAccepted: true, blksize: 1468, tsize: 5120, windowsize: 1, retransmissions: 0 });
    // RRQ→OACK, then ACK n→DATA n+1 for the 4 blocks of 1468 bytes (lockstep).
    expect(stats.roundTrips).toBe(5);
    expect(stats.packetsReceived).toBe(5);
    expect(stats.packetsSent).toBe(6);
  });

  it('ends a file of exactly k blocks with an empty DATA block', async () => {
    const { data, stats } = await get(server, 'exact.bin', { blksize: 512 });
    expect(data.equals(files['exact.bin'])).toBe(true);
    expect(stats.blksize).toBe(512);
    expect(stats.packetsReceived).toBe(1 + 7); // OACK + 6 full blocks + 1 empty block
  });

  it('downloads an empty file', async () => {
    const { data, stats } = await get(server, 'empty.bin');
    expect(data.length).toBe(0);
    expect(stats.tsize).toBe(0);
  });

  it('downloads a file of exactly maxBytes', async () => {
    const { data } = await get(server, 'max.bin');
    expect(data.equals(files['max.bin'])).toBe(true);
  });

  it('maps "file not found" to CTL_NOT_FOUND', async () => {
    const error = await get(server, 'CTLFile.tlv').catch((err: unknown) => err);
    expect(error).toBeInstanceOf(CtiError);
    expect((error as CtiError).code).toBe('CTL_NOT_FOUND');
    expect((error as CtiError).message).toBe(
      `TFTP server 127.0.0.1:${server.port} has no file CTLFile.tlv (TFTP error 1: File not found): the cluster is probably not in mixed mode`,
    );
  });

  it('refuses a file over 1 MiB from its tsize, before the transfer', async () => {
    const error = await get(server, 'huge.bin').catch((err: unknown) => err);
    expect((error as CtiError).code).toBe('CTL_INVALID');
    expect((error as CtiError).message).toMatch(/is 1048577 bytes \(announced before the transfer\); the limit is 1048576 bytes/);
  });

  it('falls back to 512-byte lockstep when the server takes no options', async () => {
    const { data, stats } = await get(plain, 'small.bin');
    expect(data.equals(files['small.bin'])).toBe(true);
    expect(stats).toMatchObject({ optionsAccepted: false, blksize: 512, windowsize: 1 });
    expect(stats.tsize).toBeUndefined();
    expect(stats.roundTrips).toBe(11); // RRQ→DATA 1, then ACK n→DATA n+1 for 11 blocks (the last one empty)
  });

  it('still refuses a file over 1 MiB without tsize, by counting bytes', async () => {
    const error = await get(plain, 'huge.bin').catch((err: unknown) => err);
    expect((error as CtiError).code).toBe('CTL_INVALID');
    expect((error as CtiError).message).toMatch(/exceeds the limit after 1048577 bytes/);
  });
});
