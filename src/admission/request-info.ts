// listen → RequestInfo: the request's facts in the shape every later stage
// (and the ext_authz server) uses, independent of node:http.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { RequestInfo } from '../types.js';

const REQUEST_ID = /^[\w.:@+=/-]{1,128}$/;

export function requestInfo(req: IncomingMessage): RequestInfo {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const headers: Record<string, string> = {};
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    const prev = headers[name];
    headers[name] = prev === undefined ? raw[i + 1] : `${prev}${name === 'cookie' ? '; ' : ', '}${raw[i + 1]}`;
  }
  const incomingId = headers['x-request-id'];
  const socket = req.socket;
  const tls = (socket as TLSSocket).encrypted ? tlsFacts(socket as TLSSocket) : undefined;
  return {
    id: incomingId && REQUEST_ID.test(incomingId) ? incomingId : randomUUID(),
    method: req.method ?? 'GET',
    path: q < 0 ? url : url.slice(0, q),
    query: q < 0 ? '' : url.slice(q + 1),
    host: (headers.host ?? '').toLowerCase(),
    headers,
    sourceIp: stripV4Mapped(socket.remoteAddress ?? ''),
    sourcePort: socket.remotePort,
    destinationIp: stripV4Mapped(socket.localAddress ?? ''),
    destinationPort: socket.localPort,
    tls,
  };
}

/** Per connection, not per request: a keep-alive connection has one peer certificate. */
const tlsByConnection = new WeakMap<TLSSocket, NonNullable<RequestInfo['tls']>>();

function tlsFacts(socket: TLSSocket): NonNullable<RequestInfo['tls']> {
  let facts = tlsByConnection.get(socket);
  if (!facts) {
    const authorized = socket.authorized;
    // URI SANs only from a certificate that verified against the trust bundle.
    const san = authorized ? socket.getPeerCertificate().subjectaltname : undefined;
    facts = {
      sni: (socket as TLSSocket & { servername?: string | false }).servername || undefined,
      authorized,
      peerUris: san ? uriSans(san) : undefined,
    };
    tlsByConnection.set(socket, facts);
  }
  return facts;
}

/** `subjectaltname` is `URI:spiffe://…, DNS:host`; values holding `,` or `"` are JSON-quoted by Node. */
function uriSans(san: string): string[] {
  const out: string[] = [];
  for (const m of san.matchAll(/(?:^|, )URI:("(?:[^"\\]|\\.)*"|[^,]*)/g)) {
    out.push(m[1].startsWith('"') ? (JSON.parse(m[1]) as string) : m[1]);
  }
  return out;
}

function stripV4Mapped(addr: string): string {
  return addr.startsWith('::ffff:') ? addr.slice(7) : addr;
}
