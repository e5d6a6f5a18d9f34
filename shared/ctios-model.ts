/**
 * What the CTI OS steps answer, as data both sides share (the IPC contract carries it; the CLI prints it).
 * File names, subjects, dates, fingerprints and findings only: never a key or a password.
 */
import type { CtiosRole, CtiosSettings, CtiosSettingsRole } from './ctios-fields.ts';

export const CHECK_FINDINGS = [
  'missing-file',
  'unreadable-file',
  'missing-certificate',
  'missing-key',
  'key-before-certificate',
  'chain',
  'not-signed-by-root',
  'expired',
  'not-yet-valid',
  'key-mismatch',
  'encrypted-key',
  'leftover-file',
] as const;
export type CheckFindingName = (typeof CHECK_FINDINGS)[number];

export interface CheckFinding {
  finding: CheckFindingName;
  /** error: CTI OS will not work with this set; warning: it works, but the procedure says otherwise. */
  severity: 'error' | 'warning';
  file: string;
  message: string;
}

export interface CheckedFile {
  name: string;
  present: boolean;
  subject?: string;
  issuer?: string;
  validTo?: string;
}

export interface CheckReport {
  role: CtiosRole;
  dir: string;
  ok: boolean;
  files: CheckedFile[];
  findings: CheckFinding[];
}

export const CTIOS_TEST_OUTCOMES = [
  'connected',
  'server-not-signed-by-ca',
  'client-refused',
  'handshake-too-slow',
  'unreachable',
  'connect-timeout',
  'handshake-failed',
] as const;
export type CtiosTestOutcome = (typeof CTIOS_TEST_OUTCOMES)[number];

export interface CtiosTestResult {
  ok: boolean;
  outcome: CtiosTestOutcome;
  server: string;
  message: string;
  clientSubject: string;
  serverSubject?: string;
  protocol?: string;
}

/** What a file of the CTI OS set is, in the order the procedure makes them. */
export type CtiosFileKind = 'ca-key' | 'ca-certificate' | 'key' | 'request' | 'third-party-certificate' | 'combined';

/** One CTI OS file name in a folder: whether it is there and, for certificates and requests, what it says. */
export interface CtiosFileState {
  name: string;
  kind: CtiosFileKind;
  /** The set it belongs to; absent for the CA's two files. */
  role?: 'client' | 'server';
  present: boolean;
  subject?: string;
  issuer?: string;
  validTo?: string;
  fingerprint256?: string;
  /** Why a present file could not be read, in words. */
  problem?: string;
}

export interface CtiosFolderState {
  /** The folder, absolute. */
  dir: string;
  files: CtiosFileState[];
}

export interface CtiosCaCreated {
  dir: string;
  keyFile: string;
  certificateFile: string;
  subject: string;
  notAfter: string;
  fingerprint256: string;
}

export interface CtiosRequestMade {
  role: CtiosRole;
  dir: string;
  keyFile: string;
  requestFile: string;
}

export interface CtiosSigned {
  role: 'client' | 'server';
  dir: string;
  file: string;
  subject: string;
  notAfter: string;
  /** CtiosRootCert.pem was copied beside the signed file (the set folder had none). */
  rootCopied: boolean;
}

export interface CtiosCombined {
  dir: string;
  file: string;
  subject: string;
  issuer: string;
  /** The separate certificate and key files removed afterwards (file names). */
  deleted: string[];
}

export interface CtiosRegExport {
  fileName: string;
  key: string;
  /** The .reg file's bytes (UTF-16LE, as regedit writes them), base64. */
  base64: string;
}

export interface CtiosRegImport {
  role: CtiosSettingsRole;
  key: string;
  imported: string[];
  ignored: string[];
  settings: CtiosSettings;
}
