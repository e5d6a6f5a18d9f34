/**
 * Field rules from the product documents: one source of truth for the UI, the IPC validation and the CLI.
 * Every validator returns an error message that names the field and the allowed values, or null when valid.
 */

export const RETRIES = { min: 0, max: 3, default: 0 } as const;
export const RETRY_INTERVAL_S = { min: 0, max: 15, default: 0 } as const;
/** A certificate with fewer days left is marked for renewal (Certificates tab, `certs list`, doctor). */
export const EXPIRY_WARNING_DAYS = { min: 1, max: 365, default: 30 } as const;
export const PORT = { min: 1, max: 65535 } as const;
export const DEFAULT_TFTP_PORT = 69;
export const DEFAULT_CAPF_PORT = 3804;
export const CTIMANAGER_PORT = 2748;
export const CTIMANAGER_TLS_PORT = 2749;
export const MAX_TFTP_SERVERS = 8;
/** Cisco's CTI clients send "CTI-" + instance ID as the CAPF device name (JTAPI 15, docs/protocols.md). */
export const DEFAULT_DEVICE_NAME_TEMPLATE = 'CTI-{instance}';
export const FETCH_CERTIFICATE_CONFIRMATION =
  'This will trigger a certificate update. Please make sure that you really want to update the TSP certificate now.';

/**
 * What a field may hold, as data: the checks below decide validity from it alone, and the JSON Schema of
 * the settings file (shared/settings-schema.ts) is generated from it, so the two cannot disagree.
 * Patterns are ECMAScript sources matched with the `u` flag, as JSON Schema validators match them.
 */
export type FieldRule =
  | { type: 'integer'; min: number; max: number }
  | { type: 'boolean' }
  | { type: 'string'; pattern: string }
  | { type: 'array'; items: FieldRule; minItems: number; maxItems: number };

const compiled = new Map<string, RegExp>();
function regex(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (!re) compiled.set(pattern, (re = new RegExp(pattern, 'u')));
  return re;
}

/** Whether a value conforms to a rule (exactly what the generated JSON Schema accepts for that field). */
export function conforms(rule: FieldRule, value: unknown): boolean {
  switch (rule.type) {
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) && value >= rule.min && value <= rule.max;
    case 'boolean':
      return typeof value === 'boolean';
    case 'string':
      return typeof value === 'string' && regex(rule.pattern).test(value);
    case 'array':
      return Array.isArray(value) && value.length >= rule.minItems && value.length <= rule.maxItems && value.every((item) => conforms(rule.items, item));
  }
}

const stringRule = (pattern: string): FieldRule => ({ type: 'string', pattern });
const integerRule = (range: { min: number; max: number }): FieldRule => ({ type: 'integer', min: range.min, max: range.max });

const INSTANCE_ID_PATTERN = '^[a-zA-Z0-9]{1,128}$';
/** The instance ID rule in words, for messages and hints. */
export const INSTANCE_ID_RULE = '1 to 128 letters or digits (a-z, A-Z, 0-9)';

