// Which headers cross the gateway. Requests: an allow-list, so the caller's
// credentials (Authorization, x-goog-api-key, cookies, any token header) can
// never reach the upstream by accident. Responses: everything but hop-by-hop.
import type { IncomingHttpHeaders } from 'node:http';

const REQUEST_ALLOW = [
  'accept',
  'content-type',
  'content-encoding',
  'user-agent',
  'traceparent',
  'tracestate',
  'x-goog-api-client',
  'x-goog-user-project',
  'x-goog-request-params',
  'x-server-timeout',
  'openai-beta',
];

/**
 * MCP's Streamable HTTP headers: the session, the protocol version, the 2026-07-28 request
 * metadata, and the SSE resumption point. `Mcp-Param-{name}` headers (a tool's mirrored
 * arguments) pass by prefix.
 */
export const MCP_HEADERS = ['mcp-session-id', 'mcp-protocol-version', 'mcp-method', 'mcp-name', 'last-event-id'];
export const MCP_HEADER_PREFIXES = ['mcp-param-'];

/** Hop-by-hop headers (RFC 9110 §7.6.1) plus framing that the proxy sets itself. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

export function requestHeaderAllowList(extra: readonly string[]): ReadonlySet<string> {
  return new Set([...REQUEST_ALLOW, ...extra.map((h) => h.toLowerCase())]);
}

export function upstreamRequestHeaders(
  incoming: Record<string, string>,
  allow: ReadonlySet<string>,
  requestId: string,
  credential: { name: string; value: string } | undefined,
  remove: readonly string[],
  add: Readonly<Record<string, string>> = {},
  allowPrefixes: readonly string[] = [],
): Record<string, string> {
  const out: Record<string, string> = {};
  // Headers named in `Connection` are hop-by-hop for this request too.
  const connection = incoming.connection?.toLowerCase().split(/\s*,\s*/);
  for (const name in incoming) {
    if (allowedHeader(name, allow, allowPrefixes) && !connection?.includes(name) && !remove.includes(name)) out[name] = incoming[name];
  }
  Object.assign(out, add);
  out['x-request-id'] = requestId;
  if (credential) out[credential.name] = credential.value;
  return out;
}

/** Whether a request header is on the route's allow-list (by name, or by prefix: MCP's `Mcp-Param-*`). */
export function allowedHeader(name: string, allow: ReadonlySet<string>, allowPrefixes: readonly string[]): boolean {
  return allow.has(name) || (allowPrefixes.length > 0 && allowPrefixes.some((p) => name.startsWith(p)));
}

export function downstreamResponseHeaders(upstream: IncomingHttpHeaders | Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const connection = String(upstream.connection ?? '').toLowerCase().split(/\s*,\s*/);
  for (const name in upstream) {
    const v = upstream[name];
    if (v === undefined || HOP_BY_HOP.has(name) || connection.includes(name)) continue;
    out[name] = v;
  }
  return out;
}
