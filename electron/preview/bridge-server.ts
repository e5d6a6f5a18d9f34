/**
 * The preview server: the built renderer plus an HTTP bridge to the real AppService, on 127.0.0.1 only.
 *
 * Who may call the core: only whoever has the URL the preview printed. It carries a random per-run token;
 * index.html is served only with it (any other local process asking for `/` gets a short page saying to
 * open the printed URL), the page passes it to its bridge script, and the script sends it on every API
 * request (a header, so cross-site pages need a CORS preflight we never grant). The Host header must be
 * 127.0.0.1:PORT (DNS rebinding), and a foreign Origin is refused.
 * Every payload then goes through the same validation as Electron's IPC handlers (dispatchRequest).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CtiError } from '../../shared/errors.ts';
import { toErrorPayload } from '../../shared/ipc-error.ts';
import { PROGRESS_EVENT, type IpcEnvelope, type ProgressEvent } from '../../shared/ipc.ts';
import { CONTENT_SECURITY_POLICY, contentTypeOf, resolveRendererFile } from '../app-protocol.ts';
import { silentLogger, type Logger } from '../core/log.ts';
import { dispatchRequest, type IpcService } from '../ipc-dispatch.ts';
import {
  API_EVENTS_PATH,
  API_INVOKE_PATH,
  TOKEN_HEADER,
  TOKEN_QUERY,
  bridgeScriptPath,
  tokenFromBridgePath,
} from './bridge-routes.ts';

export const PREVIEW_HOST = '127.0.0.1';
/** Settings with 100 long profiles stay well under this. */
export const MAX_BODY_BYTES = 1024 * 1024;
const KEEPALIVE_MS = 15_000;

export interface BridgeServerOptions {
  service: IpcService;
  /** The built renderer (dist/renderer). */
  rendererDir: string;
  /** The bundled browser-side bridge (browser-bridge.ts). */
  bridgeScript: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Fixed only in tests; random per run otherwise. */
  token?: string;
  logger?: Logger;
}

export interface BridgeServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const SECURITY_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
  'cache-control': 'no-store',
};

const OPEN_PRINTED_URL_PAGE =
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>ctiprefs preview</title></head>' +
  '<body><main><h1>ctiprefs preview</h1><p>Open the address that <code>npm run preview</code> printed: ' +
  'it carries the key of this run.</p></main></body></html>';

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Adds the bridge script at the end of <head>: a classic script runs as soon as it is parsed, before any
 * module script (modules run after parsing), so window.ctiprefs exists before the UI starts.
 */
export function injectBridgeScript(html: string, token: string): string {
  const at = html.search(/<\/head>/i);
  if (at < 0) throw new Error('dist/renderer/index.html has no </head>');
  return `${html.slice(0, at)}  <script src="${bridgeScriptPath(token)}"></script>\n  ${html.slice(at)}`;
}

