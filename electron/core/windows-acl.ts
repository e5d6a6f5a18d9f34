/**
 * Who may change a file or folder on Windows, judged from its security descriptor in SDDL (the
 * locale-independent text `(Get-Acl).Sddl` gives: owner `O:`, DACL `D:` with ACEs `(type;flags;rights;;;SID)`).
 * Only SYSTEM, Administrators and TrustedInstaller may own it or hold a right that changes it; anything
 * else, and any descriptor that cannot be understood, is a refusal naming the principal and the right.
 */
import { join } from 'node:path';

const SYSTEM = 'S-1-5-18';
const ADMINISTRATORS = 'S-1-5-32-544';
const USERS = 'S-1-5-32-545';
const TRUSTED_INSTALLER = 'S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464';
const TRUSTED = new Set([SYSTEM, ADMINISTRATORS, TRUSTED_INSTALLER]);

/** SDDL's two-letter SID aliases that Windows writes for local files, with the names people know them by. */
const ALIASES: Readonly<Record<string, { sid: string; name: string }>> = {
  SY: { sid: SYSTEM, name: 'SYSTEM' },
  BA: { sid: ADMINISTRATORS, name: 'Administrators' },
  BU: { sid: USERS, name: 'Users' },
  BG: { sid: 'S-1-5-32-546', name: 'Guests' },
  PU: { sid: 'S-1-5-32-547', name: 'Power Users' },
  BO: { sid: 'S-1-5-32-551', name: 'Backup Operators' },
  RD: { sid: 'S-1-5-32-555', name: 'Remote Desktop Users' },
  WD: { sid: 'S-1-1-0', name: 'Everyone' },
  CO: { sid: 'S-1-3-0', name: 'Creator Owner' },
  CG: { sid: 'S-1-3-1', name: 'Creator Group' },
  OW: { sid: 'S-1-3-4', name: 'Owner Rights' },
  NU: { sid: 'S-1-5-2', name: 'Network' },
  IU: { sid: 'S-1-5-4', name: 'Interactive' },
  SU: { sid: 'S-1-5-6', name: 'Service' },
  AN: { sid: 'S-1-5-7', name: 'Anonymous Logon' },
  PS: { sid: 'S-1-5-10', name: 'Principal Self' },
  AU: { sid: 'S-1-5-11', name: 'Authenticated Users' },
  RC: { sid: 'S-1-5-12', name: 'Restricted Code' },
  WR: { sid: 'S-1-5-33', name: 'Write Restricted Code' },
  LS: { sid: 'S-1-5-19', name: 'Local Service' },
  NS: { sid: 'S-1-5-20', name: 'Network Service' },
  AC: { sid: 'S-1-15-2-1', name: 'All Application Packages' },
};
const NAMES = new Map<string, string>([...Object.values(ALIASES).map(({ sid, name }) => [sid, name] as const), [TRUSTED_INSTALLER, 'TrustedInstaller']]);

/** File access rights (winnt.h): the generic ones as Windows maps them for files, and the ones that change the object. */
const FILE_ALL_ACCESS = 0x1f01ff;
const GENERIC_FOR_FILES: ReadonlyArray<readonly [generic: number, specific: number]> = [
  [0x10000000, FILE_ALL_ACCESS], // GENERIC_ALL
  [0x40000000, 0x120116], // GENERIC_WRITE: FILE_GENERIC_WRITE
  [0x80000000, 0x120089], // GENERIC_READ: FILE_GENERIC_READ
  [0x20000000, 0x1200a0], // GENERIC_EXECUTE: FILE_GENERIC_EXECUTE
];
const CHANGING_RIGHTS: ReadonlyArray<readonly [mask: number, name: string]> = [
  [0x2, 'write data / create files'],
  [0x4, 'append data / create folders'],
  [0x10, 'write extended attributes'],
  [0x40, 'delete children'],
  [0x100, 'write attributes'],
  [0x10000, 'delete'],
  [0x40000, 'change permissions'],
  [0x80000, 'take ownership'],
];
const CHANGING_MASK = CHANGING_RIGHTS.reduce((all, [mask]) => all | mask, 0);

