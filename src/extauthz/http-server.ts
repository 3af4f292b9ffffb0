// The raw HTTP ext_authz mode (Istio's `envoyExtAuthzHttp`): Envoy sends the
// original method, `pathPrefix` + the original path, the headers it is told
// to include and, optionally, the body. 200 allows, and the headers listed in
// `headersToUpstreamOnAllow` are set on the upstream request; Envoy also reads
// `x-envoy-auth-headers-to-remove`. Any other status denies, and Envoy sends
// that status, the `headersToDownstreamOnDeny` and the body to the caller.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toWardenError } from '../errors.js';
import { hostPort, listenOn } from '../listen.js';
import { BUFFER_LIMIT, readBody, releaseBody } from '../admission/body.js';
import type { BufferBudget } from '../admission/buffer-budget.js';
import { requestInfo } from '../admission/request-info.js';
import type { Checker } from './check.js';
import type { CheckInput } from './check-request.js';

export interface RunningHttpServer {
  url: string;
  port: number;
  /** Stop taking connections; checks in flight finish. */
  stopAccepting(): void;
  close(): Promise<void>;
}

/** The response header Envoy's HTTP ext_authz client reads as "remove these from the upstream request". */
export const HEADERS_TO_REMOVE = 'x-envoy-auth-headers-to-remove';

export async function startHttpServer(checker: Pick<Checker, 'check'>, host: string, port: number, pathPrefix: string, buffers?: BufferBudget): Promise<RunningHttpServer> {
  const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    handle(checker, pathPrefix, req, res, buffers).catch((e) => {
      // check() answers every refusal itself; reaching here is a bug. 500 denies.
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`internal error: ${(e as Error).message}\n`);
    });
  });
  await listenOn(server, host, port, 'spec.extAuthz.http.port');
  const a = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  const stopAccepting = () => {
    closed ??= new Promise((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    return closed;
  };
  return {
    url: `http://${hostPort(a.address, a.port)}`,
    port: a.port,
    stopAccepting: () => void stopAccepting(),
    close: () => {
      const done = stopAccepting();
      server.closeAllConnections();
      return done;
    },
  };
}

async function handle(checker: Pick<Checker, 'check'>, pathPrefix: string, req: IncomingMessage, res: ServerResponse, buffers: BufferBudget | undefined): Promise<void> {
  const input = await checkInput(req, pathPrefix, buffers);
  let verdict;
  try {
    verdict = await checker.check(input, { removesQuery: false, okAllows: true });
  } finally {
    releaseBody(input.body, buffers);
  }
  if (verdict.allowed) {
    // Object.assign, not `{ ...a, more }`: see makeTarget (providers/target.ts).
    const headers: Record<string, string | number> = Object.assign({}, verdict.upstreamHeaders);
    if (verdict.removeHeaders.length) headers[HEADERS_TO_REMOVE] = verdict.removeHeaders.join(',');
    headers['content-length'] = 0;
    res.writeHead(200, headers);
    res.end();
    return;
  }
  const out = verdict.response;
  res.writeHead(out.status, Object.assign({}, out.headers, { 'x-request-id': verdict.metadata.requestId, 'content-length': Buffer.byteLength(out.body) }));
  res.end(out.body);
}

async function checkInput(req: IncomingMessage, pathPrefix: string, buffers: BufferBudget | undefined): Promise<CheckInput> {
  const info = requestInfo(req);
  if (pathPrefix && info.path.startsWith(pathPrefix)) info.path = info.path.slice(pathPrefix.length) || '/';
  // The peer is Envoy, not the caller, and the check carries no verified peer: any XFCC here may be
  // one the caller wrote (Envoy forwards it unless told to sanitize it), so none is believed.
  info.sourceUnknown = true;
  try {
    const body = await readBody(req, info.headers['content-type'], BUFFER_LIMIT, BUFFER_LIMIT, buffers);
    // Envoy marks a body it cut at `maxRequestBytes` (it sets this header
    // itself); half a JSON document says nothing reliable: pass bytes only.
    const partial = info.headers['x-envoy-auth-partial-body'] === 'true';
    return { req: info, body: partial ? { buffer: body.buffer, partial: true, held: body.held } : body };
  } catch (e) {
    return { req: info, body: {}, problem: toWardenError(e) };
  }
}
