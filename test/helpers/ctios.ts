/** Real CTI OS sets for tests, made by the core the CLI uses, and `openssl s_server` as a CTI OS server. */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { CtiosRole } from '../../shared/ctios-fields.ts';
import { createCtiosCa } from '../../electron/core/ctios/ca.ts';
import { CA_CERT_FILE } from '../../electron/core/ctios/file-names.ts';
import { createCtiosRequest } from '../../electron/core/ctios/request.ts';
import { signCtiosRequest } from '../../electron/core/ctios/sign.ts';
import { freeTcpPort } from '../../scripts/lib/ports.ts';

export const CA_PASSWORD = 'correct-horse';

export async function makeCa(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  await createCtiosCa(dir, CA_PASSWORD);
  return dir;
}

/** A signed set for `role` in `dir`: CtiosClient.pem or CtiosServer.pem plus the CA's CtiosRootCert.pem. */
export async function makeSignedSet(caDir: string, dir: string, role: CtiosRole, cn = `${role}-test`): Promise<string> {
  await mkdir(dir, { recursive: true });
  const made = await createCtiosRequest(role, dir, { CN: cn });
  await signCtiosRequest({ caDir, password: CA_PASSWORD, requestFile: made.requestFile, outDir: dir });
  await copyFile(join(caDir, CA_CERT_FILE), join(dir, CA_CERT_FILE));
  return dir;
}

/** `openssl s_server` on a free loopback port, requiring a client certificate; resolves once it listens. */
export async function startOpensslServer(args: string[]): Promise<{ port: number; child: ChildProcess; stop(): Promise<void> }> {
  const port = await freeTcpPort();
  const child = spawn('openssl', ['s_server', '-accept', `127.0.0.1:${port}`, '-naccept', '1', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const lines = createInterface({ input: child.stdout! });
  await Promise.race([
    new Promise<void>((resolve) => lines.on('line', (line) => line.startsWith('ACCEPT') && resolve())),
    once(child, 'exit').then(([code]) => {
      throw new Error(`openssl s_server exited with ${code} before listening`);
    }),
  ]);
  return {
    port,
    child,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill();
        await once(child, 'exit');
      }
    },
  };
}