/** SDDL's rights codes (the directory-service ones stand for the file rights with the same bits). */
const RIGHTS: Readonly<Record<string, number>> = {
  GA: 0x10000000, GR: 0x80000000, GW: 0x40000000, GX: 0x20000000,
  RC: 0x20000, SD: 0x10000, WD: 0x40000, WO: 0x80000,
  CC: 0x1, DC: 0x2, LC: 0x4, SW: 0x8, RP: 0x10, WP: 0x20, DT: 0x40, LO: 0x80, CR: 0x100,
  FA: FILE_ALL_ACCESS, FR: 0x120089, FW: 0x120116, FX: 0x1200a0,
  KA: 0xf003f, KR: 0x20019, KW: 0x20006, KX: 0x20019,
};
const ACE_FLAGS = new Set(['OI', 'CI', 'NP', 'IO', 'ID', 'SA', 'FA', 'TP', 'CR']);
const INHERIT_ONLY = 'IO';
const ALLOW_TYPES = new Set(['A', 'OA', 'XA', 'ZA']);
const DENY_TYPES = new Set(['D', 'OD', 'XD']);
const DACL_FLAGS = /^(?:P|AI|AR|NO_ACCESS_CONTROL)*/;
const SID = /^(?:S-1-\d+(?:-\d+)*|[A-Z]{2})$/;

export interface Ace {
  type: string;
  flags: string[];
  /** The rights with generic ones mapped to file rights. */
  mask: number;
  sid: string;
}

export interface SecurityDescriptor {
  owner: string | null;
  /** null: no DACL at all (or NO_ACCESS_CONTROL), which lets everyone do everything. */
  dacl: Ace[] | null;
}

export class SddlError extends Error {
  override readonly name = 'SddlError';
}

function sidOf(text: string, field: string): string {
  if (!SID.test(text)) throw new SddlError(`${field} "${text}" is not a SID or a two-letter SID alias`);
  return ALIASES[text]?.sid ?? text;
}

function rightsOf(text: string): number {
  let mask: number;
  if (/^0x[0-9a-f]{1,8}$/i.test(text)) mask = Number.parseInt(text.slice(2), 16);
  else {
    const codes = text.match(/../g) ?? [];
    if (text.length === 0 || text.length % 2 !== 0 || codes.some((code) => RIGHTS[code] === undefined)) {
      throw new SddlError(`rights "${text}" are neither a hex mask (0x...) nor two-letter rights codes (FA, FW, GA, WD, DC, ...)`);
    }
    mask = codes.reduce((all, code) => all | RIGHTS[code]!, 0);
  }
  for (const [generic, specific] of GENERIC_FOR_FILES) if (mask & generic) mask = (mask & ~generic) | specific;
  return mask >>> 0;
}

/** One ACE's text between its parentheses: `type;flags;rights;objectGuid;inheritGuid;sid[;condition]`. */
function aceOf(text: string): Ace {
  const fields = text.split(';');
  if (fields.length < 6) throw new SddlError(`ACE "(${text})" has ${fields.length} fields, not 6`);
  const [type = '', flagText = '', rights = '', , , sid = ''] = fields;
  if (!ALLOW_TYPES.has(type) && !DENY_TYPES.has(type)) throw new SddlError(`ACE "(${text})" has type "${type}", which does not belong in a DACL`);
  const flags = flagText.match(/../g) ?? [];
  if (flagText.length % 2 !== 0 || flags.some((flag) => !ACE_FLAGS.has(flag))) throw new SddlError(`ACE "(${text})" has unknown flags "${flagText}"`);
  return { type, flags, mask: rightsOf(rights), sid: sidOf(sid, 'ACE trustee') };
}

