/**
 * The preload as bundled, against a stand-in 'electron' module: the page's `invoke` reaches ipcRenderer only
 * for the channels of shared/ipc.ts.
 */
import { build } from 'esbuild';
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHANNELS } from '../../../shared/ipc.ts';
import type { EnvelopeTransport } from '../../../electron/preload-main-world.ts';

describe('the preload (bundled, with a stand-in electron module)', () => {
  const invoked: string[] = [];
  let transport: EnvelopeTransport;

  beforeAll(async () => {
    const bundle = await build({ entryPoints: ['electron/preload.ts'], bundle: true, write: false, format: 'cjs', platform: 'node', external: ['electron'], logLevel: 'silent' });
    const electron = {
      contextBridge: { executeInMainWorld: ({ args }: { args: [EnvelopeTransport] }) => (transport = args[0]) },
      ipcRenderer: {
        invoke: async (channel: string) => {
          invoked.push(channel);
          return { result: 'ok' };
        },
        on() {},
        removeListener() {},
      },
    };
    const realRequire = createRequire(import.meta.url);
    const module = { exports: {} };
    new Function('require', 'module', 'exports', bundle.outputFiles[0]!.text)((id: string) => (id === 'electron' ? electron : realRequire(id)), module, module.exports);
  });

  it('passes every channel of shared/ipc.ts through', async () => {
    for (const channel of CHANNELS) expect(await transport.invoke(channel)).toEqual({ result: 'ok' });
    expect(invoked).toEqual([...CHANNELS]);
  });

  it('refuses any other channel without calling ipcRenderer', async () => {
    invoked.length = 0;
    for (const channel of ['electron:open-devtools', 'progress', '__proto__', '']) {
      const envelope = await transport.invoke(channel as never);
      expect(envelope).toMatchObject({ error: { code: 'BAD_INPUT', message: 'Unknown IPC channel' } });
    }
    expect(invoked).toEqual([]);
  });
});
