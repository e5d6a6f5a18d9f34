/**
 * Runs in the browser for `npm run preview`: defines `window.ctiprefs` (the same CtiprefsApi the Electron
 * preload exposes) over the preview server's HTTP API. Loaded as `/bridge/<token>.js`, a classic script
 * placed before the renderer's module script, so the API exists before the UI starts.
 */
import { decodeEnvelope, IpcError } from '../../shared/ipc-error.ts';
import type { ProgressEvent } from '../../shared/model.ts';
import { PROGRESS_EVENT, type Channel, type CtiprefsApi, type IpcEnvelope } from '../../shared/ipc.ts';
import { ERRORS } from '../../shared/errors.ts';
import { API_EVENTS_PATH, API_INVOKE_PATH, TOKEN_HEADER, TOKEN_QUERY, tokenFromBridgePath } from './bridge-routes.ts';

function readToken(): string {
  const script = document.currentScript;
  const token = script instanceof HTMLScriptElement ? tokenFromBridgePath(new URL(script.src).pathname) : null;
  if (!token) throw new Error('ctiprefs preview bridge: load it as /bridge/<token>.js');
  return token;
}

function transportError(message: string): IpcError {
  return new IpcError({ code: 'INTERNAL', message, hint: ERRORS.INTERNAL.hint });
}

function createPreviewApi(token: string): CtiprefsApi {
  const listeners = new Set<(event: ProgressEvent) => void>();
  let events: EventSource | null = null;

  const openEvents = () => {
    events = new EventSource(`${API_EVENTS_PATH}?${TOKEN_QUERY}=${encodeURIComponent(token)}`);
    events.addEventListener(PROGRESS_EVENT, (message) => {
      let progress: ProgressEvent;
      try {
        progress = JSON.parse((message as MessageEvent<string>).data) as ProgressEvent;
      } catch {
        return;
      }
      for (const listener of [...listeners]) listener(progress);
    });
  };

  const invoke = async (channel: Channel, ...request: unknown[]): Promise<unknown> => {
    let response: Response;
    try {
      response = await fetch(`${API_INVOKE_PATH}${encodeURIComponent(channel)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [TOKEN_HEADER]: token },
        body: request.length === 0 ? '' : JSON.stringify(request[0]),
        cache: 'no-store',
        credentials: 'omit',
      });
    } catch {
      throw transportError('The preview server is not reachable; is `npm run preview` still running?');
    }
    let envelope: IpcEnvelope<unknown>;
    try {
      envelope = (await response.json()) as IpcEnvelope<unknown>;
    } catch {
      throw transportError(`The preview server answered HTTP ${response.status} without an envelope`);
    }
    return decodeEnvelope(envelope);
  };

  return Object.freeze({
    invoke: invoke as CtiprefsApi['invoke'],
    onProgress(listener: (event: ProgressEvent) => void) {
      listeners.add(listener);
      if (!events) openEvents();
      return () => {
        listeners.delete(listener);
      };
    },
  });
}

Object.defineProperty(window, 'ctiprefs', { value: createPreviewApi(readToken()), enumerable: true });
