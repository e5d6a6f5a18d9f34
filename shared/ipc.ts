/**
 * The IPC contract between the renderer and the main process (and the browser preview bridge): the
 * transport. One map of channels: the preload, the main-process handlers and the renderer are all typed
 * from it, so a renamed channel or a changed payload fails to compile. The data it carries is in model.ts.
 */
import type { ErrorCode } from './errors.ts';
import type {
  OperationStatus,
  ProgressEvent,
  CertificateRef,
  CertificateEntry,
  TrustListInfo,
  CtlCheckResult,
  ConnectionTestResult,
  RefusedCtlReport,
  CtlAdoptResult,
} from './model.ts';
import type { Settings } from './profile.ts';

/** Every request channel: its payload and its result. */
export interface IpcChannels {
  'settings:get': { request: void; response: Settings };
  'settings:save': { request: Settings; response: Settings };
  'status:get': { request: void; response: Record<string, OperationStatus> };
  /** Runs the enrollment for a profile; progress arrives on the `progress` event. */
  'enroll:start': { request: { profileId: string; authString: string }; response: OperationStatus };
  'enroll:cancel': { request: { profileId: string }; response: void };
  'certs:list': { request: void; response: CertificateEntry[] };
  /** The certificate only (never the key), PEM text. */
  'certs:export-pem': { request: CertificateRef; response: string };
  /** Works without opening the keystore, so a keystore whose password is lost can still be removed. */
  'certs:delete': { request: CertificateRef; response: void };
  'ctl:get': { request: { profileId: string }; response: TrustListInfo | null };
  'ctl:check-update': { request: { profileId: string }; response: CtlCheckResult };
  /** Forgets the profile folder's trusted CTL (the way out of CTL_TAMPERED): the next check is a first use. */
  'ctl:forget': { request: { profileId: string }; response: { forgotten: boolean } };
  /** The refused updates of the profile folder's trust list, kept aside, each beside the trusted list. */
  'ctl:refused': { request: { profileId: string }; response: RefusedCtlReport };
  /** Trusts the newest refused update when its signer has this fingerprint (any case, colons optional). */
  'ctl:adopt': { request: { profileId: string; fingerprint: string }; response: CtlAdoptResult };
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
  'ctl:forget',
  'ctl:refused',
  'ctl:adopt',
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
