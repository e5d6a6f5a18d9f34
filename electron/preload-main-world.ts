/**
 * The half of the preload that runs in the page's main world. Electron's context bridge copies only the
 * message of a thrown Error, so the preload passes envelopes across and this function, serialized into the
 * main world by `contextBridge.executeInMainWorld`, turns error envelopes back into errors with `code`/`hint`.
 */
import type { ProgressEvent } from '../shared/model.ts';
import type { Channel, CtiprefsApi, IpcEnvelope } from '../shared/ipc.ts';

/** What the preload hands across the bridge: envelopes only, never raw IPC objects. */
export interface EnvelopeTransport {
  invoke(channel: Channel, ...request: unknown[]): Promise<IpcEnvelope<unknown>>;
  onProgress(listener: (event: ProgressEvent) => void): () => void;
}

/**
 * Runs in the page's main world, serialized by Electron: it must not refer to anything outside its body.
 * Same contract as decodeEnvelope: the result, or an Error named IpcError with `code`, `message` and `hint`.
 */
export function installCtiprefsApi(bridge: EnvelopeTransport): void {
  const api: CtiprefsApi = {
    invoke: (async (channel: Channel, ...request: unknown[]) => {
      const envelope = await bridge.invoke(channel, ...request);
      if ('error' in envelope) {
        const error = new Error(envelope.error.message);
        throw Object.assign(error, { name: 'IpcError', code: envelope.error.code, hint: envelope.error.hint });
      }
      return envelope.result;
    }) as CtiprefsApi['invoke'],
    onProgress: (listener) => bridge.onProgress(listener),
  };
  Object.defineProperty(window, 'ctiprefs', { value: Object.freeze(api), enumerable: true });
}
