/**
 * Windows registry files (.reg, "Windows Registry Editor Version 5.00"), the DWORD subset CTI OS uses.
 * Written as regedit writes them (UTF-16LE with a byte-order mark, CRLF line ends); read in UTF-16LE or
 * UTF-8. The reader trusts nothing: size, header, every line and every value is checked, and a fault names
 * the line.
 */
import { MAX_REG_FILE_BYTES } from '../../../shared/ctios-fields.ts';
import { CtiError } from '../../../shared/errors.ts';

export const REG_HEADER = 'Windows Registry Editor Version 5.00';
export { MAX_REG_FILE_BYTES };
const DWORD_MAX = 0xffff_ffff;
const UTF16LE_BOM = Buffer.from([0xff, 0xfe]);
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

export type RegValue = { type: 'dword'; value: number } | { type: 'other'; text: string } | { type: 'delete' };

export interface RegSection {
  key: string;
  values: Map<string, RegValue>;
}

function escapeName(name: string): string {
  return name.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

export function formatDword(value: number): string {
  if (!Number.isInteger(value) || value < 0 || value > DWORD_MAX) throw new RangeError(`DWORD out of range: ${value}`);
  return `dword:${value.toString(16).padStart(8, '0')}`;
}

export function encodeRegFile(sections: { key: string; values: Record<string, number> }[]): Buffer {
  const lines = [REG_HEADER, ''];
  for (const section of sections) {
    lines.push(`[${section.key}]`);
    for (const [name, value] of Object.entries(section.values)) lines.push(`"${escapeName(name)}"=${formatDword(value)}`);
    lines.push('');
  }
  return Buffer.concat([UTF16LE_BOM, Buffer.from(`${lines.join('\r\n')}\r\n`, 'utf16le')]);
}

function decodeText(bytes: Buffer): string {
  if (bytes.subarray(0, 2).equals(UTF16LE_BOM)) return bytes.subarray(2).toString('utf16le');
  if (bytes.subarray(0, 3).equals(UTF8_BOM)) return bytes.subarray(3).toString('utf8');
  return bytes.toString('utf8');
}

const VALUE_LINE = /^("(?:[^"\\]|\\.)*"|@)\s*=\s*(.*)$/;
const DWORD_TEXT = /^dword:([0-9a-fA-F]{1,8})$/;

export function decodeRegFile(bytes: Buffer, where: string): RegSection[] {
  if (bytes.length > MAX_REG_FILE_BYTES) throw new CtiError('BAD_INPUT', `${where} is larger than ${MAX_REG_FILE_BYTES} bytes: not a CTI OS settings file`);
  // Lines ending in a backslash continue on the next one (regedit wraps long hex values).
  const lines = decodeText(bytes).replace(/\\\r?\n\s*/g, '').split(/\r?\n/);
  const first = lines.findIndex((line) => line.trim() !== '');
  if (first < 0 || lines[first]!.trim() !== REG_HEADER) {
    throw new CtiError('BAD_INPUT', `${where} does not start with "${REG_HEADER}"`);
  }
  const sections: RegSection[] = [];
  let current: RegSection | undefined;
  for (let i = first + 1; i < lines.length; i++) {
    const line = lines[i]!.trim();
    const at = `${where} line ${i + 1}`;
    if (line === '' || line.startsWith(';')) continue;
    if (line.startsWith('[')) {
      if (!line.endsWith(']') || line.length < 3) throw new CtiError('BAD_INPUT', `${at}: a key must be written [KEY]`);
      current = { key: line.slice(1, -1), values: new Map() };
      sections.push(current);
      continue;
    }
    const match = VALUE_LINE.exec(line);
    if (!match) throw new CtiError('BAD_INPUT', `${at}: expected "Name"=dword:XXXXXXXX, got "${line.slice(0, 80)}"`);
    if (!current) throw new CtiError('BAD_INPUT', `${at}: a value before any [KEY]`);
    const name = match[1] === '@' ? '' : match[1]!.slice(1, -1).replace(/\\(.)/g, '$1');
    const data = match[2]!.trim();
    const dword = DWORD_TEXT.exec(data);
    current.values.set(name, dword ? { type: 'dword', value: Number.parseInt(dword[1]!, 16) } : data === '-' ? { type: 'delete' } : { type: 'other', text: data });
  }
  return sections;
}
