/**
 * Genesys T-Server for Cisco UCM options, as exported (`[section]`, then `key=value` lines): the `link-tls`
 * section holds the servers for every link, each link section (named by a `link-<n>-name` option) its
 * `tls-instance-id` and, until the first certificate is installed, its `tls-auth-code`. One profile per link.
 * The options do not name the CTI user, so the caller gives it. Sources: docs/migration.md.
 */
import { DEFAULT_CAPF_PORT, DEFAULT_TFTP_PORT, checkUserName } from '../../../shared/fields.ts';
import type { ImportEntry, ParsedImport } from './plan.ts';
import { MAX_VALUE_LENGTH, portField, shown, sourceLines } from './source-text.ts';

export const LINK_TLS_SECTION = 'link-tls';
export const LINK_TLS_OPTIONS = ['password', 'tls-cert-path', 'tls-capf-host', 'tls-capf-port', 'tls-tftp-host', 'tls-tftp-port'] as const;
export const INSTANCE_ID_OPTION = 'tls-instance-id';
export const AUTH_CODE_OPTION = 'tls-auth-code';
/** `link-1-name = link-one`: which sections are links (usually in the T-Server's own section). */
const LINK_NAME_OPTION = /^link-\d{1,4}-name$/;

const COMMENT = /^\s*[;#]/;

// Lines are split with string operations, not regular expressions: a pattern like `\s*([^=]+?)\s*=` backtracks
// for minutes on one long line of spaces, and the file comes from outside.

/** `[name]`: the name, or null for any other line. */
function sectionName(line: string): string | null {
  const text = line.trim();
  const name = text.slice(1, -1);
  return text.startsWith('[') && text.endsWith(']') && !name.includes(']') ? name : null;
}

/** `key = value`: both trimmed, or null when there is no `=` after a key. */
function optionLine(line: string): { key: string; value: string } | null {
  const equals = line.indexOf('=');
  const key = equals < 0 ? '' : line.slice(0, equals).trim();
  return key === '' ? null : { key, value: line.slice(equals + 1).trim() };
}

interface Section {
  name: string;
  line: number;
  options: Map<string, { value: string; line: number }>;
}

function unquoted(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
}

/** The sections and their options; duplicate sections and duplicate options are refused, never merged. */
function readSections(lines: string[], result: ParsedImport): Map<string, Section> {
  const sections = new Map<string, Section>();
  let current: Section | null = null;
  lines.forEach((line, index) => {
    const lineNumber = index + 1;
    if (line.trim() === '' || COMMENT.test(line)) return;
    const sectionLine = sectionName(line);
    if (sectionLine !== null) {
      const name = sectionLine.trim();
      const before = sections.get(name);
      if (name === '') result.refusals.push(`Line ${lineNumber}: a section needs a name, [name]`);
      else if (before) result.refusals.push(`Section [${name}] is on lines ${before.line} and ${lineNumber}: a section appears once`);
      current = { name, line: lineNumber, options: new Map() };
      if (name !== '' && !before) sections.set(name, current);
      return;
    }
    const option = optionLine(line);
    if (!option) {
      result.warnings.push(`Line ${lineNumber} is neither [section] nor key=value; ignored`);
      return;
    }
    if (!current) {
      result.warnings.push(`Line ${lineNumber}: option ${shown(option.key)} comes before any section; ignored`);
      return;
    }
    const { key } = option;
    const before = current.options.get(key);
    if (before) {
      result.refusals.push(`Option ${key} is twice in section [${current.name}] (lines ${before.line} and ${lineNumber}): keep one`);
      return;
    }
    current.options.set(key, { value: unquoted(option.value), line: lineNumber });
  });
  return sections;
}

/** An option this import reads; a value longer than any host, port or ID is refused. */
function optionOf(section: Section, key: string, result: ParsedImport): string {
  const value = section.options.get(key)?.value ?? '';
  if (value.length <= MAX_VALUE_LENGTH) return value;
  result.refusals.push(`Option ${key} in section [${section.name}] is ${value.length} characters long; at most ${MAX_VALUE_LENGTH}`);
  return '';
}

interface Servers {
  tftpServers: string[];
  capfHost: string;
  capfPort: number;
}

function linkTlsServers(linkTls: Section, result: ParsedImport): Servers {
  for (const key of linkTls.options.keys()) {
    if (!(LINK_TLS_OPTIONS as readonly string[]).includes(key)) {
      result.warnings.push(`Option ${shown(key)} in section [${LINK_TLS_SECTION}] is not one of ${LINK_TLS_OPTIONS.join(', ')}; ignored`);
    }
  }
  if (optionOf(linkTls, 'password', result) !== '') {
    result.warnings.push(`password in [${LINK_TLS_SECTION}] (the Genesys key store passphrase) is not imported: ctiprefs keeps its own random keystore password in the OS vault`);
  }
  const certPath = optionOf(linkTls, 'tls-cert-path', result);
  if (certPath !== '') {
    result.warnings.push(`tls-cert-path ${shown(certPath)} is not used: ctiprefs keeps its own keystore (PKCS#12, readable by keytool) in its certificate folder`);
  }
  const port = (key: 'tls-capf-port' | 'tls-tftp-port', fallback: number) => {
    const parsed = portField(optionOf(linkTls, key, result), fallback, `${key} in [${LINK_TLS_SECTION}]`);
    if (typeof parsed === 'number') return parsed;
    result.refusals.push(parsed.error);
    return fallback;
  };
  const tftpPort = port('tls-tftp-port', DEFAULT_TFTP_PORT);
  const tftpHosts = optionOf(linkTls, 'tls-tftp-host', result).split(',').map((h) => h.trim()).filter((h) => h !== '');
  return {
    tftpServers: tftpHosts.map((host) => `${host}:${tftpPort}`),
    capfHost: optionOf(linkTls, 'tls-capf-host', result),
    capfPort: port('tls-capf-port', DEFAULT_CAPF_PORT),
  };
}

/** The link sections: those a link-<n>-name option names, and any other section holding TLS link options. */
function linkSections(sections: Map<string, Section>, result: ParsedImport): Section[] {
  const named = new Set<string>();
  for (const section of sections.values()) {
    for (const [key, { value }] of section.options) {
      if (!LINK_NAME_OPTION.test(key) || value === '') continue;
      named.add(value);
      if (!sections.has(value)) result.warnings.push(`${key} in section [${section.name}] names section [${value}], which is not in the file`);
    }
  }
  const links: Section[] = [];
  for (const section of sections.values()) {
    const hasInstance = section.options.has(INSTANCE_ID_OPTION);
    const hasAuth = section.options.has(AUTH_CODE_OPTION);
    if (section.name === LINK_TLS_SECTION) continue;
    if (hasInstance) {
      links.push(section);
      if (named.size > 0 && !named.has(section.name)) result.warnings.push(`Section [${section.name}] has ${INSTANCE_ID_OPTION} but no link-<n>-name option names it; imported anyway`);
    } else if (hasAuth) {
      result.refusals.push(`Section [${section.name}] has ${AUTH_CODE_OPTION} but no ${INSTANCE_ID_OPTION}: a link's certificate needs both`);
    } else if (named.has(section.name)) {
      result.warnings.push(`Section [${section.name}] has no ${INSTANCE_ID_OPTION}: that link does not use TLS, so no profile is made for it`);
    }
  }
  return links;
}

export function parseGenesysOptions(text: string, userName: string): ParsedImport {
  const result: ParsedImport = { entries: [], warnings: [], refusals: [] };
  const read = sourceLines(text);
  if ('refusal' in read) return { ...result, refusals: [read.refusal] };
  const sections = readSections(read.lines, result);
  const linkTls = sections.get(LINK_TLS_SECTION);
  if (!linkTls) {
    result.refusals.push(`No [${LINK_TLS_SECTION}] section: the file holds no TLS options of T-Server for Cisco UCM`);
    return result;
  }
  const servers = linkTlsServers(linkTls, result);
  const links = linkSections(sections, result);
  if (links.length === 0) result.refusals.push(`No link section has ${INSTANCE_ID_OPTION}: there is no TLS link to import`);
  const userError = userName === '' ? 'the options do not name the CTI user of the links; give it (--user NAME, or User name in the dialog)' : checkUserName(userName);
  if (userError) {
    result.refusals.push(`User name: ${userError}`);
    return result;
  }
  for (const link of links) {
    const authCode = optionOf(link, AUTH_CODE_OPTION, result);
    const entry: ImportEntry = {
      source: `section [${link.name}]`,
      userName,
      instanceId: optionOf(link, INSTANCE_ID_OPTION, result),
      ...servers,
      secureConnection: true,
      authCode: authCode === '' ? null : authCode,
    };
    result.entries.push(entry);
  }
  return result;
}
