/** The `--subject "CN=...,OU=...,O=...,C=..."` text of a CTI OS request, parsed with the fault named. */
import { hostname } from 'node:os';
import { CtiError } from '../../../shared/errors.ts';
import type { CtiosRole } from '../../../shared/ctios-fields.ts';
import type { DistinguishedName } from '../pki/certificates.ts';

const ATTRIBUTES = ['CN', 'OU', 'O', 'C'] as const;
const VALUE = /^[^\x00-\x1f\x7f]{1,64}$/;

export function parseSubject(text: string): DistinguishedName {
  const dn: Partial<Record<(typeof ATTRIBUTES)[number], string>> = {};
  // A leading "/" form (OpenSSL's -subj) is accepted too: "/CN=a/O=b".
  const parts = text.startsWith('/') ? text.slice(1).split('/') : text.split(',');
  for (const raw of parts) {
    const part = raw.trim();
    const eq = part.indexOf('=');
    const name = part.slice(0, eq).trim().toUpperCase();
    const value = part.slice(eq + 1).trim();
    if (eq <= 0 || !(ATTRIBUTES as readonly string[]).includes(name)) {
      throw new CtiError('BAD_INPUT', `--subject: "${part}" is not one of ${ATTRIBUTES.map((a) => `${a}=...`).join(', ')}`);
    }
    if (!VALUE.test(value)) throw new CtiError('BAD_INPUT', `--subject: ${name} must be 1 to 64 printable characters`);
    if (name === 'C' && !/^[A-Z]{2}$/.test(value)) throw new CtiError('BAD_INPUT', '--subject: C must be a two-letter country code such as US');
    if (dn[name as keyof typeof dn] !== undefined) throw new CtiError('BAD_INPUT', `--subject: ${name} is given twice`);
    dn[name as keyof typeof dn] = value;
  }
  if (!dn.CN) throw new CtiError('BAD_INPUT', '--subject must include CN=..., e.g. "CN=agent-desk-12"');
  return { ...dn, CN: dn.CN };
}

const ROLE_UNIT: Record<CtiosRole, string> = { client: 'CTI OS Client', server: 'CTI OS Server', peer: 'CTI OS Peer' };

/** Without --subject: the machine's name, with the role as the organisational unit. */
export function defaultSubject(role: CtiosRole): DistinguishedName {
  const name = hostname().slice(0, 64) || 'ctios';
  return { CN: name, OU: ROLE_UNIT[role] };
}
