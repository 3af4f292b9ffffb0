// The proxy's request pipeline, front to back, once per request:
//   listen → identify → classify → authorize → guard(request) → credential → forward → guard(response) → record
// Each stage's result lands on the Exchange; only `record` reads it whole.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { toWardenError, WardenError } from '../errors.js';
import { guardRequest } from '../guardrails/request.js';
import type { Identifier } from '../identity/identify.js';
import type { Authorizer } from '../policy/evaluate.js';
import type { Credentials } from '../credentials/index.js';
import type { Provider, UsageObserver } from '../providers/index.js';
import type { Principal } from '../types.js';
import { readBody } from './body.js';
import { type Exchange } from './exchange.js';
import { forward } from './forward.js';
import { upstreamRequestHeaders } from './headers.js';
import { requestInfo } from './request-info.js';
import type { Recorder } from './record.js';
import type { Route } from './route.js';

export interface PipelineParts {
  matchRoute: (req: Exchange['req']) => Route | undefined;
  identifier: Identifier;
  authorizer: Authorizer;
  credentials: Credentials;
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

  const identity = await parts.identifier.identify(info);
  ex.principal = identity.principal;

  const body = await readBody(req, info.headers['content-type'], route.spec.maxBodyBytes);
  ex.requestBytes = body.buffer?.length;
  const target = route.provider.classify(info.method, info.path, info.query, body.json);
  ex.target = target;

  const decision = parts.authorizer.authorize({ req: info, principal: identity.principal, target });
  ex.decision = decision;
  if (decision.action === 'deny') {
    throw new WardenError('PERMISSION_DENIED', 'POLICY_DENIED', 'permission denied by policy');
  }

  guardRequest(target, body);

  let authorization: string | undefined;
  if (route.spec.credential) {
    ex.credential = route.spec.credential;
    authorization = await parts.credentials.authorization(route.spec.credential);
  }

  let observer: UsageObserver | undefined;
  const outcome = await forward(
    route.pool,
    {
      method: info.method,
      path: route.basePath + info.path + (info.query ? `?${info.query}` : ''),
      headers: upstreamRequestHeaders(info.headers, route.headerAllowList, info.id, authorization),
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
