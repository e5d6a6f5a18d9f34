import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CtiError } from '../../../shared/errors.ts';
import type { Channel, ProgressEvent } from '../../../shared/ipc.ts';
import type { IpcService } from '../../../electron/ipc-dispatch.ts';
import { MAX_BODY_BYTES, injectBridgeScript, startBridgeServer, type BridgeServer } from '../../../electron/preview/bridge-server.ts';
import { bridgeScriptPath } from '../../../electron/preview/bridge-routes.ts';

const TOKEN = 'T'.repeat(43);
const BRIDGE_JS = 'window.bridgeLoaded = true;';

/** A stub AppService: this file tests the transport, not the core. */
function stubService() {
  const listeners = new Set<(e: ProgressEvent) => void>();
  const calls: [Channel, unknown][] = [];
  const service: IpcService = {
    handle: (async (channel: Channel, request: unknown) => {
      calls.push([channel, request]);
      if (channel === 'enroll:cancel') return undefined;
      if (channel === 'connection:test') throw new CtiError('NETWORK_TIMEOUT', 'CTIManager did not answer');
      return { channel, request };
    }) as IpcService['handle'],
    onProgress(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return { service, calls, emit: (e: ProgressEvent) => listeners.forEach((l) => l(e)) };
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Raw HTTP, so tests control the Host header and the body byte for byte. */
function send(server: BridgeServer, options: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: server.port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: { host: `127.0.0.1:${server.port}`, ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const invoke = (server: BridgeServer, channel: string, body: string | undefined, headers: Record<string, string> = {}) =>
  send(server, {
    method: 'POST',
    path: `/api/invoke/${channel}`,
    headers: { 'content-type': 'application/json', 'x-ctiprefs-token': TOKEN, ...headers },
    ...(body === undefined ? {} : { body }),
  });

describe('preview bridge server', () => {
  let dir: string;
  let server: BridgeServer;
  let stub: ReturnType<typeof stubService>;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ctiprefs-bridge-'));
    await mkdir(join(dir, 'assets'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><html><head><meta charset="utf-8"><script type="module" src="./assets/app.js"></script></head><body></body></html>');
    await writeFile(join(dir, 'assets', 'app.js'), 'console.log(1)');
    await writeFile(join(dir, 'secret.pem'), 'KEY');
    stub = stubService();
    server = await startBridgeServer({ service: stub.service, rendererDir: dir, bridgeScript: BRIDGE_JS, token: TOKEN });
  });

  afterEach(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('listens on 127.0.0.1 and serves index.html with the bridge script first in <head>', async () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${TOKEN}`);
    const page = await send(server, { path: `/?token=${TOKEN}` });
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    const bridgeAt = page.body.indexOf(`<script src="${bridgeScriptPath(TOKEN)}"></script>`);
    expect(bridgeAt).toBeGreaterThan(page.body.indexOf('<meta charset'));
    expect(bridgeAt).toBeLessThan(page.body.indexOf('</head>'));
    const asset = await send(server, { path: '/assets/app.js' });
    expect(asset).toMatchObject({ status: 200, body: 'console.log(1)' });
    expect(asset.headers['content-type']).toMatch(/^text\/javascript/);
  });

  it('serves the page (which hands out the token) only to whoever has the printed URL', async () => {
    for (const path of ['/', '/index.html', '/?token=' + 'U'.repeat(43), '/?token=']) {
      const page = await send(server, { path });
      expect(page.status, path).toBe(403);
      expect(page.body, path).toContain('Open the address that <code>npm run preview</code> printed');
      expect(page.body, path).not.toContain(TOKEN);
    }
    expect((await send(server, { path: `/index.html?token=${TOKEN}` })).status).toBe(200);
  });

  it('serves the bridge script only under the right token', async () => {
    expect(await send(server, { path: bridgeScriptPath(TOKEN) })).toMatchObject({ status: 200, body: BRIDGE_JS });
    expect((await send(server, { path: bridgeScriptPath('U'.repeat(43)) })).status).toBe(403);
    expect((await send(server, { path: '/bridge/x.js' })).status).toBe(403);
  });

  it('refuses path traversal and files it does not serve', async () => {
    for (const path of ['/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/secret.pem', '/assets/%2e%2e/secret.pem', '/nope.js']) {
      expect((await send(server, { path })).status, path).toBe(404);
    }
  });

  it('refuses a wrong Host header on every route (DNS rebinding)', async () => {
    for (const path of [`/?token=${TOKEN}`, bridgeScriptPath(TOKEN), '/api/events?token=' + TOKEN]) {
      expect((await send(server, { path, headers: { host: `evil.example:${server.port}` } })).status, path).toBe(403);
      expect((await send(server, { path, headers: { host: `localhost:${server.port}` } })).status, path).toBe(403);
    }
    expect((await invoke(server, 'settings:get', '', { host: 'evil.example' })).status).toBe(403);
    expect(stub.calls).toEqual([]);
  });

  it('refuses API calls without the token, with a wrong one, or from a foreign origin', async () => {
    const noToken = await send(server, { method: 'POST', path: '/api/invoke/settings:get', headers: { 'content-type': 'application/json' } });
    expect(noToken.status).toBe(403);
    expect((await invoke(server, 'settings:get', '', { 'x-ctiprefs-token': 'x'.repeat(43) })).status).toBe(403);
    expect((await invoke(server, 'settings:get', '', { origin: 'https://evil.example' })).status).toBe(403);
    expect((await send(server, { path: '/api/events' })).status).toBe(403);
    expect(stub.calls).toEqual([]);
    expect((await invoke(server, 'settings:get', '', { origin: `http://127.0.0.1:${server.port}` })).status).toBe(200);
  });

  it('answers with envelopes: results, void results and typed errors', async () => {
    const ok = await invoke(server, 'ctl:get', JSON.stringify({ profileId: 'p1' }));
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toEqual({ result: { channel: 'ctl:get', request: { profileId: 'p1' } } });
    expect(JSON.parse((await invoke(server, 'enroll:cancel', JSON.stringify({ profileId: 'p1' }))).body)).toEqual({ result: null });
    expect(JSON.parse((await invoke(server, 'settings:get', undefined)).body)).toMatchObject({ result: { channel: 'settings:get' } });
    expect(JSON.parse((await invoke(server, 'connection:test', JSON.stringify({ profileId: 'p1' }))).body)).toMatchObject({
      error: { code: 'NETWORK_TIMEOUT', message: 'CTIManager did not answer', hint: expect.any(String) },
    });
  });

  it('validates every payload before the service sees it', async () => {
    const cases: [string, string][] = [
      ['enroll:start', JSON.stringify({ profileId: 'p1', authString: '12' })],
      ['enroll:start', '{"profileId":"p1","authString":"123456","__proto__":{"admin":true}}'],
      ['settings:get', '{}'],
      ['no:such-channel', ''],
      ['__proto__', ''],
    ];
    for (const [channel, body] of cases) {
      const reply = await invoke(server, channel, body);
      expect(reply.status, channel).toBe(200);
      expect(JSON.parse(reply.body), `${channel} ${body}`).toMatchObject({ error: { code: 'BAD_INPUT' } });
    }
    const notJson = await invoke(server, 'ctl:get', '{profileId:');
    expect(notJson.status).toBe(400);
    expect(JSON.parse(notJson.body)).toMatchObject({ error: { code: 'BAD_INPUT', message: 'Request body is not JSON' } });
    expect(stub.calls).toEqual([]);
  });

  it('refuses wrong methods, content types and oversized bodies', async () => {
    expect((await send(server, { path: '/api/invoke/settings:get', headers: { 'x-ctiprefs-token': TOKEN } })).status).toBe(405);
    expect((await invoke(server, 'settings:get', '', { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await invoke(server, 'settings:save', JSON.stringify({ pad: 'x'.repeat(MAX_BODY_BYTES) }))).status).toBe(413);
    expect((await send(server, { method: 'POST', path: '/', body: 'x' })).status).toBe(405);
    expect(stub.calls).toEqual([]);
  });

  it('streams progress events to subscribers', async () => {
    const event: ProgressEvent = { profileId: 'p1', status: { state: 'pending', since: '2026-01-01T00:00:00.000Z' }, message: 'Waiting' };
    const received = await new Promise<string>((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port: server.port, path: `/api/events?token=${TOKEN}`, headers: { host: `127.0.0.1:${server.port}` } },
        (res) => {
          expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
          let text = '';
          res.on('data', (chunk: Buffer) => {
            text += chunk.toString('utf8');
            if (text.includes(': connected')) stub.emit(event);
            if (text.includes('\n\nevent: progress')) {
              const frame = text.slice(text.indexOf('event: progress'));
              if (frame.endsWith('\n\n')) {
                req.destroy();
                resolve(frame);
              }
            }
          });
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(received).toBe(`event: progress\ndata: ${JSON.stringify(event)}\n\n`);
  });

  it('closes while an event stream is open', async () => {
    await new Promise<void>((resolve) => {
      const req = httpRequest({ host: '127.0.0.1', port: server.port, path: `/api/events?token=${TOKEN}`, headers: { host: `127.0.0.1:${server.port}` } }, () => resolve());
      req.on('error', () => undefined);
      req.end();
    });
    await server.close();
    await expect(send(server, { path: '/' })).rejects.toThrow();
    server = await startBridgeServer({ service: stub.service, rendererDir: dir, bridgeScript: BRIDGE_JS, token: TOKEN });
  });
});

describe('injectBridgeScript', () => {
  it('needs a </head>', () => {
    expect(() => injectBridgeScript('<html><body></body></html>', TOKEN)).toThrow(/no <\/head>/);
    expect(injectBridgeScript('<html><HEAD><title>x</title></HEAD></html>', TOKEN)).toBe(
      `<html><HEAD><title>x</title>  <script src="/bridge/${TOKEN}.js"></script>\n  </HEAD></html>`,
    );
  });
});
