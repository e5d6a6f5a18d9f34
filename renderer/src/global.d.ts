import type { CtiprefsApi } from '../../shared/ipc.ts';

declare global {
  interface Window {
    /** Exposed by the preload (Electron) or the preview bridge (browser); the renderer's only way out. */
    ctiprefs: CtiprefsApi;
  }
}

export {};
