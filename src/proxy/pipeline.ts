// The proxy's request pipeline, front to back, once per request:
//   listen → admit (identify → classify → authorize → guard → credential) → forward → guard(response) → record
// Each stage's result lands on the Exchange; only `record` reads it whole.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { toWardenError, WardenError } from '../errors.js';
import type { Provider, UsageObserver } from '../providers/index.js';
import type { Principal } from '../types.js';
import { admit, type AdmissionParts } from './admission.js';
import { readBody } from './body.js';
import type { Exchange } from './exchange.js';
import { forward } from './forward.js';
import { upstreamRequestHeaders } from './headers.js';
import { requestInfo } from './request-info.js';
import type { Recorder } from './record.js';
import type { Route } from './route.js';

export interface PipelineParts extends AdmissionParts {
  matchRoute: (req: Exchange['req']) => Route | undefined;
  recorder: Recorder;
  /** Renders errors for requests that matched no route. */
  fallbackProvider: Provider;
}

const ANONYMOUS: Principal = Object.freeze({ groups: [], methods: [] }) as Principal;

export function createHandler(parts: PipelineParts) {
  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const ex: Exchange = { req: requestInfo(req), started: performance.now(), principal: ANONYMOUS, status: 0 };
    try {
      await run(parts, ex, req, res);
    } catch (e) {
      ex.error = toWardenError(e);
      if (!res.headersSent && !res.destroyed) sendError(res, ex, ex.route?.provider ?? parts.fallbackProvider);
    } finally {
      ex.status = res.headersSent || res.destroyed ? res.statusCode : ex.status;
      parts.recorder.record(ex);
    }
  };
}

async function run(parts: PipelineParts, ex: Exchange, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const info = ex.req;
  const route = parts.matchRoute(info);
  if (!route) throw new WardenError('NOT_FOUND', 'NO_ROUTE', `no route for ${info.host}${info.path}`);
  ex.route = route;

  const body = await readBody(req, info.headers['content-type'], route.spec.maxBodyBytes);
  ex.requestBytes = body.buffer?.length;

  const admission = await admit(parts, ex, route, body);
  const target = ex.target!;

  let observer: UsageObserver | undefined;
  const outcome = await forward(
    route.pool,
    {
      method: info.method,
      path: route.basePath + info.path + (info.query ? `?${info.query}` : ''),
      headers: upstreamRequestHeaders(info.headers, route.headerAllowList, info.id, admission.authorization, admission.removeHeaders),
      body: body.buffer ?? body.stream ?? null,
      timeoutMs: route.timeoutMs,
      responseHeaders: { 'x-request-id': info.id },
    },
    res,
    {
      start(status, contentType) {
        // guard(response): usage is read only from successful answers.
        if (status < 400) observer = route.provider.usageObserver(target, contentType);
      },
      chunk(c) {
        observer?.push(c);
      },
    },
  );
  ex.upstream = outcome;
  if (outcome.error) throw outcome.error;
  ex.usage = observer?.result();
}

function sendError(res: ServerResponse, ex: Exchange, provider: Provider): void {
  const err = ex.error!;
  const out = provider.renderError(err, ex.req.id);
  ex.status = out.status;
  res.writeHead(out.status, { ...out.headers, 'x-request-id': ex.req.id, 'content-length': Buffer.byteLength(out.body) });
  res.end(out.body);
}
