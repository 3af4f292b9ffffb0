// CheckRequest → the facts every stage reads: a RequestInfo shaped exactly
// like the proxy's, the body when Envoy sent it, and the route Istio asked
// for in `context_extensions`. Envoy has already terminated the caller's
// connection: the peer's SPIFFE ID it verified is passed on as a verified
// peer certificate URI, which is how the identify stage reads mTLS.
import { randomUUID } from 'node:crypto';
import type { WardenError } from '../errors.js';
import { bufferedBody, type RequestBody } from '../admission/body.js';
import type { RequestInfo } from '../types.js';
import type { CheckRequest, HttpRequestAttributes } from './proto.js';

export interface CheckInput {
  req: RequestInfo;
  body: RequestBody;
  /** `context_extensions.route`: the Warden route to use, by name. */
  routeName?: string;
  /** Why the request could not be read (e.g. a body over the limit): the check refuses it. */
  problem?: WardenError;
}

const REQUEST_ID = /^[\w.:@+=/-]{1,128}$/;

export function fromCheckRequest(check: CheckRequest): CheckInput {
  const attrs = check.attributes ?? {};
  const http = attrs.request?.http ?? {};
  const headers = headersOf(http);
  const url = http.path || headers[':path'] || '/';
  const q = url.indexOf('?');
  const incomingId = headers['x-request-id'] || http.id;
  const principal = attrs.source?.principal;
  const source = attrs.source?.address?.socketAddress;
  const destination = attrs.destination?.address?.socketAddress;
  const req: RequestInfo = {
    id: incomingId && REQUEST_ID.test(incomingId) ? incomingId : randomUUID(),
    method: http.method || headers[':method'] || 'GET',
    path: q < 0 ? url : url.slice(0, q),
    query: q < 0 ? '' : url.slice(q + 1),
    host: (http.host || headers[':authority'] || headers.host || '').toLowerCase(),
    headers,
    sourceIp: source?.address ?? '',
    sourcePort: source?.portValue,
    destinationIp: destination?.address,
    destinationPort: destination?.portValue,
    tls: principal ? { sni: attrs.tlsSession?.sni || undefined, peerUris: [principal], authorized: true } : undefined,
  };
  return { req, body: bodyOf(http, headers), routeName: attrs.contextExtensions?.route };
}

/** Envoy sends lower-case names already; `header_map` is the raw-headers encoding of the same. */
function headersOf(http: HttpRequestAttributes): Record<string, string> {
  const out: Record<string, string> = {};
  if (http.headers) {
    for (const name in http.headers) out[name.toLowerCase()] = http.headers[name];
  }
  for (const h of http.headerMap?.headers ?? []) {
    const name = h.key.toLowerCase();
    const value = h.value || h.rawValue?.toString('utf8') || '';
    const prev = out[name];
    out[name] = prev === undefined ? value : `${prev}${name === 'cookie' ? '; ' : ', '}${value}`;
  }
  return out;
}

/**
 * The body as Envoy sent it (`with_request_body`), as bytes or text. A body
 * Envoy cut short (shorter than the request's declared size, or marked
 * `x-envoy-auth-partial-body: true`) is passed on as bytes only, marked
 * partial: half a JSON document says nothing reliable about the request. So is
 * no body at all for a request that has one (Envoy not asked to send it).
 */
function bodyOf(http: HttpRequestAttributes, headers: Record<string, string>): RequestBody {
  const bytes = http.rawBody?.length ? http.rawBody : http.body ? Buffer.from(http.body, 'utf8') : undefined;
  const declared = Math.max(Number(http.size ?? -1), Number(headers['content-length'] ?? -1));
  if (!bytes) return declared > 0 || headers['transfer-encoding'] !== undefined ? { partial: true } : {};
  if (declared > bytes.length || headers['x-envoy-auth-partial-body'] === 'true') return { buffer: bytes, partial: true };
  return bufferedBody(bytes, headers['content-type']);
}
