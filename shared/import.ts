/**
 * Migration from other CTI clients (JTAPI's jtapi.ini, Genesys T-Server for Cisco UCM options): what an
 * import will create, as plain data for the CLI, the IPC contract and the window. The parsers are in
 * electron/core/import/. An authentication string found in a file is never part of a plan: a plan only
 * says whether one is present.
 */
import { checkUserName } from './fields.ts';
import type { Profile, Settings } from './profile.ts';

export const IMPORT_KINDS = ['jtapi', 'genesys'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

export const IMPORT_KIND_LABELS: Record<ImportKind, string> = {
  jtapi: 'Cisco JTAPI (jtapi.ini)',
  genesys: 'Genesys T-Server for Cisco UCM (options export)',
};

/**
 * A jtapi.ini is a few kilobytes and a T-Server options export rarely 100 KB: more is the wrong file. It also
 * keeps the text well inside the preview bridge's 1 MiB request body.
 */
export const MAX_IMPORT_BYTES = 256 * 1024;

export interface ImportRequest {
  kind: ImportKind;
  /** The file's text (decoded as UTF-8, a byte order mark allowed). */
  text: string;
  /** The CTI user for Genesys files, which do not name one; '' keeps the file's (JTAPI). */
  userName: string;
}

/** The profile fields an import file can set; the others keep their defaults (or the updated profile's values). */
export const IMPORTED_FIELDS = ['userName', 'instanceId', 'tftpServers', 'capfHost', 'capfPort', 'secureConnection'] as const;
export type ImportedFields = Pick<Profile, (typeof IMPORTED_FIELDS)[number]>;

export interface PlannedProfile extends ImportedFields {
  /** Where in the file it came from: "record 2", "section [link-1]". */
  source: string;
  profileId: string;
  /** created: a new profile; updated: the profile with this user and instance ID gets the file's servers. */
  action: 'created' | 'updated';
  /** The file held an authentication string for it: never stored, usable once by `import --enroll`. */
  authCode: 'present' | 'absent';
}

export interface ImportPlan {
  kind: ImportKind;
  profiles: PlannedProfile[];
  /** Things the file holds that are not imported, or were read leniently. */
  warnings: string[];
  /** Faults that stop the whole import: nothing is written while there is one. */
  refusals: string[];
}

/** What `import:apply` returns: the plan it carried out and the settings as saved. */
export interface ImportResult {
  plan: ImportPlan;
  settings: Settings;
}

export function checkImportKind(value: unknown): string | null {
  return typeof value === 'string' && (IMPORT_KINDS as readonly string[]).includes(value)
    ? null
    : `Import kind must be one of ${IMPORT_KINDS.join(', ')}`;
}

export function checkImportText(value: unknown): string | null {
  // The file's byte cap, counted in characters, for text that arrives over IPC.
  return typeof value === 'string' && value.length <= MAX_IMPORT_BYTES
    ? null
    : `Import file must be text of at most ${MAX_IMPORT_BYTES} characters`;
}

export function checkImportUserName(value: unknown): string | null {
  return value === '' ? null : checkUserName(value);
}

const UTF8_BOM = [0xef, 0xbb, 0xbf];
const UTF16LE_BOM = [0xff, 0xfe];
const UTF16BE_BOM = [0xfe, 0xff];

function startsWith(bytes: Uint8Array, prefix: number[]): boolean {
  return prefix.every((b, i) => bytes[i] === b);
}

/**
 * A file's bytes as text: UTF-8 (a byte order mark allowed), or UTF-16 with its byte order mark, as
 * Windows editors and exports write it. Anything else is refused rather than guessed.
 */
export function decodeImportBytes(bytes: Uint8Array): { text: string } | { error: string } {
  if (bytes.length > MAX_IMPORT_BYTES) return { error: `Import file is larger than ${MAX_IMPORT_BYTES} bytes: this is not a jtapi.ini or an options export` };
  let encoding = 'utf-8';
  let start = 0;
  if (startsWith(bytes, UTF8_BOM)) start = UTF8_BOM.length;
  else if (startsWith(bytes, UTF16LE_BOM)) [encoding, start] = ['utf-16le', 2];
  else if (startsWith(bytes, UTF16BE_BOM)) [encoding, start] = ['utf-16be', 2];
  let text: string;
  try {
    text = new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(bytes.subarray(start));
  } catch {
    return { error: `Import file is not valid ${encoding.toUpperCase()} text; save it as UTF-8` };
  }
  if (text.includes('\0')) return { error: 'Import file holds NUL characters: it is a binary file, or UTF-16 without a byte order mark; save it as UTF-8' };
  return { text };
}
