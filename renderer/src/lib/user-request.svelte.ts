/** A request to the main process that a button starts: whether it runs, what it returned, or why it failed. */
import { toUiError, type UiError } from './api.ts';

export class UserRequest<T> {
  running = $state(false);
  result = $state<T | null>(null);
  error = $state<UiError | null>(null);

  /** Forgets the last outcome, then records this one; never throws. Resolves to the result, if any. */
  async run(call: () => Promise<T>): Promise<T | null> {
    this.running = true;
    this.result = null;
    this.error = null;
    try {
      this.result = await call();
    } catch (err) {
      this.error = toUiError(err);
    } finally {
      this.running = false;
    }
    return this.result;
  }
}
