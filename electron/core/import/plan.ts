/**
 * From a parsed file to an import plan: each entry becomes a profile checked by the shared profile rules
 * (a bad field is named with its record or section), an entry for a user and instance ID that already has a
 * profile updates that profile, and one instance ID in two entries is refused. Pure: nothing is written here.
 */
import { checkAuthString } from '../../../shared/fields.ts';
import { IMPORTED_FIELDS, type ImportedFields, type ImportKind, type ImportPlan, type ImportRequest, type PlannedProfile } from '../../../shared/import.ts';
import { defaultProfile, validateProfile, type Profile, type Settings } from '../../../shared/profile.ts';
import { parseGenesysOptions } from './genesys.ts';
import { parseJtapiIni } from './jtapi.ts';
import { MAX_IMPORTED_PROFILES } from './source-text.ts';

/** One profile as a file describes it, before the profile rules have looked at it. */
export interface ImportEntry extends ImportedFields {
  source: string;
  /** The file's one-time authentication string; stays in the main process, never in a plan or on disk. */
  authCode: string | null;
}

export interface ParsedImport {
  entries: ImportEntry[];
  warnings: string[];
  refusals: string[];
}

/** A plan plus what only the main process may hold: the profiles to save and the usable auth codes. */
export interface PreparedImport {
  plan: ImportPlan;
  profiles: Profile[];
  /** Profile id → the file's authentication string, for `--enroll` only. */
  authCodes: Map<string, string>;
  /** Profile id → where in the file it came from. */
  sources: Map<string, string>;
}

/** What to tell the user once the certificate of an entry is installed: its one-time string is spent. */
export const AFTER_ENROLL_NOTICE: Record<ImportKind, (source: string) => string> = {
  jtapi: (source) => `The auth code of ${source} is used up: remove it from jtapi.ini.`,
  genesys: (source) => `Remove tls-auth-code from ${source} now, as the Genesys procedure requires (only tls-instance-id stays).`,
};

function parse(request: ImportRequest): ParsedImport {
  return request.kind === 'jtapi' ? parseJtapiIni(request.text) : parseGenesysOptions(request.text, request.userName);
}

/**
 * Ids never come from the file's text: a hash of user and instance ID, like the CLI's enroll profiles. Web
 * Crypto rather than node:crypto keeps the parser usable where the window's tests run it.
 */
async function importProfileId(userName: string, instanceId: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`${userName}\0${instanceId}`)));
  return `import-${[...digest.subarray(0, 6)].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

function sharedInstanceRefusals(entries: readonly ImportEntry[]): string[] {
  const bySource = new Map<string, string[]>();
  for (const entry of entries) bySource.set(entry.instanceId, [...(bySource.get(entry.instanceId) ?? []), entry.source]);
  return [...bySource]
    .filter(([instanceId, sources]) => instanceId !== '' && sources.length > 1)
    .map(
      ([instanceId, sources]) =>
        `Instance ID ${instanceId} is in both ${sources.join(' and ')}: each connection needs its own instance ID, and Cisco may invalidate a certificate that two connections use`,
    );
}

export async function prepareImport(request: ImportRequest, current: Settings): Promise<PreparedImport> {
  const parsed = parse(request);
  const refusals = [...parsed.refusals, ...sharedInstanceRefusals(parsed.entries)];
  const warnings = [...parsed.warnings];
  if (parsed.entries.length > MAX_IMPORTED_PROFILES) {
    refusals.push(`The file describes ${parsed.entries.length} profiles; at most ${MAX_IMPORTED_PROFILES} can be imported`);
  }
  const prepared: PreparedImport = { plan: { kind: request.kind, profiles: [], warnings, refusals }, profiles: [], authCodes: new Map(), sources: new Map() };
  for (const entry of parsed.entries.slice(0, MAX_IMPORTED_PROFILES)) {
    const existing = current.profiles.find((p) => p.userName === entry.userName && p.instanceId === entry.instanceId);
    const id = existing?.id ?? (await importProfileId(entry.userName, entry.instanceId));
    const profile: Profile = { ...(existing ?? defaultProfile(id)), ...importedFields(entry) };
    // The same rules as the Security tab and settings.json; the first fault of each field, named with its place.
    const errors = Object.values(validateProfile(profile));
    refusals.push(...errors.map((error) => `${entry.source}: ${error}`));
    const other = current.profiles.find((p) => p.instanceId === entry.instanceId && p.userName !== entry.userName);
    if (other) warnings.push(`${entry.source}: instance ID ${entry.instanceId} is also used by the profile of user ${other.userName}; each instance needs its own certificate`);
    if (entry.authCode !== null) {
      if (checkAuthString(entry.authCode) === null) prepared.authCodes.set(id, entry.authCode);
      else warnings.push(`${entry.source}: the auth code is not 4 to 10 digits, so it cannot be used to enroll`);
    }
    prepared.sources.set(id, entry.source);
    prepared.profiles.push(profile);
    prepared.plan.profiles.push(plannedProfile(entry, profile, existing ? 'updated' : 'created'));
  }
  return prepared;
}

function importedFields(from: ImportedFields): ImportedFields {
  return Object.fromEntries(IMPORTED_FIELDS.map((key) => [key, from[key]])) as unknown as ImportedFields;
}

function plannedProfile(entry: ImportEntry, profile: Profile, action: PlannedProfile['action']): PlannedProfile {
  return { source: entry.source, profileId: profile.id, action, ...importedFields(profile), authCode: entry.authCode === null ? 'absent' : 'present' };
}
