// JSON-RPC 2.0 as MCP's Streamable HTTP transport carries it: the codes Warden
// answers with, the error object, and the request-metadata headers of the
// 2026-07-28 revision (`Mcp-Method`, `Mcp-Name`, with their Base64 sentinel).
import type { WardenError } from '../errors.js';

/** JSON-RPC's own codes, and the MCP specification's `HeaderMismatch`. */
export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;
export const INVALID_PARAMS = -32602;
export const HEADER_MISMATCH = -32020;

/**
 * Warden's refusals, outside the range JSON-RPC and MCP reserve (-32768 to
 * -32000), as the 2026-07-28 revision asks of application-defined codes:
 * -31000 minus the HTTP status the refusal would have on other routes
 * (-31403 permission denied, -31429 quota, -31401 unauthenticated, -31503
 * upstream unavailable, …). The reason and request id travel in `data`.
 */
export function wardenCode(httpStatus: number): number {
  return -31000 - httpStatus;
}

/** The first revision whose requests carry `Mcp-Method` / `Mcp-Name` (checked against the body by the server). */
export const HEADERS_REVISION = '2026-07-28';

/**
 * Whether a protocol version mirrors its routing facts into headers that a
 * server checks against the body. Revisions are dates, so they compare as
 * strings; anything else (absent, malformed) is an older client.
 */
export function headersTrusted(protocolVersion: string | undefined): boolean {
  return protocolVersion !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(protocolVersion) && protocolVersion >= HEADERS_REVISION;
}

/**
 * The versions headersTrusted takes, as one RE2 pattern matched against the whole header value
 * (Envoy's `safe_regex`, Istio's `regex` header match): `warden istio render` routes such requests to a
 * route whose ext_authz check is sent without the body. A date from 2026-07-28 on, written out.
 */
export const HEADERS_REVISION_PATTERN = '2026-07-(2[89]|3[01])|2026-(0[89]|1[0-2])-[0-9]{2}|(202[7-9]|20[3-9][0-9])-[0-9]{2}-[0-9]{2}';

const SENTINEL = /^=\?base64\?([A-Za-z0-9+/]*={0,2})\?=$/;

/** An `Mcp-Name` / `Mcp-Param-*` value as sent: plain, or `=?base64?…?=` (UTF-8). Undefined when malformed. */
export function decodeHeaderValue(value: string): string | undefined {
  const m = SENTINEL.exec(value);
  if (!m) return value.startsWith('=?base64?') ? undefined : value;
  const text = Buffer.from(m[1], 'base64').toString('utf8');
  // Base64 that does not round-trip is not what a client encoded.
  return Buffer.from(text, 'utf8').toString('base64').replace(/=+$/, '') === m[1].replace(/=+$/, '') ? text : undefined;
}

/** Invisible or layout characters: control, format (zero-width, bidi), separators (any space), private use, unassigned. */
const HIDDEN = /[\p{Cc}\p{Cf}\p{Z}\p{Co}\p{Cn}]/u;

/**
 * Why a tool, prompt or resource name cannot be decided on, or undefined. Policy compares names
 * exactly (MCP names are case-sensitive), so a name that reads as another (a zero-width or bidi
 * character, a space, a padded name) or that Unicode compatibility normalization turns into
 * another (fullwidth letters, ligatures) would let a caller reach a tool a DENY rule names on a
 * server that trims or normalizes: such names are refused. A URI is checked for hidden
 * characters only (it may be percent-encoded, not normalized).
 */
export function nameProblem(name: string, uri = false): string | undefined {
  if (name.length === 0) return 'is empty';
  const hidden = HIDDEN.exec(name);
  if (hidden) return `contains U+${hidden[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} (a control, format, space or unassigned character) at ${hidden.index}`;
  if (!uri && name.normalize('NFKC') !== name) return `is not in Unicode normalization form NFKC (it would read as "${name.normalize('NFKC').slice(0, 64)}")`;
  return undefined;
}

export type JsonRpcId = string | number;

export interface JsonRpcErrorBody {
  jsonrpc: '2.0';
  id: JsonRpcId | null;
  error: { code: number; message: string; data?: Record<string, unknown> };
}

/** A WardenError as a JSON-RPC error response: `code` for the client, Warden's reason and request id in `data`. */
export function errorResponse(err: WardenError, id: JsonRpcId | undefined, code: number, requestId: string): JsonRpcErrorBody {
  const data: Record<string, unknown> = { reason: err.reason, requestId };
  const retry = err.headers['retry-after'];
  if (retry !== undefined) data.retryAfterSeconds = Number(retry);
  return { jsonrpc: '2.0', id: id ?? null, error: { code, message: err.message, data } };
}
