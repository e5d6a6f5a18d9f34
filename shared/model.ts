/**
 * The domain model the window shows and the core produces: operation status and progress, stored
 * certificates, the trust list, connection test results. Plain data, the same in the main process, the
 * preview bridge and the renderer; shared/ipc.ts carries it over the wire.
 */
import type { ErrorCode } from './errors.ts';

export type EnrollStep =
  | 'ctl-download'
  | 'ctl-verify'
  | 'capf-connect'
  | 'capf-authenticate'
  | 'key-generate'
  | 'certificate-store'
  | 'retry-wait';

export type OperationStatus =
  | { state: 'none' }
  | { state: 'pending'; since: string }
  | {
      state: 'in-progress';
      since: string;
      step: EnrollStep;
      attempt: number;
      maxAttempts: number;
      /** ISO time of the next attempt while waiting between retries. */
      nextAttemptAt?: string;
      /**
       * Set once the issued certificate is in the keystore, before the CAPF server is told: a crash after
       * that point resumes as a success with this certificate (its one-time string is spent by then).
       */
      storedFingerprintSha256?: string;
    }
  | { state: 'succeeded'; at: string; outcome: 'installed' | 'fetched' | 'deleted'; fingerprintSha256?: string }
  | { state: 'failed'; at: string; code: ErrorCode; message: string; hint: string; tspError?: number };

export interface ProgressEvent {
  profileId: string;
  status: OperationStatus;
  /** One human sentence about what is happening now. */
  message: string;
}

/** A certificate's identity: its folder (by id, see `folderId` in the core) and its instance ID. */
export interface CertificateRef {
  folderId: string;
  instanceId: string;
}

export interface CertificateInfo extends CertificateRef {
  /** Profiles whose instance ID this certificate belongs to. */
  profileIds: string[];
  error?: undefined;
  subject: string;
  issuer: string;
  serialNumber: string;
  validFrom: string;
  validTo: string;
  daysLeft: number;
  expired: boolean;
  expiringSoon: boolean;
  keyType: 'RSA' | 'EC';
  /** Bits for RSA, curve name for EC. */
  keySize: string;
  fingerprintSha256: string;
}

/** A keystore that is there but cannot be opened (password lost, damaged file): listed, so it can be deleted. */
export interface UnreadableCertificate extends CertificateRef {
  profileIds: string[];
  error: { code: ErrorCode; message: string };
}

export type CertificateEntry = CertificateInfo | UnreadableCertificate;

export interface CtlRecordInfo {
  role: number;
  roleName: string;
  dnsName?: string;
  subject: string;
  issuer: string;
  serialNumber: string;
  validFrom?: string;
  validTo?: string;
  fingerprintSha256?: string;
}

export interface TrustListInfo {
  signerSubject: string;
  signerFingerprintSha256: string;
  hashAlgorithm: 'SHA-1' | 'SHA-256' | 'SHA-512';
  /** CTL timestamp from its header (ISO). */
  timestamp: string;
  firstTrustedAt: string;
  updatedAt: string;
  /** The TFTP server it came from, `host:port`. */
  source: string;
  /** The file name the cluster served it under: `CTLCAPF<hex>.tlv` or `CTLFile.tlv`. */
  fileName: string;
  /** True while the CTL in use is the one trusted on first use without verification. */
  trustedOnFirstUse: boolean;
  /** Weaknesses of the signature (SHA-1, an RSA key under 2048 bits): trusted, but worth telling. */
  warnings: string[];
  records: CtlRecordInfo[];
}

export interface CtlCheckResult {
  outcome: 'first-use' | 'unchanged' | 'updated';
  trustList: TrustListInfo;
}

/** One list of a signer-change comparison: who signed it, which bytes, when. */
export interface CtlSide {
  signerSubject: string;
  /** Empty when its signature does not verify: then no signer is proven. */
  signerFingerprintSha256: string;
  /** SHA-256 of the file, uppercase, colon-separated. */
  sha256: string;
  /** The timestamp in its header (ISO); empty when the file cannot be read. */
  timestamp: string;
  fileName: string;
  /** The TFTP server it came from, `host:port`. */
  source: string;
}

