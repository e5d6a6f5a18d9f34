/**
 * Starts Debian's tftpd-hpa (`in.tftpd`) on a free loopback port, serving a temporary directory.
 * Framework-free, so tests and scripts/bench-tftp.ts share it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { accessSync, constants } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeUdpPort } from './ports.ts';
import { OPCODE, MODE_OCTET, decodePacket, encodeRequest } from '../../electron/core/tftp/packets.ts';

export const IN_TFTPD = '/usr/sbin/in.tftpd';
const HOST = '127.0.0.1';

export interface TftpdHpa {
  host: string;
  port: number;
  dir: string;
  /** Adds (or replaces) a file the server serves. */
  addFile(name: string, data: Buffer): Promise<void>;
  stop(): Promise<void>;
}

export interface TftpdHpaOptions {
  /** Options tftpd-hpa must refuse (`-r NAME`), e.g. ['blksize', 'tsize'] to force plain RFC 1350. */
  refuse?: string[];
  files?: Record<string, Buffer>;
}

export async function startTftpdHpa(options: TftpdHpaOptions = {}): Promise<TftpdHpa> {
  try {
    accessSync(IN_TFTPD, constants.X_OK);
  } catch {
    throw new Error(`${IN_TFTPD} is missing: install the real TFTP server with \`apt-get install tftpd-hpa\``);
  }
  const dir = await mkdtemp(join(tmpdir(), 'ctiprefs-tftpd-'));
  await chmod(dir, 0o755); // in.tftpd drops to user tftp, which must read the folder
  const addFile = async (name: string, data: Buffer): Promise<void> => {
    const path = join(dir, name);
    await writeFile(path, data);
    await chmod(path, 0o644);
  };
  for (const [name, data] of Object.entries(options.files ?? {})) await addFile(name, data);

  // A free port (scripts/lib/ports.ts). Another process could take it in between; the readiness
  // probe below then fails loudly instead of testing the wrong server.
  const port = await freeUdpPort();
  const refuse = (options.refuse ?? []).flatMap((name) => ['-r', name]);
  const child = spawn(IN_TFTPD, ['-L', '-a', `${HOST}:${port}`, '-s', '-u', 'tftp', ...refuse, dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const stop = async (): Promise<void> => {
    await killChild(child);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilAnswering(port, child, () => stderr);
  } catch (err) {
    await stop();
    throw err;
  }
  return { host: HOST, port, dir, addFile, stop };
}

/** Sends RRQ for a file that does not exist until the server answers with ERROR 1. */
async function waitUntilAnswering(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  const probe = dgram.createSocket('udp4');
  probe.bind(0, HOST);
  await once(probe, 'listening');
  const request = encodeRequest({ opcode: OPCODE.RRQ, filename: '.readiness-probe-missing', mode: MODE_OCTET, options: new Map() });
  try {
    const answered = new Promise<void>((resolve) => {
      probe.on('message', (message) => {
        try {
          const packet = decodePacket(message);
          if (packet.opcode === OPCODE.ERROR) resolve();
        } catch {
          // not an answer to the probe
        }
      });
    });
    const exited = once(child, 'exit').then(([code]) => {
      throw new Error(`in.tftpd exited with code ${String(code)} before answering: ${stderr().trim()}`);
    });
    for (let attempt = 0; attempt < 100; attempt++) {
      probe.send(request, port, HOST);
      const result = await Promise.race([answered.then(() => true), exited, delay(100).then(() => false)]);
      if (result) return;
    }
    throw new Error(`in.tftpd on ${HOST}:${port} did not answer within 10 s: ${stderr().trim()}`);
  } finally {
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}