/** The ACEs of a DACL body `(...)(...)`; conditional ACEs may nest parentheses and quote strings. */
function acesOf(body: string): Ace[] {
  const aces: Ace[] = [];
  let at = 0;
  while (at < body.length) {
    if (body[at] !== '(') throw new SddlError(`expected "(" at "${body.slice(at, at + 20)}"`);
    let depth = 0;
    let quoted = false;
    let end = at;
    for (; end < body.length; end++) {
      const char = body[end];
      if (char === '"') quoted = !quoted;
      else if (!quoted && char === '(') depth++;
      else if (!quoted && char === ')' && --depth === 0) break;
    }
    if (end >= body.length) throw new SddlError(`ACE "${body.slice(at, at + 40)}" has no closing ")"`);
    aces.push(aceOf(body.slice(at + 1, end)));
    at = end + 1;
  }
  return aces;
}

/** Owner and DACL of an SDDL string (group and SACL are read past); throws SddlError naming the fault. */
export function parseSddl(sddl: string): SecurityDescriptor {
  const text = sddl.trim();
  const parts = /^(?:O:([^:]+?))?(?:G:([^:]+?))?(?:D:(.*?))?(?:S:(.*))?$/s.exec(text);
  if (!text || !parts) throw new SddlError(`"${text.slice(0, 80)}" is not a security descriptor in SDDL (O:owner G:group D:dacl)`);
  const [, owner, group, dacl] = parts;
  if (group !== undefined) sidOf(group, 'group');
  if (dacl === undefined) return { owner: owner === undefined ? null : sidOf(owner, 'owner'), dacl: null };
  const daclFlags = DACL_FLAGS.exec(dacl)?.[0] ?? '';
  return {
    owner: owner === undefined ? null : sidOf(owner, 'owner'),
    dacl: daclFlags.includes('NO_ACCESS_CONTROL') ? null : acesOf(dacl.slice(daclFlags.length)),
  };
}

/** "Users (S-1-5-32-545)" for a well-known SID, the SID itself otherwise. */
export function principalName(sid: string): string {
  const name = NAMES.get(sid);
  return name ? `${name} (${sid})` : sid;
}

function rightNames(mask: number): string {
  if ((mask & FILE_ALL_ACCESS) === FILE_ALL_ACCESS) return 'full control';
  return CHANGING_RIGHTS.filter(([right]) => mask & right).map(([, name]) => name).join(', ');
}

/**
 * Why someone other than SYSTEM, Administrators or TrustedInstaller could change the object this SDDL
 * describes (a phrase to follow "The file X"), or null when no one else can. Deny ACEs are never counted
 * as protection (group membership and ACE order decide what they block); inherit-only ACEs are skipped:
 * they do not apply to the object itself. A descriptor that cannot be understood is a reason too.
 */
export function untrustedChangers(sddl: string): string | null {
  let descriptor: SecurityDescriptor;
  try {
    descriptor = parseSddl(sddl);
  } catch (err) {
    if (err instanceof SddlError) return `has permissions that could not be understood (${err.message})`;
    throw err;
  }
  const reasons: string[] = [];
  if (descriptor.owner === null) reasons.push('has no owner');
  else if (!TRUSTED.has(descriptor.owner)) reasons.push(`belongs to ${principalName(descriptor.owner)}, not to SYSTEM, Administrators or TrustedInstaller`);
  if (descriptor.dacl === null) reasons.push('has no access control list, so everyone can change it');
  else {
    const granted = new Map<string, number>();
    for (const ace of descriptor.dacl) {
      if (!ALLOW_TYPES.has(ace.type) || ace.flags.includes(INHERIT_ONLY) || TRUSTED.has(ace.sid)) continue;
      if (ace.mask & CHANGING_MASK) granted.set(ace.sid, (granted.get(ace.sid) ?? 0) | ace.mask);
    }
    const changers = [...granted].map(([sid, mask]) => `${principalName(sid)}: ${rightNames(mask)}`);
    if (changers.length) reasons.push(`can be changed by ${changers.join('; ')}`);
  }
  return reasons.length ? reasons.join(' and ') : null;
}

