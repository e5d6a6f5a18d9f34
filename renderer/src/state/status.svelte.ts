/** Certificate-operation status per profile, loaded once and kept live from progress events. */
import type { OperationStatus, ProgressEvent } from '../../../shared/model.ts';
import { bridge, toUiError, type UiError } from '../lib/api.ts';

export const status = $state({
  byProfile: {} as Record<string, OperationStatus>,
  /** The last progress sentence per profile. */
  messages: {} as Record<string, string>,
  loadError: null as UiError | null,
});

export function isFinished(s: OperationStatus): boolean {
  return s.state === 'succeeded' || s.state === 'failed';
}

export function statusOf(profileId: string): OperationStatus {
  return status.byProfile[profileId] ?? { state: 'none' };
}

export function recordStatus(profileId: string, s: OperationStatus, message?: string): void {
  status.byProfile[profileId] = s;
  if (message !== undefined) status.messages[profileId] = message;
}

export async function loadStatus(): Promise<void> {
  try {
    const all = await bridge().invoke('status:get');
    status.byProfile = { ...all };
    status.loadError = null;
  } catch (err) {
    status.loadError = toUiError(err);
  }
}

/** Starts following progress events; returns the unsubscribe function. */
export function followProgress(): () => void {
  return bridge().onProgress((event: ProgressEvent) => recordStatus(event.profileId, event.status, event.message));
}

/**
 * Resolves with the first finished status reported for a profile. Subscribe before starting the operation,
 * so that an outcome reported before `enroll:start` returns is not missed.
 */
export function waitForOutcome(profileId: string): { outcome: Promise<OperationStatus>; stop: () => void } {
  let unsubscribe: () => void = () => {};
  const outcome = new Promise<OperationStatus>((resolve) => {
    unsubscribe = bridge().onProgress((event) => {
      if (event.profileId === profileId && isFinished(event.status)) {
        unsubscribe();
        resolve(event.status);
      }
    });
  });
  return { outcome, stop: () => unsubscribe() };
}
