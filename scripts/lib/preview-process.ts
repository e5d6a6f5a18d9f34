/**
 * Starts `scripts/preview.ts --lab` for one spec file: a fresh home folder, its own lab, a free port.
 * Resolves once the preview prints `Preview: URL`; stop() ends it with SIGTERM and removes the home folder.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConsoleMessage, Page } from '@playwright/test';
import { API_INVOKE_PATH, TOKEN_HEADER, TOKEN_QUERY } from '../../electron/preview/bridge-routes.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const READY = /^Preview: (http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+)$/m;
const START_TIMEOUT_MS = 120_000;

export const LAB_PROFILES = ['lab1:123456', 'lab2:654321:p256'];
/** The real home's folder name under the temp folder when the preview runs without --home. */
export const REAL_HOME = 'real-home';

export interface Preview {
  url: string;
  home: string;
  output(): string;
  stop(): Promise<void>;
}

export interface PreviewOptions {
  /** Added to the environment (e.g. a dead D-Bus address: no OS vault). */
  env?: NodeJS.ProcessEnv;
  /**
   * false: no --home, as a person starts it; the real home (CTIPREFS_HOME) is then `<home>/real-home`, so
   * a test can see what the preview derives from it.
   */
  homeFlag?: boolean;
}

export async function startPreview(profiles: string[] = LAB_PROFILES, options: PreviewOptions = {}): Promise<Preview> {
  const home = await mkdtemp(join(tmpdir(), 'ctiprefs-e2e-'));
  const withHome = options.homeFlag !== false;
  const args = ['--import', 'tsx', 'scripts/preview.ts', '--lab', ...(withHome ? ['--home', home] : []), '--port', '0'];
  for (const profile of profiles) args.push('--profile', profile);
  const env = { ...process.env, ...(withHome ? {} : { CTIPREFS_HOME: join(home, REAL_HOME) }), ...options.env };
  const child: ChildProcess = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`preview did not start in ${START_TIMEOUT_MS} ms:\n${output}`)), START_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = READY.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`preview exited with ${code} before it was ready:\n${output}`));
    });
  });

  return {
    url,
    home,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      await rm(home, { recursive: true, force: true });
    },
  };
}

/** Calls a channel over the preview's HTTP bridge, as the page does; resolves to the envelope. */
export async function invokeBridge(preview: Pick<Preview, 'url'>, channel: string, payload?: unknown): Promise<unknown> {
  const url = new URL(preview.url);
  const response = await fetch(new URL(`${API_INVOKE_PATH}${encodeURIComponent(channel)}`, url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', [TOKEN_HEADER]: url.searchParams.get(TOKEN_QUERY) ?? '' },
    body: payload === undefined ? '' : JSON.stringify(payload),
  });
  return response.json();
}

/** Collects Content-Security-Policy violations and page errors, which every test expects to stay empty. */
export function watchPage(page: Page): { problems: string[] } {
  const problems: string[] = [];
  page.on('console', (message: ConsoleMessage) => {
    if (/Refused to|Content Security Policy/.test(message.text())) {
      problems.push(`console: ${message.text()}`);
    }
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  return { problems };
}

/** Names of the API calls the page made (`enroll:start`, ...), from the bridge's request URLs. */
export function recordInvocations(page: Page): string[] {
  const channels: string[] = [];
  page.on('request', (request) => {
    const match = /\/api\/invoke\/([^?]+)$/.exec(new URL(request.url()).pathname);
    if (match) channels.push(decodeURIComponent(match[1]!));
  });
  return channels;
}
