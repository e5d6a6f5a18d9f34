/** Plain-words formatting shared by the tabs. */
import type { EnrollStep } from '../../../shared/model.ts';
import { STEP_TEXTS } from '../../../shared/texts.ts';

export function stepLabel(step: EnrollStep): string {
  return STEP_TEXTS[step] ?? step;
}

export function formatDateTime(iso: string | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

export function formatDate(iso: string | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleDateString();
}

/** TSP error values are shown the way the TAPI guide prints them, e.g. 0x00000011. */
export function formatTspError(value: number): string {
  return `0x${(value >>> 0).toString(16).toUpperCase().padStart(8, '0')}`;
}

/** Whole seconds until `iso` (never negative). */
export function secondsUntil(iso: string, now: number): number {
  const at = new Date(iso).getTime();
  return Number.isNaN(at) ? 0 : Math.max(0, Math.ceil((at - now) / 1000));
}

/** Colon-separated hex pairs, the way certificate viewers show fingerprints. */
export function formatFingerprint(hex: string): string {
  const clean = hex.replace(/[^0-9a-fA-F]/g, '').toUpperCase();
  return clean.match(/.{1,2}/g)?.join(':') ?? hex;
}

/**
 * Splits a distinguished name after each `,` or `;` that starts a new attribute (`OU=`, `2.5.4.3=`), keeping
 * every character so the parts join back to the name; a comma inside a value ("Acme, Inc") stays put.
 */
export function distinguishedNameParts(name: string): string[] {
  return name.split(/(?<=[,;])(?=\s*[A-Za-z0-9][\w.-]*=)/);
}
