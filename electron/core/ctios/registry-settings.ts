/** CTI OS settings to and from a .reg file under the chapter's registry keys; an import is all or nothing. */
import { CtiError } from '../../../shared/errors.ts';
import { checkCtiosKeyPart, checkCtiosValue, ctiosValueRules, type CtiosSettings, type CtiosSettingsRole } from '../../../shared/ctios-fields.ts';
import { decodeRegFile, encodeRegFile, type RegSection } from './registry-file.ts';
import { CLIENT_REGISTRY_KEY, isClientRegistryKey, parseServerRegistryKey, serverRegistryKey } from './registry-keys.ts';

export function registryKeyOf(settings: CtiosSettings, role: CtiosSettingsRole): string {
  if (role === 'client') return CLIENT_REGISTRY_KEY;
  const { instanceName, serverName } = settings.server;
  if (instanceName === undefined) {
    throw new CtiError('BAD_INPUT', 'The server registry key needs the instance name: ctiprefs ctios settings set --role server InstanceName=NAME');
  }
  return serverRegistryKey(instanceName, serverName);
}

export function exportCtiosRegistry(settings: CtiosSettings, role: CtiosSettingsRole): Buffer {
  return encodeRegFile([{ key: registryKeyOf(settings, role), values: settings[role].values }]);
}

export interface RegistryImport {
  settings: CtiosSettings;
  key: string;
  imported: string[];
  /** Values under the key that are not CTI OS security settings: left alone. */
  ignored: string[];
}

function findSection(sections: RegSection[], role: CtiosSettingsRole, where: string): RegSection {
  const matching = sections.filter((s) => (role === 'client' ? isClientRegistryKey(s.key) : parseServerRegistryKey(s.key) !== undefined));
  const expected = role === 'client' ? CLIENT_REGISTRY_KEY : serverRegistryKey('<InstanceName>', '<ServerName>');
  if (matching.length === 0) throw new CtiError('BAD_INPUT', `${where} has no [${expected}] key (--role ${role})`);
  if (matching.length > 1) throw new CtiError('BAD_INPUT', `${where} has ${matching.length} ${role} keys; import one at a time`);
  return matching[0]!;
}

export function importCtiosRegistry(bytes: Buffer, where: string, role: CtiosSettingsRole, current: CtiosSettings): RegistryImport {
  const section = findSection(decodeRegFile(bytes, where), role, where);
  const next = structuredClone(current);
  if (role === 'server') {
    const parts = parseServerRegistryKey(section.key)!;
    for (const [label, value] of [['InstanceName', parts.instanceName], ['ServerName', parts.serverName]] as const) {
      const error = checkCtiosKeyPart(label, value);
      if (error) throw new CtiError('BAD_INPUT', `${where}: ${error}`);
    }
    next.server.instanceName = parts.instanceName;
    next.server.serverName = parts.serverName;
  }
  const rules = ctiosValueRules(role);
  const errors: string[] = [];
  const imported: string[] = [];
  const ignored: string[] = [];
  for (const [rawName, value] of section.values) {
    const name = Object.keys(rules).find((n) => n.toLowerCase() === rawName.toLowerCase());
    if (!name) {
      ignored.push(rawName);
      continue;
    }
    if (value.type !== 'dword') {
      errors.push(`${name} must be a DWORD value (dword:XXXXXXXX)`);
      continue;
    }
    const error = checkCtiosValue(name, rules[name]!, value.value);
    if (error) errors.push(`${error}, got ${value.value}`);
    else {
      (next[role].values as Record<string, number>)[name] = value.value;
      imported.push(name);
    }
  }
  if (errors.length > 0) throw new CtiError('BAD_INPUT', `${where}: ${errors.join('; ')}; nothing was imported`);
  return { settings: next, key: section.key, imported, ignored };
}
