/**
 * The sandboxed preload: exposes exactly one object, `window.ctiprefs` (CtiprefsApi from shared/ipc.ts), and
 * never `ipcRenderer` itself. Bundled to CommonJS (dist-electron/preload.cjs) because sandboxed preloads
 * cannot load ES modules.
 *
 * Electron's context bridge copies only the message of a thrown Error, so the preload hands the page
 * envelopes and a tiny main-world function turns error envelopes into errors carrying `code` and `hint`.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { CtiError } from '../shared/errors.ts';
import { decodeEnvelope, toErrorPayload } from '../shared/ipc-error.ts';
import { isChannel } from '../shared/ipc-validate.ts';
import { PROGRESS_EVENT, type ProgressEvent } from '../shared/ipc.ts';
import { installCtiprefsApi, type EnvelopeTransport } from './preload-main-world.ts';

const transport: EnvelopeTransport = {
  async invoke(channel, ...request) {
    // Only the channels of shared/ipc.ts cross: the page cannot reach any other ipcMain handler.
    if (!isChannel(channel)) return { error: toErrorPayload(new CtiError('BAD_INPUT', 'Unknown IPC channel')) };
    try {
      // Decode and re-encode: whatever arrives, the page only ever sees a well-formed envelope.
      return { result: decodeEnvelope(await ipcRenderer.invoke(channel, ...request)) };
    } catch (err) {
      return { error: toErrorPayload(err) };
    }
  },
  onProgress(listener) {
    // The IPC event (sender, ports) stays in the preload; the page gets the plain progress data.
    const forward = (_event: IpcRendererEvent, progress: ProgressEvent) => listener(progress);
    ipcRenderer.on(PROGRESS_EVENT, forward);
    return () => {
      ipcRenderer.removeListener(PROGRESS_EVENT, forward);
    };
  },
};

contextBridge.executeInMainWorld({ func: installCtiprefsApi, args: [transport] });
