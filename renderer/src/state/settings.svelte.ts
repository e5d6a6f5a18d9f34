/**
 * The preferences being edited: the saved settings, a draft the Security tab edits, and the
 * Fetch Certificate request (never saved). Nothing invalid leaves this module: `apply` re-validates
 * the whole draft with the shared schema before anything is sent.
 */
import { keepsAuthString, type ErrorCode } from '../../../shared/errors.ts';
import { checkAuthString } from '../../../shared/fields.ts';
import type { OperationStatus } from '../../../shared/model.ts';
import {
  defaultProfile,
  validateProfile,
  validateSettings,
  type Profile,
  type Settings,
} from '../../../shared/profile.ts';
import { bridge, toUiError, type UiError } from '../lib/api.ts';
import { isFinished, recordStatus, waitForOutcome } from './status.svelte.ts';

export type ApplyResult = { kind: 'saved' } | { kind: 'enrolled'; status: OperationStatus };

export const prefs = $state({
  loaded: false,
  loadError: null as UiError | null,
  saved: null as Settings | null,
  draft: null as Settings | null,
  /** Errors of fields whose typed text never reached the draft (e.g. "16" in a 0 to 15 field). */
  pendingErrors: {} as Record<string, string>,
  /** Bumped when the form must forget typed text: profile switch, revert. */
  formRevision: 0,
  fetchCertificate: false,
  /** Kept in memory only: cleared when the enrollment starts, put back when it failed before it was spent. */
  authString: '',
  busy: false,
  /** What the last Apply did, in words, or why it failed. */
  applyError: null as UiError | null,
  applyNotice: '',
});

/** A deep, plain copy: drafts never share objects with the saved settings, and IPC never sees a proxy. */
function copy(settings: Settings): Settings {
  return $state.snapshot(settings) as Settings;
}

export async function loadSettings(): Promise<void> {
  prefs.pendingErrors = {};
  prefs.fetchCertificate = false;
  prefs.authString = '';
  prefs.busy = false;
  prefs.applyError = null;
  prefs.applyNotice = '';
  try {
    const settings = await bridge().invoke('settings:get');
    prefs.saved = copy(settings);
    prefs.draft = copy(settings);
    prefs.loadError = null;
  } catch (err) {
    prefs.loadError = toUiError(err);
  }
  prefs.loaded = true;
  prefs.formRevision++;
}

export function selectedProfile(): Profile | null {
  const draft = prefs.draft;
  if (!draft) return null;
  return draft.profiles.find((p) => p.id === draft.activeProfileId) ?? null;
}

/** The profile the other tabs act on: the one picked on the Security tab, once it has been saved. */
export function savedProfile(): Profile | null {
  const saved = prefs.saved;
  if (!saved) return null;
  const picked = prefs.draft?.activeProfileId ?? null;
  return (
    saved.profiles.find((p) => p.id === picked) ?? saved.profiles.find((p) => p.id === saved.activeProfileId) ?? null
  );
}

export function setField<K extends keyof Profile>(key: K, value: Profile[K]): void {
  const profile = selectedProfile();
  if (profile) profile[key] = value;
}

export function setPendingError(field: string, error: string | null): void {
  if (error) prefs.pendingErrors[field] = error;
  else delete prefs.pendingErrors[field];
}

function forgetTypedState(): void {
  prefs.pendingErrors = {};
  prefs.fetchCertificate = false;
  prefs.authString = '';
  prefs.formRevision++;
}

export function selectProfile(id: string): void {
  if (!prefs.draft || !prefs.draft.profiles.some((p) => p.id === id)) return;
  prefs.draft.activeProfileId = id;
  forgetTypedState();
}

function unusedProfileId(profiles: readonly Profile[]): string {
  const taken = new Set(profiles.map((p) => p.id));
  let n = profiles.length + 1;
  while (taken.has(`profile-${n}`)) n++;
  return `profile-${n}`;
}

export function addProfile(): void {
  if (!prefs.draft) return;
  const profile = defaultProfile(unusedProfileId(prefs.draft.profiles));
  prefs.draft.profiles.push(profile);
  selectProfile(profile.id);
}

