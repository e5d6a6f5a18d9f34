/**
 * One CAPF conversation over a connected (TLS) socket, used by both the client and the lab server:
 * whole messages in, one write per message out, a timeout on every read, cancellation, and the
 * socket's failures turned into network-class CtiErrors that say what we were waiting for.
 */
import type { Duplex } from 'node:stream';
import { CtiError } from '../../../shared/errors.ts';
import { CapfMessageReader, encodeCapfMessage, type CapfMessage } from './codec.ts';

export interface CapfChannelOptions {
  /** Who is on the other end, for messages: "CAPF server" or "CAPF client". */
  peer: string;
  maxBodyLength?: number;
  signal?: AbortSignal;
}

type Waiter = { resolve: (message: CapfMessage) => void; reject: (err: CtiError) => void; what: string };

export class CapfChannel {
  private readonly reader: CapfMessageReader;
  private readonly queue: CapfMessage[] = [];
  private waiter: Waiter | undefined;
  /** Set once the conversation cannot continue; builds the error for whatever we were waiting for. */
  private failure: ((what: string) => CtiError) | undefined;
  private readonly onAbort = (): void => this.fail(() => new CtiError('CANCELLED', 'CAPF session cancelled'));

  constructor(
    private readonly socket: Duplex,
    private readonly options: CapfChannelOptions,
  ) {
    this.reader = new CapfMessageReader(options.maxBodyLength);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      const cause = err.code === 'ECONNRESET' ? 'reset the connection' : `connection failed (${err.code ?? err.message})`;
      this.fail((what) => new CtiError('NETWORK_UNREACHABLE', `${options.peer} ${cause} while waiting for ${what}`, { cause: err }));
    });
    socket.on('close', () => {
      this.fail((what) => new CtiError('NETWORK_UNREACHABLE', `${options.peer} closed the connection while waiting for ${what}`));
    });
    if (options.signal?.aborted) this.onAbort();
    options.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  private onData(chunk: Buffer): void {
    if (this.failure) return;
    try {
      this.queue.push(...this.reader.push(chunk));
    } catch (err) {
      const protocolError = err as CtiError;
      this.fail(() => protocolError);
      return;
    }
    this.deliver();
  }

  private deliver(): void {
    const waiter = this.waiter;
    if (!waiter) return;
    const message = this.queue.shift();
    if (message) {
      this.waiter = undefined;
      waiter.resolve(message);
    } else if (this.failure) {
      this.waiter = undefined;
      waiter.reject(this.failure(waiter.what));
    }
  }

  /** The first failure wins; messages that arrived before it are still delivered. */
  private fail(failure: (what: string) => CtiError): void {
    if (!this.failure) this.failure = failure;
    this.socket.destroy();
    this.deliver();
  }

  /** The next message; `what` names it for error messages ("key-generate request"). */
  receive(what: string, timeoutMs: number): Promise<CapfMessage> {
    if (this.waiter) return Promise.reject(new CtiError('INTERNAL', 'CAPF channel: receive() called twice'));
    return new Promise<CapfMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(() => new CtiError('NETWORK_TIMEOUT', `${this.options.peer} sent no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      const settle = { resolve, reject };
      this.waiter = {
        what,
        resolve: (message) => {
          clearTimeout(timer);
          settle.resolve(message);
        },
        reject: (err) => {
          clearTimeout(timer);
          settle.reject(err);
        },
      };
      this.deliver();
    });
  }

  /** Sends one message as one write (some servers read the header in a single read). */
  send(message: CapfMessage, what: string): Promise<void> {
    if (this.failure) return Promise.reject(this.failure(`the chance to send the ${what}`));
    const bytes = encodeCapfMessage(message);
    return new Promise<void>((resolve, reject) => {
      this.socket.write(bytes, (err) => {
        if (!err) return resolve();
        const failure = this.failure;
        reject(
          failure
            ? failure(`the chance to send the ${what}`)
            : new CtiError('NETWORK_UNREACHABLE', `sending the ${what} to the ${this.options.peer} failed`, { cause: err }),
        );
      });
    });
  }

  /** Ends the conversation politely: pending writes are flushed, then the connection closes. */
  end(): void {
    this.options.signal?.removeEventListener('abort', this.onAbort);
    if (!this.failure) this.failure = (what) => new CtiError('NETWORK_UNREACHABLE', `CAPF session already ended (${what})`);
    this.socket.end();
  }

  destroy(): void {
    this.options.signal?.removeEventListener('abort', this.onAbort);
    this.fail((what) => new CtiError('NETWORK_UNREACHABLE', `CAPF session closed (${what})`));
  }
}