/** Hex digits of a certificate folder's id (a prefix of the SHA-256 of its absolute path). */
export const FOLDER_ID_HEX_DIGITS = 16;
const FOLDER_ID = new RegExp(`^[0-9a-f]{${FOLDER_ID_HEX_DIGITS}}$`);
const AUTH_STRING = /^[0-9]{4,10}$/;
const IPV4 = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(?:\\.(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}';
const HOST_LABEL = '[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?';
/**
 * A host ending where `end` matches: dotted IPv4, or host names per RFC 1123 labels (users type IP
 * addresses most of the time). An all-numeric name is meant as an IPv4 address and must be a valid one
 * (RFC 3696: no numeric TLDs).
 */
const hostPattern = (end: string) => `(?:${IPV4}|(?![\\d.]+${end})(?=[^:\\s]{1,253}${end})${HOST_LABEL}(?:\\.${HOST_LABEL})*)`;
// 1 to 65535 in at most 5 digits (leading zeros allowed, as the number is what counts).
const PORT_DIGITS = '(?=\\d{1,5}\\s*$)0*(?:[1-9]\\d{0,3}|[1-5]\\d{4}|6[0-4]\\d{3}|65[0-4]\\d{2}|655[0-2]\\d|6553[0-5])';
const ENDPOINT_END = '(?::|\\s*$)';
const ENDPOINT_MAX_LENGTH = 260;
// "[::1]:69", "::1", "fe80::1": a bracket, or two colons, is an IPv6 form (a host name has neither).
const IPV6_FORM = /^\[|:.*:/;
const PRINTABLE_128 = '[^\\x00-\\x1f\\x7f]{1,128}';

export const INSTANCE_ID_FIELD = stringRule(INSTANCE_ID_PATTERN);
export const HOST_FIELD = stringRule(`^${hostPattern('$')}$`);
/** `HOST[:PORT]`, surrounding spaces ignored. */
export const ENDPOINT_FIELD = stringRule(`^(?=[\\s\\S]{1,${ENDPOINT_MAX_LENGTH}}$)\\s*${hostPattern(ENDPOINT_END)}(?::${PORT_DIGITS})?\\s*$`);
export const PORT_FIELD = integerRule(PORT);
export const RETRIES_FIELD = integerRule(RETRIES);
export const RETRY_INTERVAL_FIELD = integerRule(RETRY_INTERVAL_S);
export const EXPIRY_WARNING_DAYS_FIELD = integerRule(EXPIRY_WARNING_DAYS);
export const BOOLEAN_FIELD: FieldRule = { type: 'boolean' };
/** Printable, no leading or trailing spaces. */
export const USER_NAME_FIELD = stringRule(`^(?!\\s)(?![\\s\\S]*\\s$)${PRINTABLE_128}$`);
/** Printable, and no placeholder but {user} and {instance}. */
// The length comes first: the placeholder check scans the rest of the string from every position, which on
// a long hostile value (settings over IPC, a preset file) would take minutes.
export const DEVICE_NAME_TEMPLATE_FIELD = stringRule(`^(?=${PRINTABLE_128}$)(?![\\s\\S]*\\{(?!user\\}|instance\\})[^}]*\\})${PRINTABLE_128}$`);
/** A SHA-256 fingerprint: 64 hex digits, any case, colons or spaces anywhere. */
export const SHA256_FINGERPRINT_FIELD = stringRule('^[:\\s]*(?:[0-9a-fA-F][:\\s]*){64}$');

export type FieldError = string | null;

/**
 * The password a person chooses for a PKCS#12 export (app and `certs export --format p12`): the file holds
 * the private key, so it must resist guessing even at 100 000 PBKDF2 iterations.
 */
export const EXPORT_PASSWORD = { minLength: 8, maxLength: 1024 } as const;

/** The message never repeats the value: it is a secret. */
export function checkExportPassword(value: unknown): FieldError {
  const { minLength, maxLength } = EXPORT_PASSWORD;
  return typeof value === 'string' && value.length >= minLength && value.length <= maxLength && !/[\x00-\x1f\x7f]/.test(value)
    ? null
    : `Export password must be ${minLength} to ${maxLength} characters, without control characters`;
}

export function checkInstanceId(value: unknown): FieldError {
  return conforms(INSTANCE_ID_FIELD, value) ? null : `Instance ID must be ${INSTANCE_ID_RULE}`;
}

export function checkFolderId(value: unknown): FieldError {
  return typeof value === 'string' && FOLDER_ID.test(value)
    ? null
    : `Folder ID must be ${FOLDER_ID_HEX_DIGITS} lowercase hex digits (from the certificate list)`;
}

export function checkAuthString(value: unknown): FieldError {
  return typeof value === 'string' && AUTH_STRING.test(value)
    ? null
    : 'Authentication string must be 4 to 10 digits';
}

export function checkUserName(value: unknown): FieldError {
  return conforms(USER_NAME_FIELD, value) ? null : 'User name must be 1 to 128 printable characters without leading or trailing spaces';
}

export function checkIntegerRange(label: string, value: unknown, range: { min: number; max: number }): FieldError {
  return conforms(integerRule(range), value) ? null : `${label} must be ${range.min} to ${range.max}`;
}

export const checkRetries = (value: unknown): FieldError => checkIntegerRange('Retries', value, RETRIES);
export const checkRetryInterval = (value: unknown): FieldError =>
  checkIntegerRange('Retry interval', value, RETRY_INTERVAL_S);
export const checkPort = (value: unknown, label = 'Port'): FieldError => checkIntegerRange(label, value, PORT);
export const checkExpiryWarningDays = (value: unknown): FieldError => checkIntegerRange('Expiry warning days', value, EXPIRY_WARNING_DAYS);

/** How many log lines the window may ask for at once, and how long each line's details may be. */
export const LOG_VIEW_LINES = { min: 1, max: 500, default: 200 } as const;
export const LOG_DETAILS_MAX_CHARS = 600;
export const checkLogLineCount = (value: unknown): FieldError => checkIntegerRange('Log line count', value, LOG_VIEW_LINES);

/** An operation's id: 12 lowercase hex digits, written into history.json and every log line of the operation. */
const OPERATION_ID = /^[0-9a-f]{12}$/;
export function checkOperationId(value: unknown): FieldError {
  return typeof value === 'string' && OPERATION_ID.test(value) ? null : 'Operation ID must be 12 lowercase hex digits (from the history)';
}

const hostRule = (label: string) => `${label} must be an IPv4 address or a host name`;
const ipv6Refused = (label: string, text: string) => `${hostRule(label)}: IPv6 addresses are not supported, got "${text}"`;

export function checkHost(value: unknown, label = 'Host'): FieldError {
  if (conforms(HOST_FIELD, value)) return null;
  return typeof value === 'string' && IPV6_FORM.test(value) ? ipv6Refused(label, value) : hostRule(label);
}

export function checkDeviceNameTemplate(value: unknown): FieldError {
  if (conforms(DEVICE_NAME_TEMPLATE_FIELD, value)) return null;
  const printable = typeof value === 'string' && regex(`^${PRINTABLE_128}$`).test(value);
  const unknown = printable ? (value as string).match(/\{(?!user\}|instance\})[^}]*\}/) : null;
  return unknown
    ? `Device name template may use only {user} and {instance}, not ${unknown[0]}`
    : `Device name template must be 1 to 128 printable characters, e.g. ${DEFAULT_DEVICE_NAME_TEMPLATE} or {user}-{instance}`;
}

