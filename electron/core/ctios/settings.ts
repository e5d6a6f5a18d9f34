/**
 * The CTI OS registry settings kept under the home folder (ctios-settings.json), checked value by value
 * against the shared rules whenever they are read, set or imported. Never any secret in here.
 */
import { join } from 'node:path';
import { CtiError } from '../../../shared/errors.ts';
import {
  checkCtiosKeyPart,
  checkCtiosValue,
  CTIOS_SERVER_KEY_SETTINGS,
  ctiosValueRules,
  defaultCtiosSettings,
  type CtiosSettings,
  type CtiosSettingsRole,
} from '../../../shared/ctios-fields.ts';
import { readJsonFile, writeJsonFile } from '../json-file.ts';

export const CTIOS_SETTINGS_FILE = 'ctios-settings.json';
/** Settings that name the server's registry key rather than a DWORD under it. */
export const SERVER_KEY_SETTINGS = CTIOS_SERVER_KEY_SETTINGS;

export function ctiosSettingsPath(home: string): string {
  return join(home, CTIOS_SETTINGS_FILE);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks a settings document from disk or IPC; missing values take their defaults, wrong ones are named. */
export function checkCtiosSettings(value: unknown, where: string): CtiosSettings {
  const result = defaultCtiosSettings();
  if (!isRecord(value)) throw new CtiError('BAD_INPUT', `${where}: expected an object with "client" and "server"`);
  for (const role of ['client', 'server'] as const) {
    const section = value[role];
    if (section === undefined) continue;
    if (!isRecord(section) || (section.values !== undefined && !isRecord(section.values))) {
      throw new CtiError('BAD_INPUT', `${where}: "${role}" must be an object with "values"`);
    }
    const target = result[role].values as Record<string, number>;
    for (const [name, rule] of Object.entries(ctiosValueRules(role))) {
      const v = (section.values as Record<string, unknown> | undefined)?.[name];
      if (v === undefined) continue;
      const error = checkCtiosValue(name, rule, v);
      if (error) throw new CtiError('BAD_INPUT', `${where}: ${role} ${error}, got ${JSON.stringify(v)}`);
      target[name] = v as number;
    }
  }
  const server = value.server;
  if (isRecord(server)) {
    for (const [label, field] of Object.entries(SERVER_KEY_SETTINGS)) {
      const v = server[field];
      if (v === undefined) continue;
      const error = checkCtiosKeyPart(label, v);
      if (error) throw new CtiError('BAD_INPUT', `${where}: ${error}`);
      result.server[field] = v as string;
    }
  }
  return result;
}

export async function readCtiosSettings(home: string): Promise<CtiosSettings> {
  const path = ctiosSettingsPath(home);
  return readJsonFile(path, (value) => checkCtiosSettings(value, path), defaultCtiosSettings());
}

export async function writeCtiosSettings(home: string, settings: CtiosSettings): Promise<void> {
  await writeJsonFile(ctiosSettingsPath(home), checkCtiosSettings(settings, 'CTI OS settings'));
}

/**
 * Applies `NAME=VALUE` changes (registry names, any case, as Windows compares them); every change is checked
 * before any is applied, and every fault is named at once.
 */
export function setCtiosValues(settings: CtiosSettings, role: CtiosSettingsRole, changes: Record<string, string | number>): CtiosSettings {
  const next = structuredClone(settings);
  const rules = ctiosValueRules(role);
  const errors: string[] = [];
  for (const [rawName, raw] of Object.entries(changes)) {
    const name = Object.keys(rules).find((n) => n.toLowerCase() === rawName.toLowerCase());
    const keyName = Object.keys(SERVER_KEY_SETTINGS).find((n) => n.toLowerCase() === rawName.toLowerCase()) as keyof typeof SERVER_KEY_SETTINGS | undefined;
    if (name) {
      const value = typeof raw === 'number' ? raw : /^\d{1,10}$/.test(raw) ? Number(raw) : Number.NaN;
      const error = checkCtiosValue(name, rules[name]!, value);
      if (error) errors.push(`${error}, got "${raw}"`);
      else (next[role].values as Record<string, number>)[name] = value;
    } else if (keyName && role === 'server') {
      const error = checkCtiosKeyPart(keyName, raw);
      if (error) errors.push(error);
      else next.server[SERVER_KEY_SETTINGS[keyName]] = String(raw);
    } else {
      const known = [...Object.keys(rules), ...(role === 'server' ? Object.keys(SERVER_KEY_SETTINGS) : [])];
      errors.push(`${rawName} is not a CTI OS ${role} setting (${known.join(', ')})`);
    }
  }
  if (errors.length > 0) throw new CtiError('BAD_INPUT', errors.join('; '));
  return next;
}
