// Envoy's request headers message → the RequestInfo every stage reads,
// shaped exactly like the proxy's and ext_authz's. Envoy has terminated the
// caller's connection: what it knows of that connection comes as the filter's
// `request_attributes` (source and destination address; the peer
// certificate's URI SAN, Istio's SPIFFE ID, when the connection was mTLS).
import { randomUUID } from 'node:crypto';
import type { RequestInfo } from '../types.js';
import type { HeaderValue, ProcessingRequest, Struct, StructValue } from './proto.js';

/** The filter's name: Envoy puts the attributes (and takes dynamic metadata) under it. */
export const FILTER_NAME = 'envoy.filters.http.ext_proc';

/** What `warden istio render` asks Envoy for (`request_attributes`), read here. */
export const REQUEST_ATTRIBUTES = [
  'source.address',
  'source.port',
  'destination.address',
  'destination.port',
  'connection.uri_san_peer_certificate',
  'connection.requested_server_name',
] as const;

const REQUEST_ID = /^[\w.:@+=/-]{1,128}$/;

/** Header values: Envoy sends bytes (`raw_value`); `value` when a client sets it instead. */
export function headersOf(list: HeaderValue[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of list ?? []) {
    const name = h.key.toLowerCase();
    const value = h.rawValue?.length ? h.rawValue.toString('latin1') : (h.value ?? '');
    const prev = out[name];
    out[name] = prev === undefined ? value : `${prev}${name === 'cookie' ? '; ' : ', '}${value}`;
  }
  return out;
}

export function requestInfoOf(m: ProcessingRequest): RequestInfo {
  const headers = headersOf(m.requestHeaders?.headers?.headers);
  const attrs = attributesOf(m.attributes?.[FILTER_NAME]);
  const url = headers[':path'] || '/';
  const q = url.indexOf('?');
  const incomingId = headers['x-request-id'];
  const source = address(attrs['source.address']);
  const destination = address(attrs['destination.address']);
  const peerUri = str(attrs['connection.uri_san_peer_certificate']);
  return {
    id: incomingId && REQUEST_ID.test(incomingId) ? incomingId : randomUUID(),
    method: headers[':method'] || 'GET',
    path: q < 0 ? url : url.slice(0, q),
    query: q < 0 ? '' : url.slice(q + 1),
    host: (headers[':authority'] || headers.host || '').toLowerCase(),
    headers,
    sourceIp: source.ip,
    sourcePort: num(attrs['source.port']) ?? source.port,
    destinationIp: destination.ip || undefined,
    destinationPort: num(attrs['destination.port']) ?? destination.port,
    // Envoy reports a peer certificate's SAN only for a connection whose certificate it verified.
    tls: peerUri ? { sni: str(attrs['connection.requested_server_name']), peerUris: [peerUri], authorized: true } : undefined,
  };
}

function attributesOf(s: Struct | undefined): Record<string, StructValue> {
  return s?.fields ?? {};
}

function str(v: StructValue | undefined): string | undefined {
  return v?.stringValue || undefined;
}

function num(v: StructValue | undefined): number | undefined {
  return typeof v?.numberValue === 'number' ? v.numberValue : undefined;
}

/** `1.2.3.4:5678` or `[::1]:5678` → address and port. */
function address(v: StructValue | undefined): { ip: string; port?: number } {
  const s = str(v);
  if (!s) return { ip: '' };
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(s);
  if (!m) return { ip: s };
  const ip = m[1]!.startsWith('::ffff:') ? m[1]!.slice(7) : m[1]!;
  return { ip, port: Number(m[2]) };
}