export interface Endpoint {
  host: string;
  port: number;
}

/** Parses `HOST[:PORT]`; the error names the field and the allowed form. */
export function parseEndpoint(text: unknown, defaultPort: number, label: string): Endpoint | { error: string } {
  if (!conforms(ENDPOINT_FIELD, text)) return { error: endpointError(text, label) };
  const [host, port] = (text as string).trim().split(':');
  return { host: host!, port: port === undefined ? defaultPort : Number(port) };
}

/** Why a text is not `HOST[:PORT]`, naming the part at fault. */
function endpointError(text: unknown, label: string): string {
  const form = `${label} must be HOST or HOST:PORT`;
  if (typeof text !== 'string' || text.length === 0 || text.length > ENDPOINT_MAX_LENGTH) return form;
  if (IPV6_FORM.test(text.trim())) return ipv6Refused(label, text);
  const m = /^([^:]+)(?::(\d{1,5}))?$/.exec(text.trim());
  if (!m) return `${form}, got "${text}"`;
  return checkHost(m[1], label) ?? checkPort(Number(m[2]), `${label} port`) ?? `${form}, got "${text}"`;
}

export function formatEndpoint(e: Endpoint): string {
  return `${e.host}:${e.port}`;
}

/** The CAPF device name: "CTI-" + instance ID unless a template says otherwise. */
export function deviceName(template: string | undefined, user: string, instanceId: string): string {
  return (template ?? DEFAULT_DEVICE_NAME_TEMPLATE).replaceAll('{user}', user).replaceAll('{instance}', instanceId);
}

/**
 * A SHA-256 fingerprint as an administrator pastes it: hex, with or without colons or spaces, any case.
 * Returns the form the app shows (uppercase, colon-separated) or the error naming the field.
 */
export function parseSha256Fingerprint(text: string, label: string): string | { error: string } {
  const hex = text.replace(/[:\s]/g, '');
  if (!conforms(SHA256_FINGERPRINT_FIELD, text)) return { error: `${label} must be a SHA-256 fingerprint: 64 hex digits, colons allowed, got "${text.slice(0, 100)}"` };
  return hex.toUpperCase().match(/../g)!.join(':');
}

/**
 * The first 8 bytes of a hash in the shown form (uppercase, colons), to name one of several: a server cannot
 * cheaply make its entry look like another.
 */
export function shortSha256(shown: string): string {
  return `${shown.slice(0, 23)}…`;
}
