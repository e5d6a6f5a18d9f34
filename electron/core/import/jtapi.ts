/**
 * Cisco JTAPI's jtapi.ini: the `SecurityProperty` line holds the security profiles of JTAPI Preferences,
 * records separated by `;`, fields by `,` (docs/migration.md has the sources and what is uncertain).
 * Every other line of the file is JTAPI's own and is left alone.
 */
import { DEFAULT_CAPF_PORT, DEFAULT_TFTP_PORT } from '../../../shared/fields.ts';
import type { ImportEntry, ParsedImport } from './plan.ts';
import { MAX_VALUE_LENGTH, portField, shown, sourceLines } from './source-text.ts';

export const SECURITY_PROPERTY_KEY = 'SecurityProperty';

/** The record's fields in their order, as far as public sources show them. */
export const JTAPI_FIELDS = [
  'user',
  'instance ID',
  'auth code',
  'CAPF host',
  'CAPF port',
  'TFTP host',
  'TFTP port',
  'certificate path',
  'security option',
  'certificate status',
  'FIPS flag',
] as const;

const RECORD_SEPARATOR = ';';
const FIELD_SEPARATOR = ',';
const COMMENT = /^\s*[#!]/;
// Java properties separate a key from its value with "=" or ":".
const SECURITY_LINE = new RegExp(`^\\s*${SECURITY_PROPERTY_KEY}\\s*[=:]\\s*(.*)$`);
const YES = new Set(['true', '1', 'yes', 'on', 'secure']);
const NO = new Set(['false', '0', 'no', 'off', 'nonsecure', 'non-secure']);

function unquoted(field: string): string {
  const trimmed = field.trim();
  return trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"') ? trimmed.slice(1, -1).trim() : trimmed;
}

/** The security option: secure unless the record says plainly that it is not. */
function secureConnectionOf(text: string, source: string, warnings: string[]): boolean {
  const value = text.toLowerCase();
  if (value === '' || YES.has(value)) return true;
  if (NO.has(value)) return false;
  warnings.push(`${source}: security option ${shown(text)} is not one of true, false, 1, 0; imported as a secure connection`);
  return true;
}

function recordEntry(fields: string[], source: string, warnings: string[], refusals: string[]): ImportEntry {
  const field = (name: (typeof JTAPI_FIELDS)[number]) => fields[JTAPI_FIELDS.indexOf(name)] ?? '';
  if (fields.length > JTAPI_FIELDS.length) {
    warnings.push(`${source} has ${fields.length} fields; the ${JTAPI_FIELDS.length} known ones are read, fields ${JTAPI_FIELDS.length + 1} to ${fields.length} are ignored`);
  }
  const port = (name: 'CAPF port' | 'TFTP port', fallback: number) => {
    const parsed = portField(field(name), fallback, name);
    if (typeof parsed === 'number') return parsed;
    refusals.push(`${source}: ${parsed.error}`);
    return fallback;
  };
  const capfPort = port('CAPF port', DEFAULT_CAPF_PORT);
  const tftpPort = port('TFTP port', DEFAULT_TFTP_PORT);
  const tftpHost = field('TFTP host');
  if (/^(1|true|yes|on)$/i.test(field('FIPS flag'))) {
    warnings.push(`${source} asks for FIPS mode; ctiprefs has no FIPS switch: it uses TLS 1.2 or 1.3 with the key the CAPF server asks for`);
  }
  const authCode = field('auth code');
  return {
    source,
    userName: field('user'),
    instanceId: field('instance ID'),
    tftpServers: tftpHost === '' ? [] : [`${tftpHost}:${tftpPort}`],
    capfHost: field('CAPF host'),
    capfPort,
    secureConnection: secureConnectionOf(field('security option'), source, warnings),
    authCode: authCode === '' ? null : authCode,
  };
}

export function parseJtapiIni(text: string): ParsedImport {
  const result: ParsedImport = { entries: [], warnings: [], refusals: [] };
  const read = sourceLines(text);
  if ('refusal' in read) return { ...result, refusals: [read.refusal] };
  const found = read.lines.flatMap((line, index) => {
    const match = COMMENT.test(line) ? null : SECURITY_LINE.exec(line);
    return match ? [{ lineNumber: index + 1, value: match[1]! }] : [];
  });
  if (found.length === 0) return { ...result, refusals: [`No ${SECURITY_PROPERTY_KEY} line: this jtapi.ini holds no security profiles`] };
  if (found.length > 1) {
    return { ...result, refusals: [`${SECURITY_PROPERTY_KEY} is on lines ${found.map((f) => f.lineNumber).join(', ')}: a jtapi.ini has it once; keep the one JTAPI uses`] };
  }
  const records = found[0]!.value.split(RECORD_SEPARATOR).map((r) => r.trim());
  const paths = new Set<string>();
  records.forEach((record, index) => {
    const source = `record ${index + 1}`;
    if (record === '') return; // the separator after the last record
    if (record.length > MAX_VALUE_LENGTH) {
      result.refusals.push(`${source} is ${record.length} characters long; a security record is at most ${MAX_VALUE_LENGTH}`);
      return;
    }
    const fields = record.split(FIELD_SEPARATOR).map(unquoted);
    const path = fields[JTAPI_FIELDS.indexOf('certificate path')] ?? '';
    if (path !== '') paths.add(path);
    result.entries.push(recordEntry(fields, source, result.warnings, result.refusals));
  });
  for (const path of paths) {
    result.warnings.push(`Certificate path ${shown(path)} is not used: JTAPI keeps a Java keystore there; ctiprefs keeps its own keystore (PKCS#12, readable by keytool) in its certificate folder`);
  }
  if (result.entries.length === 0 && result.refusals.length === 0) result.refusals.push(`${SECURITY_PROPERTY_KEY} holds no records`);
  return result;
}