/** The icacls arguments that give a folder the installers' ACL: SYSTEM and Administrators full control, Users read. */
export const LOCKED_FOLDER_GRANTS = `/inheritance:r /grant:r *${SYSTEM}:(OI)(CI)F *${ADMINISTRATORS}:(OI)(CI)F *${USERS}:(OI)(CI)RX`;

/** What an administrator runs to give a folder that ACL, whoever made it (takeown: Administrators become the owner). */
export function lockFolderCommand(dir: string): string {
  return `takeown /F "${dir}" /A && icacls "${dir}" /reset && icacls "${dir}" ${LOCKED_FOLDER_GRANTS}`;
}

/** What an administrator runs to make a file inherit its (locked) folder's ACL only, owned by Administrators. */
export function inheritFolderAclCommand(file: string): string {
  return `takeown /F "${file}" /A && icacls "${file}" /reset`;
}

/** Reads the SDDL of each path, in order; rejects with a sentence saying what failed. */
export type SddlReader = (paths: readonly string[]) => Promise<string[]>;

const PATHS_VARIABLE = 'CTIPREFS_ACL_PATHS';
// The paths come in an environment variable, one a line (Windows names cannot hold a line break), so no
// path is ever part of the command text. Plain cmdlets and strings only: managed PCs often run PowerShell
// in Constrained Language Mode, which refuses .NET method calls such as [Console]::Out.WriteLine.
const GET_ACL_SCRIPT = `$ErrorActionPreference = 'Stop'; foreach ($p in ($env:${PATHS_VARIABLE} -split "\`n")) { (Get-Acl -LiteralPath $p).Sddl }`;
// -EncodedCommand (UTF-16LE, base64): no quoting rules of the Windows command line touch the script.
const ENCODED_SCRIPT = Buffer.from(GET_ACL_SCRIPT, 'utf16le').toString('base64');
const READ_TIMEOUT_MS = 30_000;

/** The SDDL reader of a Windows PC: one Windows PowerShell (always installed) run for all the paths. */
export function powerShellSddlReader(env: NodeJS.ProcessEnv = process.env, timeoutMs = READ_TIMEOUT_MS): SddlReader {
  const powerShell = join(env.SystemRoot ?? 'C:\\Windows', 'System32', 'WindowsPowerShell', 'v1.0', 'powershell.exe');
  return async (paths) => {
    // Loaded here, on Windows only: child_process is a few modules no other platform should load at each start.
    const { execFile } = await import('node:child_process');
    return new Promise((resolve, reject) => {
      // Never ctiprefs' own variables (CTIPREFS_KEYSTORE_PASSWORD among them): PowerShell needs none of them.
      const ownVariables = Object.keys(env).filter((name) => name.toUpperCase().startsWith('CTIPREFS_'));
      const childEnv = Object.fromEntries(Object.entries(env).filter(([name]) => !ownVariables.includes(name)));
      const options = { env: { ...childEnv, [PATHS_VARIABLE]: paths.join('\n') }, timeout: timeoutMs, windowsHide: true, maxBuffer: 1024 * 1024 };
      // -OutputFormat Text: errors come as plain text, not as CLIXML.
      execFile(powerShell, ['-NoProfile', '-NonInteractive', '-OutputFormat', 'Text', '-EncodedCommand', ENCODED_SCRIPT], options, (err, stdout, stderr) => {
        if (err) {
          const why = err.killed ? `it did not answer within ${timeoutMs / 1000} s` : (String(stderr).trim().split(/\r?\n/)[0] || err.message);
          reject(new Error(`${powerShell} could not read the permissions: ${why}`));
          return;
        }
        const lines = String(stdout).split(/\r?\n/).filter((line) => line.trim() !== '');
        if (lines.length !== paths.length) reject(new Error(`${powerShell} gave ${lines.length} security descriptors for ${paths.length} paths`));
        else resolve(lines);
      });
    });
  };
}
