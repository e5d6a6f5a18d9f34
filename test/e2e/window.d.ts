import type { CtiprefsApi } from '../../shared/ipc.ts';

declare global {
  interface Window {
    /** What the page under test exposes (the preview bridge); specs call it to read back saved state. */
    ctiprefs: CtiprefsApi;
  }
}

export {};