export interface CtlRecordChange {
  before: CtlRecordInfo;
  after: CtlRecordInfo;
}

/** A refused update beside the trusted list: records matched by certificate, then by role and subject. */
export interface RefusedCtlInfo {
  refusedAt: string;
  /** Why the update was refused. */
  reason: string;
  /** Why it cannot be adopted as it is (unreadable, changed on disk, its own signature fails); absent when it can. */
  problem?: string;
  list: CtlSide;
  added: CtlRecordInfo[];
  removed: CtlRecordInfo[];
  /** Same certificate in another role, or the same role and subject with another certificate. */
  changed: CtlRecordChange[];
}

export interface RefusedCtlReport {
  /** The certificate folder, absolute. */
  folder: string;
  trusted: CtlSide | null;
  /** Newest first; adopting takes the first. */
  refused: RefusedCtlInfo[];
}

export interface CtlAdoptResult {
  /** The signer of the list that was replaced; null when none was trusted. */
  previousSignerFingerprintSha256: string | null;
  signerFingerprintSha256: string;
  trustList: TrustListInfo;
}

export interface ConnectionTestResult {
  ok: boolean;
  /** Plain words for the user. */
  message: string;
  server: string;
  serverSubject?: string;
  protocol?: string;
  code?: ErrorCode;
  tspError?: number;
}


/** One preflight check of `ctiprefs doctor` and the Diagnostics tab. */
export type CheckStatus = 'pass' | 'warn' | 'fail';

export interface DoctorCheck {
  id: string;
  status: CheckStatus;
  message: string;
  /** What to do; empty when the check passed. */
  fix: string;
}

export interface DoctorReport {
  checks: DoctorCheck[];
}

export type OperationOutcome = 'installed' | 'fetched' | 'deleted' | 'failed' | 'adopted';

/** One finished certificate operation of a profile, as history.json keeps it. */
export interface OperationRecord {
  /** Every log line of the operation carries it as `operation` (absent in records written before it existed). */
  operationId?: string;
  startedAt: string;
  endedAt: string;
  outcome: OperationOutcome;
  /** The error code of a failed operation. */
  code?: ErrorCode;
  attempts: number;
  /** `HOST:PORT` */
  capfServer: string;
  /** An adopted trust list (outcome "adopted"): the signer it replaced (none: nothing was trusted) and its own. */
  signers?: { previous: string | null; adopted: string };
}

/** One line of the app log as the window shows it: the known fields, the rest as bounded JSON text. */
export interface LogLine {
  time: string;
  level: string;
  event: string;
  profile?: string;
  operation?: string;
  /** The other fields of the record, as JSON, cut to a bounded length. */
  details: string;
}

/** Which lines the log viewer asks for: the newest `count`, of one profile or one operation when set. */
export interface LogQuery {
  profileId: string | null;
  operationId: string | null;
  count: number;
}

/** Where the secrets live: the OS vault, the CTIPREFS_KEYSTORE_PASSWORD environment variable, or nowhere yet. */
export type VaultKind = 'os-vault' | 'environment' | 'none';

export interface AboutInfo {
  version: string;
  /** Absolute paths. */
  home: string;
  logFile: string;
  certificateFolders: string[];
  vault: VaultKind;
  /** Why no vault is available (vault "none"). */
  vaultProblem?: string;
}

/** The support bundle as a file the window offers for download (it holds no secret by construction). */
export interface SupportBundleFile {
  fileName: string;
  text: string;
}
/**
 * Whether the keystore passwords have a home: the OS vault, CTIPREFS_KEYSTORE_PASSWORD, or neither (then
 * the error says what to do). Probed once when the app starts, so a tab can say so at once.
 */
export type VaultStatus =
  | { available: true; kind: 'os-vault' | 'environment' }
  | { available: false; error: { code: ErrorCode; message: string; hint: string } };