export function removeSelectedProfile(): void {
  const draft = prefs.draft;
  if (!draft) return;
  draft.profiles = draft.profiles.filter((p) => p.id !== draft.activeProfileId);
  draft.activeProfileId = draft.profiles[0]?.id ?? null;
  forgetTypedState();
}

/** Cancel: back to what was saved. */
export function revert(): void {
  if (prefs.saved) prefs.draft = copy(prefs.saved);
  prefs.applyError = null;
  prefs.applyNotice = '';
  forgetTypedState();
}

export function authStringError(): string | null {
  if (!prefs.fetchCertificate && prefs.authString === '') return null;
  return checkAuthString(prefs.authString);
}

/**
 * Why Save is blocked: how many fields of the picked profile are wrong (their messages sit next to them)
 * and which other profiles have faults. Null when the draft can be saved.
 */
export function saveBlock(): { fields: number; otherProfiles: string[] } | null {
  const draft = prefs.draft;
  if (!draft) return { fields: 0, otherProfiles: [] };
  let fields = Object.keys(prefs.pendingErrors).length + (authStringError() ? 1 : 0);
  const otherProfiles: string[] = [];
  for (const profile of draft.profiles) {
    const errors = Object.keys(validateProfile(profile)).length;
    if (profile.id === draft.activeProfileId) fields += errors;
    else if (errors > 0) otherProfiles.push(profileLabel(profile));
  }
  return fields === 0 && otherProfiles.length === 0 ? null : { fields, otherProfiles };
}

export function profileLabel(profile: Profile): string {
  return `${profile.userName || '(no user name)'} / ${profile.instanceId || '(no instance ID)'}`;
}

/**
 * Apply: saves the draft; with Fetch Certificate ticked, then runs the enrollment for the selected profile
 * and unticks the box once it has run, whatever the outcome. Returns null when blocked or failed.
 */
export async function apply(): Promise<ApplyResult | null> {
  if (prefs.busy || saveBlock() !== null || !prefs.draft) return null;
  const checked = validateSettings($state.snapshot(prefs.draft));
  if (!checked.ok) {
    prefs.applyError = { code: 'BAD_INPUT', message: checked.message, hint: 'Correct the field and try again.' };
    return null;
  }
  prefs.busy = true;
  prefs.applyError = null;
  prefs.applyNotice = '';
  try {
    const saved = await bridge().invoke('settings:save', checked.value);
    prefs.saved = copy(saved);
    prefs.draft = copy(saved);
    prefs.applyNotice = 'Settings saved.';
    if (!prefs.fetchCertificate) return { kind: 'saved' };
    const profileId = saved.activeProfileId;
    if (!profileId) {
      prefs.fetchCertificate = false;
      prefs.applyError = { code: 'BAD_INPUT', message: 'Pick a profile to fetch a certificate for', hint: '' };
      return null;
    }
    return await enroll(profileId);
  } catch (err) {
    prefs.applyError = toUiError(err);
    return null;
  } finally {
    prefs.busy = false;
  }
}

async function enroll(profileId: string): Promise<ApplyResult | null> {
  const authString = prefs.authString;
  prefs.authString = '';
  const watch = waitForOutcome(profileId);
  try {
    prefs.applyNotice = 'Settings saved. Updating the certificate: see Certificate status.';
    let result = await bridge().invoke('enroll:start', { profileId, authString });
    recordStatus(profileId, result);
    if (!isFinished(result)) result = await watch.outcome;
    if (result.state === 'failed') {
      prefs.applyNotice = '';
      prefs.applyError = { code: result.code, message: result.message, hint: result.hint };
      restoreUnspent(authString, result.code);
      return null;
    }
    prefs.applyNotice = 'Settings saved. The certificate was updated.';
    return { kind: 'enrolled', status: result };
  } catch (err) {
    prefs.applyNotice = '';
    prefs.applyError = toUiError(err);
    restoreUnspent(authString, prefs.applyError.code);
    return null;
  } finally {
    watch.stop();
    prefs.fetchCertificate = false;
  }
}

/** A string the CAPF server never judged goes back into the field (unless the user typed a new one meanwhile). */
function restoreUnspent(authString: string, code: ErrorCode): void {
  if (keepsAuthString(code) && prefs.authString === '') prefs.authString = authString;
}
