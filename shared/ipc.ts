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
  DoctorReport,
  OperationRecord,
  LogLine,
  LogQuery,
  AboutInfo,
  SupportBundleFile,
  VaultStatus,
  RefusedCtlReport,
  CtlAdoptResult,
} from './model.ts';
import type { ImportPlan, ImportRequest, ImportResult } from './import.ts';
import type { Settings } from './profile.ts';
import type { CtiosRole, CtiosSettings, CtiosSettingsRole } from './ctios-fields.ts';
import type {
  CheckReport,
  CtiosCaCreated,
  CtiosCombined,
  CtiosFolderState,
  CtiosRegExport,
  CtiosRegImport,
  CtiosRequestMade,
  CtiosSigned,
  CtiosTestResult,
} from './ctios-model.ts';

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
  /**
   * Certificate and private key as PKCS#12, encrypted with the password the person chose. The main process
   * writes the file where the person says (the app's save dialog; the preview: its home's exports folder),
   * so the key never reaches the renderer, not even encrypted. Null when the save dialog was cancelled.
   */
  'certs:export-p12': { request: CertificateRef & { password: string }; response: { savedAs: string } | null };
  /** Works without opening the keystore, so a keystore whose password is lost can still be removed. */
  'certs:delete': { request: CertificateRef; response: void };
  'ctl:get': { request: { profileId: string }; response: TrustListInfo | null };
  'ctl:check-update': { request: { profileId: string }; response: CtlCheckResult };
  /** Forgets the profile folder's trusted CTL (the way out of CTL_TAMPERED): the next check is a first use. */
  'ctl:forget': { request: { profileId: string }; response: { forgotten: boolean } };
  /** The refused updates of the profile folder's trust list, kept aside, each beside the trusted list. */
  'ctl:refused': { request: { profileId: string }; response: RefusedCtlReport };
  /** Trusts the refused update shown (its file SHA-256) once its signer has this fingerprint (any case, colons optional). */
  'ctl:adopt': { request: { profileId: string; fingerprint: string; sha256: string }; response: CtlAdoptResult };
  'connection:test': { request: { profileId: string }; response: ConnectionTestResult };
  /** The answer of the vault probe made at start; `recheck` probes again (after the person unlocked it). */
  'vault:status': { request: { recheck: boolean }; response: VaultStatus };
  /** A native folder dialog (desktop app only): the certificate folders the window may save outside the home. */
  'folders:pick': { request: void; response: string | null };
  /** The preflight checks of `ctiprefs doctor` for a profile, in their order. */
  'doctor:run': { request: { profileId: string }; response: DoctorReport };
  /** The profile's last operations, the newest first. */
  'history:get': { request: { profileId: string }; response: OperationRecord[] };
  /** The newest log lines (bounded count and size), oldest first. */
  'log:lines': { request: LogQuery; response: LogLine[] };
  'about:get': { request: void; response: AboutInfo };
  /** The support bundle as text (secret-free by construction), for the window to save. */
  'support:bundle': { request: void; response: SupportBundleFile };
  /** What importing a jtapi.ini or a Genesys options export would create; auth codes only as "present". */
  'import:preview': { request: ImportRequest; response: ImportPlan };
  /** Creates the profiles of the file in one settings write, or nothing when the plan has a refusal. */
  'import:apply': { request: ImportRequest; response: ImportResult };
  /**
   * CTI OS security. Folders are under the home (relative paths resolve there) or picked with folders:pick.
   * Answers carry file names, subjects, dates, fingerprints and findings, never a key; the CA password is
   * used for the one call and kept nowhere.
   */
  'ctios:state': { request: { dir: string }; response: CtiosFolderState };
  'ctios:ca-create': { request: { dir: string; password: string }; response: CtiosCaCreated };
  /** An empty subject means the computer's name with the role as OU, as the CLI does without --subject. */
  'ctios:request': { request: { dir: string; role: CtiosRole; subject: string }; response: CtiosRequestMade };
  /** Signs the role's request in `dir` with the CA in `caDir`; the result and, if missing, CtiosRootCert.pem go to `dir`. */
  'ctios:sign': { request: { caDir: string; dir: string; role: CtiosRole; password: string }; response: CtiosSigned };
  /** The third-party CtiosClientCert.pem/CtiosServerCert.pem and the key in `dir`, combined in that order. */
  'ctios:combine': { request: { dir: string; role: CtiosRole; cleanup: boolean }; response: CtiosCombined };
  'ctios:check': { request: { dir: string; role: CtiosRole }; response: CheckReport };
  /** The client set in `dir` against HOST:PORT, with the client's HandShakeTime. */
  'ctios:test': { request: { dir: string; server: string }; response: CtiosTestResult };
  'ctios:settings-get': { request: void; response: CtiosSettings };
  /** Registry value names (any case) to DWORDs, or InstanceName/ServerName (server) to key names. */
  'ctios:settings-set': { request: { role: CtiosSettingsRole; changes: Record<string, number | string> }; response: CtiosSettings };
  'ctios:reg-export': { request: { role: CtiosSettingsRole }; response: CtiosRegExport };
  /** The .reg file's bytes, base64; refused whole when any value is out of range. */
  'ctios:reg-import': { request: { role: CtiosSettingsRole; base64: string }; response: CtiosRegImport };
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
  'certs:export-p12',
  'certs:delete',
  'ctl:get',
  'ctl:check-update',
  'ctl:forget',
  'ctl:refused',
  'ctl:adopt',
  'connection:test',
  'vault:status',
  'folders:pick',
  'doctor:run',
  'history:get',
  'log:lines',
  'about:get',
  'support:bundle',
  'import:preview',
  'import:apply',
  'ctios:state',
  'ctios:ca-create',
  'ctios:request',
  'ctios:sign',
  'ctios:combine',
  'ctios:check',
  'ctios:test',
  'ctios:settings-get',
  'ctios:settings-set',
  'ctios:reg-export',
  'ctios:reg-import',
] as const satisfies readonly Channel[];

/** The object the preload exposes as `window.ctiprefs` (and the preview bridge implements). */
export interface CtiprefsApi {
  invoke<C extends Channel>(channel: C, ...request: RequestOf<C> extends void ? [] : [RequestOf<C>]): Promise<ResponseOf<C>>;
  onProgress(listener: (event: ProgressEvent) => void): () => void;
}

/** Validates a request payload for a channel; returns an error message naming the fault, or null. */
export type RequestValidator = (payload: unknown) => string | null;
