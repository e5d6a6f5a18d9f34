/**
 * From an untrusted (channel, payload) pair to an envelope: validate with the shared schemas, call the
 * AppService, and turn anything thrown into `{ error }`. Plain Node, shared by the Electron IPC handlers and
 * the preview bridge server so both behave identically.
 */
import { CtiError } from '../shared/errors.ts';
import { toErrorPayload } from '../shared/ipc-error.ts';
import { validateRequest } from '../shared/ipc-validate.ts';
import type { ProgressEvent } from '../shared/model.ts';
import type { Channel, IpcEnvelope, RequestOf, ResponseOf } from '../shared/ipc.ts';
import { silentLogger, type Logger } from './core/log.ts';

/** The part of the AppService the dispatcher needs. */
export interface ChannelHandler {
  handle<C extends Channel>(channel: C, request: RequestOf<C>): Promise<ResponseOf<C>>;
}

/** What a transport (Electron IPC, the preview bridge) needs from the AppService. */
export interface IpcService extends ChannelHandler {
  onProgress(listener: (event: ProgressEvent) => void): () => void;
}

export async function dispatchRequest(
  service: ChannelHandler,
  channel: unknown,
  payload: unknown,
  logger: Logger = silentLogger,
): Promise<IpcEnvelope<unknown>> {
  const checked = validateRequest(channel, payload);
  if (!checked.ok) {
    logger.log('warn', 'ipc.rejected', { reason: checked.message });
    return { error: toErrorPayload(new CtiError('BAD_INPUT', checked.message)) };
  }
  const { channel: name, request } = checked.value;
  try {
    return { result: await service.handle(name, request as RequestOf<typeof name>) };
  } catch (err) {
    const payload = toErrorPayload(err);
    if (payload.code === 'INTERNAL') logger.log('error', 'ipc.failed', { channel: name, message: payload.message });
    return { error: payload };
  }
}