function channelOf(path: string): string {
  try {
    return decodeURIComponent(path.slice(API_INVOKE_PATH.length));
  } catch {
    throw new HttpError(400, 'Malformed channel name');
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) throw new HttpError(413, `Request body over ${MAX_BODY_BYTES} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `Request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function startBridgeServer(options: BridgeServerOptions): Promise<BridgeServer> {
  const logger = options.logger ?? silentLogger;
  const token = options.token ?? randomBytes(32).toString('base64url');
  const streams = new Set<ServerResponse>();
  let port = 0;
  let origin = '';

  const send = (res: ServerResponse, status: number, type: string, body: string | Buffer) => {
    res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  const sendJson = (res: ServerResponse, status: number, envelope: IpcEnvelope<unknown>) =>
    // A void result must still say "result" after JSON drops undefined.
    send(res, status, 'application/json; charset=utf-8', JSON.stringify('result' in envelope ? { result: envelope.result ?? null } : envelope));

  const checkCaller = (req: IncomingMessage, url: URL, api: boolean) => {
    if (req.headers.host !== `${PREVIEW_HOST}:${port}`) throw new HttpError(403, 'Wrong Host header');
    if (!api) return;
    const requestOrigin = req.headers.origin;
    if (requestOrigin !== undefined && requestOrigin !== origin) throw new HttpError(403, 'Foreign origin');
    const presented = url.pathname === API_EVENTS_PATH ? url.searchParams.get(TOKEN_QUERY) : req.headers[TOKEN_HEADER];
    if (typeof presented !== 'string' || !sameSecret(presented, token)) throw new HttpError(403, 'Missing or wrong token');
  };

  const invoke = async (req: IncomingMessage, res: ServerResponse, channel: string) => {
    if (req.method !== 'POST') throw new HttpError(405, 'Use POST');
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') throw new HttpError(415, 'Content-Type must be application/json');
    const body = await readBody(req);
    let payload: unknown;
    try {
      payload = body === '' ? undefined : JSON.parse(body);
    } catch {
      sendJson(res, 400, { error: toErrorPayload(new CtiError('BAD_INPUT', 'Request body is not JSON')) });
      return;
    }
    sendJson(res, 200, await dispatchRequest(options.service, channel, payload, logger));
  };

  const openEventStream = (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET') throw new HttpError(405, 'Use GET');
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive' });
    res.write(': connected\n\n');
    streams.add(res);
    res.on('close', () => streams.delete(res));
  };

  const serveFile = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'Use GET');
    const path = url.pathname;
    const bridgeToken = tokenFromBridgePath(path);
    if (path.startsWith('/bridge/')) {
      if (!bridgeToken || !sameSecret(bridgeToken, token)) throw new HttpError(403, 'Missing or wrong token');
      send(res, 200, 'text/javascript; charset=utf-8', options.bridgeScript);
      return;
    }
    const file = resolveRendererFile(options.rendererDir, path);
    if (!file) throw new HttpError(404, 'Not found');
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch {
      throw new HttpError(404, 'Not found');
    }
    const type = contentTypeOf(file)!;
    if (!type.startsWith('text/html')) return send(res, 200, type, body);
    // The page is what hands out the token, so it goes only to whoever already holds it.
    const presented = url.searchParams.get(TOKEN_QUERY);
    if (presented === null || !sameSecret(presented, token)) return send(res, 403, 'text/html; charset=utf-8', OPEN_PRINTED_URL_PAGE);
    send(res, 200, type, injectBridgeScript(body.toString('utf8'), token));
  };

  const server: Server = createServer((req, res) => {
    const handle = async () => {
      const url = new URL(req.url ?? '/', origin);
      const api = url.pathname.startsWith('/api/');
      checkCaller(req, url, api);
      if (url.pathname.startsWith(API_INVOKE_PATH)) return invoke(req, res, channelOf(url.pathname));
      if (url.pathname === API_EVENTS_PATH) return openEventStream(req, res);
      if (api) throw new HttpError(404, 'Not found');
      return serveFile(req, res, url);
    };
    handle().catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      if (status === 500) logger.log('error', 'preview.request.failed', { message: toErrorPayload(err).message });
      if (res.headersSent) return void res.destroy();
      if (status === 413) {
        // Discard the rest of an oversized body (only a token holder gets here) and drop the connection after.
        res.setHeader('connection', 'close');
        req.resume();
      }
      send(res, status, 'text/plain; charset=utf-8', err instanceof HttpError ? err.message : 'Internal error');
    });
  });

  const unsubscribe = options.service.onProgress((event: ProgressEvent) => {
    const frame = `event: ${PROGRESS_EVENT}\ndata: ${JSON.stringify(event)}\n\n`;
    for (const stream of streams) stream.write(frame);
  });
  const keepalive = setInterval(() => {
    for (const stream of streams) stream.write(': keepalive\n\n');
  }, KEEPALIVE_MS);
  keepalive.unref();

  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, PREVIEW_HOST, () => {
      server.off('error', reject);
      resolvePromise();
    });
  });
  port = (server.address() as AddressInfo).port;
  origin = `http://${PREVIEW_HOST}:${port}`;

  return {
    url: `${origin}/?${TOKEN_QUERY}=${token}`,
    port,
    token,
    async close() {
      unsubscribe();
      clearInterval(keepalive);
      for (const stream of streams) stream.end();
      await new Promise<void>((resolvePromise) => {
        server.close(() => resolvePromise());
        server.closeAllConnections();
      });
    },
  };
}
