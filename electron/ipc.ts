/**
 * Electron IPC wiring: one `ipcMain.handle` per channel of shared/ipc.ts. Each handler refuses anything but
 * the main frame of our own window showing our own origin (like VS Code), then hands the payload to the
 * shared dispatcher, which validates it and answers with an envelope. Progress events go to that window only.
 * Only types come from 'electron', so the wiring is unit-tested with stand-ins.
 */
import type { IpcMain, IpcMainInvokeEvent, WebContents, WebFrameMain } from 'electron';
import { CtiError } from '../shared/errors.ts';
import { toErrorPayload } from '../shared/ipc-error.ts';
import { CHANNELS, PROGRESS_EVENT, type IpcEnvelope } from '../shared/ipc.ts';
import { isAppUrl } from './app-protocol.ts';
import { silentLogger, type Logger } from './core/log.ts';
import { dispatchRequest, type IpcService } from './ipc-dispatch.ts';

type MainIpc = Pick<IpcMain, 'handle' | 'removeHandler'>;
type Frame = Pick<WebFrameMain, 'url'>;
type TargetContents = Pick<WebContents, 'send' | 'isDestroyed'> & { mainFrame: Frame };

/** Only our window's top frame, showing a page of our own origin, may call the core. */
export function isTrustedSender(senderFrame: Frame | null | undefined, contents: TargetContents): boolean {
  return !!senderFrame && !contents.isDestroyed() && senderFrame === contents.mainFrame && isAppUrl(senderFrame.url);
}

export function registerIpcHandlers(options: {
  ipcMain: MainIpc;
  contents: TargetContents;
  service: IpcService;
  logger?: Logger;
}): () => void {
  const { ipcMain, contents, service } = options;
  const logger = options.logger ?? silentLogger;

  for (const channel of CHANNELS) {
    ipcMain.handle(
      channel,
      async (event: Pick<IpcMainInvokeEvent, 'senderFrame'>, ...args: unknown[]): Promise<IpcEnvelope<unknown>> => {
        if (!isTrustedSender(event.senderFrame, contents)) {
          logger.log('warn', 'ipc.untrusted-sender', { channel });
          return { error: toErrorPayload(new CtiError('BAD_INPUT', 'IPC from an untrusted frame was refused')) };
        }
        if (args.length > 1) {
          return { error: toErrorPayload(new CtiError('BAD_INPUT', `${channel}: a request takes one payload`)) };
        }
        return dispatchRequest(service, channel, args[0], logger);
      },
    );
  }

  const unsubscribe = service.onProgress((event) => {
    if (!contents.isDestroyed()) contents.send(PROGRESS_EVENT, event);
  });

  return () => {
    unsubscribe();
    for (const channel of CHANNELS) ipcMain.removeHandler(channel);
  };
}
