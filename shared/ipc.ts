/**
 * The IPC contract between the renderer and the main process (and the browser preview bridge).
 * One map of channels: the preload, the main-process handlers and the renderer are all typed from it,
 * so a renamed channel or a changed payload fails to compile.
 */
import type { ErrorCode } from './errors.ts';
import type { Settings } from './profile.ts';

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
    }
  | { state: 'succeeded'; at: string; outcome: 'installed' | 'fetched' | 'deleted'; fingerprintSha256?: string }
  | { state: 'failed'; at: string; code: ErrorCode; message: string; hint: string; tspError?: number };

export interface ProgressEvent {
  profileId: string;
  status: OperationStatus;
  /** One human sentence about what is happening now. */
  message: string;
}

export interface CertificateInfo {
  instanceId: string;
  /** Profiles whose instance ID this certificate belongs to. */
  profileIds: string[];
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

/** Every request channel: its payload and its result. */
export interface IpcChannels {
  'settings:get': { request: void; response: Settings };
  'settings:save': { request: Settings; response: Settings };
  'status:get': { request: void; response: Record<string, OperationStatus> };
  /** Runs the enrollment for a profile; progress arrives on the `progress` event. */
  'enroll:start': { request: { profileId: string; authString: string }; response: OperationStatus };
  'enroll:cancel': { request: { profileId: string }; response: void };
  'certs:list': { request: void; response: CertificateInfo[] };
  /** The certificate only (never the key), PEM text. */
  'certs:export-pem': { request: { instanceId: string }; response: string };
  'certs:delete': { request: { instanceId: string }; response: void };
  'ctl:get': { request: { profileId: string }; response: TrustListInfo | null };
  'ctl:check-update': { request: { profileId: string }; response: CtlCheckResult };
  'connection:test': { request: { profileId: string }; response: ConnectionTestResult };
  /** A native folder dialog (desktop app only): the certificate folders the window may save outside the home. */
  'folders:pick': { request: void; response: string | null };
}

export type Channel = keyof IpcChannels;
export type RequestOf<C extends Channel> = IpcChannels[C]['request'];
export type ResponseOf<C extends Channel> = IpcChannels[C]['response'];

export interface IpcErrorPayload {
  code: ErrorCode;
  message: string;
  hint: string;
}
/** What a handler returns over the wire: a result or a typed error, never a thrown exception. */
export type IpcEnvelope<T> = { result: T } | { error: IpcErrorPayload };

export const PROGRESS_EVENT = 'progress' as const;

export const CHANNELS = [
  'settings:get',
  'settings:save',
  'status:get',
  'enroll:start',
  'enroll:cancel',
  'certs:list',
  'certs:export-pem',
  'certs:delete',
  'ctl:get',
  'ctl:check-update',
  'connection:test',
  'folders:pick',
] as const satisfies readonly Channel[];

/** The object the preload exposes as `window.ctiprefs` (and the preview bridge implements). */
export interface CtiprefsApi {
  invoke<C extends Channel>(channel: C, ...request: RequestOf<C> extends void ? [] : [RequestOf<C>]): Promise<ResponseOf<C>>;
  onProgress(listener: (event: ProgressEvent) => void): () => void;
}

/** Validates a request payload for a channel; returns an error message naming the fault, or null. */
export type RequestValidator = (payload: unknown) => string | null;
