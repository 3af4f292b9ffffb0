// The proxy's request pipeline, front to back, once per request:
//   listen → admit (identify → classify → authorize → guard → credential) → forward → answer (guard(response), usage, settlement) → record
// Each stage's result lands on the Exchange; only `record` reads it whole.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyCapture, keptText, sha256Hex } from '../audit/capture.js';
import { HTTP_STATUS, toWardenError, WardenError } from '../errors.js';
import type { Provider } from '../providers/index.js';
import { FACT_INSTANCES, FACT_JURISDICTION, FACT_RESOURCE, type Principal, type RequestInfo } from '../types.js';
import { jurisdictionOf } from '../providers/locations.js';
import { MOVE_ON_FROM, relocate, type UpstreamLocation } from '../admission/failover.js';
import { vertexResourceInBody } from '../providers/vertex.js';
import { METADATA_DECISION, METADATA_TARGET, metadataResponse, type MetadataAnswer } from '../mcp/resource-metadata.js';
import { shutdownError, type Flight } from '../drain.js';
import { admit, type AdmissionParts } from '../admission/admit.js';
import { BUFFER_LIMIT, discardBody, mayBeJson, readBody, releaseBody, type RequestBody } from '../admission/body.js';
import type { Exchange, ForwardOutcome } from '../admission/exchange.js';
import { forward, type ForwardRequest } from './forward.js';
import { AnswerStage, leavingBody, neverSent } from '../answer/answer.js';
import { upstreamRequestHeaders } from '../admission/headers.js';
import { requestInfo } from '../admission/request-info.js';
import { noRouteMessage, resolveRequestTarget } from '../admission/request-target.js';
import type { Recorder } from '../admission/record.js';
import type { Route } from '../admission/route.js';
import type { RequestTrace, Tracing } from '../telemetry/tracing.js';

export interface PipelineParts extends AdmissionParts {
  matchRoute: (req: Exchange['req']) => Route | undefined;
  recorder: Recorder;
  /** Present when OTLP export is configured. */
  tracing?: Tracing;
  /** Renders errors for requests that matched no route. */
  fallbackProvider: Provider;
  /** Documents Warden serves itself: MCP routes' OAuth Protected Resource Metadata. */
  metadata?: (req: RequestInfo) => MetadataAnswer | undefined;
}

const ANONYMOUS: Principal = Object.freeze({ groups: [], methods: [] }) as Principal;

export function createHandler(parts: PipelineParts) {
  /** `flight` is the gateway's mark for this request: set when shutdown cut it (drain.ts). */
  return async function handle(req: IncomingMessage, res: ServerResponse, flight?: Flight): Promise<void> {
    const ex: Exchange = { req: requestInfo(req), started: performance.now(), principal: ANONYMOUS, status: 0 };
    ex.trace = parts.tracing?.start(ex.req.method, ex.req.headers);
    let sendErrorBody: (() => void) | undefined;
    try {
      await run(parts, ex, req, res);
    } catch (e) {
      ex.error = toWardenError(e);
      ex.trace?.fail(ex.error.reason);
      if (!res.headersSent && !res.destroyed) sendErrorBody = sendError(res, ex, ex.route?.provider ?? parts.fallbackProvider);
    } finally {
      if (flight?.shutdown) {
        // Cut by Warden's shutdown: its reason, not CLIENT_CLOSED (the connection closed under the caller too).
        ex.error = shutdownError();
        ex.trace?.fail(ex.error.reason);
        // Counted as Warden's cut too, not as the caller going away.
        if (ex.upstream?.aborted) ex.upstream.aborted = 'shutdown';
        ex.status = res.headersSent ? res.statusCode : ex.error.httpStatus;
      }
      // A caller gone before its answer started was sent nothing: 499, not Node's default 200.
      else if (!res.headersSent && res.destroyed) ex.status = HTTP_STATUS.CANCELLED;
      else if (res.headersSent || ex.upstream?.release) ex.status = res.statusCode;
      // The caller gets the end of its answer only once the record is in the audit spool.
      parts.recorder.record(ex, sendErrorBody ?? ex.upstream?.release);
      discardBody(req);
    }
  };
}

async function run(parts: PipelineParts, ex: Exchange, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const info = ex.req;
  // Route, classify, policy and the upstream all see one authority and one path.
  // A route's rewrite then changes only its prefix, for classify and the upstream.
  resolveRequestTarget(info, parts.requestTarget);
  const metadata = parts.metadata?.(info);
  if (metadata) return sendMetadata(ex, res, metadata, parts.matchRoute);
  const route = parts.matchRoute(info);
  if (!route) throw new WardenError('NOT_FOUND', 'NO_ROUTE', noRouteMessage(info.host, info.path));
  ex.route = route;
  if (!parts.recorder.accepting) {
    throw new WardenError('UNAVAILABLE', 'AUDIT_UNAVAILABLE', 'the audit trail cannot take records (sink down and spool full, or the spool cannot be written)');
  }

  const body = await readBody(req, info.headers['content-type'], route.spec.maxBodyBytes, bufferLimit(parts, route, info), parts.buffers);
  try {
    await admitAndForward(parts, ex, res, route, body);
  } finally {
    // Once forwarded (or refused), the body no longer counts against maxBufferedBytes.
    releaseBody(body, parts.buffers);
  }
}

async function admitAndForward(parts: PipelineParts, ex: Exchange, res: ServerResponse, route: Route, body: RequestBody): Promise<void> {
  const info = ex.req;
  ex.requestBytes = body.buffer?.length;
  if (body.buffer) ex.requestSha256 = sha256Hex(body.buffer);

  const admission = await admit(parts, ex, route, body);
  const target = ex.target!;
  const leaving = leavingBody(route, target, body, admission);
  ex.prompt = keptText(admission.body ?? body.buffer, route.spec.storePrompts);
  const answer = new AnswerStage(ex, route, admission, leaving.askedForUsage, parts.mcp);
  const headers = upstreamRequestHeaders(info.headers, route.headerAllowList, info.id, admission.credentialHeader, admission.removeHeaders, admission.addHeaders, route.headerAllowPrefixes);
  ex.trace?.stage('forward');
  ex.trace?.inject(headers);
  const request = (path: string) => ({
    method: info.method,
    path: path + withQuery(admission.query ?? info.query),
    headers,
    body: leaving.body ?? body.buffer ?? body.stream ?? null,
    timeoutMs: route.timeoutMs,
    responseHeaders: { 'x-request-id': info.id, ...admission.quota?.headers },
    holdEnd: true,
  });
  const plan = route.failover?.plan(target, body.stream === undefined, (location) => mayUse(parts, ex, route, location));
  const outcome = plan
    ? await forwardWithFailover(route, plan, ex, request, res, answer)
    : await forward(route.pool, request(route.basePath + route.upstreamPath(info.path)), res, answer);
  // A body that streamed on: its size and digest, once all of it went upstream.
  if (body.streamed?.sha256) {
    ex.requestBytes = body.streamed.bytes;
    ex.requestSha256 = body.streamed.sha256;
  }
  if (ex.trace) annotateForward(ex.trace, route, outcome.upstreamStatus);
  await answer.finish(outcome);
}

/**
 * Failover (admission/failover.ts: the route keeps its locations' pools and circuits, as it keeps its upstream pool): each location in turn, moving on from 429, 503 or no connection
 * while the retry budget has room; the last one tried answers the caller whatever it says.
 */
async function forwardWithFailover(
  route: Route, plan: UpstreamLocation[], ex: Exchange, request: (path: string) => ForwardRequest, res: ServerResponse, answer: AnswerStage,
): Promise<ForwardOutcome> {
  const failover = route.failover!;
  const tries: { location: string; result: 'answered' | 'moved_on' | 'unreachable' }[] = [];
  for (let i = 0; ; i++) {
    const at = plan[i]!;
    const mayMove = i < plan.length - 1 && failover.mayRetry();
    const outcome = await forward(at.pool, { ...request(at.basePath + relocate(route.upstreamPath(ex.req.path), ex.target!.location, at.location)), moveOnFrom: mayMove ? MOVE_ON_FROM : undefined }, res, answer);
    const unreachable = outcome.error !== undefined && neverSent(outcome.error);
    const failed = unreachable || outcome.movedOn !== undefined || MOVE_ON_FROM.has(outcome.upstreamStatus ?? 0);
    failover.report(at.location, !failed);
    tries.push({ location: at.location, result: outcome.movedOn !== undefined ? 'moved_on' : unreachable ? 'unreachable' : 'answered' });
    if (mayMove && (outcome.movedOn !== undefined || unreachable)) {
      failover.retried();
      continue;
    }
    ex.failover = { location: at.location, attempts: i + 1, tries };
    return outcome;
  }
}

/** Whether the caller may have its call served in `location`: policy as if it had asked for it, and a jurisdiction Warden knows when policy reads it. */
function mayUse(parts: PipelineParts, ex: Exchange, route: Route, location: string): boolean {
  if (route.needs & FACT_JURISDICTION && jurisdictionOf(location) === undefined) return false;
  const target = { ...ex.target!, location };
  return parts.authorizer.authorize({ req: ex.req, principal: ex.principal, target, route: route.spec.name }).action === 'allow';
}

/**
 * How much of the body is read whole before admission. A JSON body that names the model is read
 * whole, up to the route's maxBodyBytes: policy on request.model (or request.stream) cannot decide
 * without it, and nothing may leave before it has; so is one whose inputs a quota counts. Otherwise 1 MiB, or with guardrails
 * guardrails.maxScanBytes, so that the body can be scanned; larger ones stream on.
 */
function bufferLimit(parts: PipelineParts, route: Route, info: Exchange['req']): number {
  if (mayBeJson(info.headers['content-type'])) {
    const path = route.upstreamPath(info.path);
    if (route.provider.modelInBody(info.method, path)) return route.spec.maxBodyBytes;
    // A quota counting inputs needs them all: such a call's body is read whole too.
    if (route.needs & FACT_INSTANCES && route.provider.instancesInBody(info.method, path)) return route.spec.maxBodyBytes;
    // So is a generation's on a route that tracks owners: it may name a context cache, someone else's.
    if (route.needs & FACT_RESOURCE && vertexResourceInBody(info.method, path)) return route.spec.maxBodyBytes;
  }
  return parts.guardrails?.bufferLimit(route.spec) ?? BUFFER_LIMIT;
}

/**
 * The forward span's upstream answer. As OpenTelemetry's HTTP conventions have it for client spans,
 * a 4xx or 5xx answer is an error, its status code the error.type.
 */
function annotateForward(trace: RequestTrace, route: Route, status: number | undefined): void {
  if (status === undefined) return trace.annotate(route.server);
  const failed = status >= 400;
  trace.annotate({ ...route.server, 'http.response.status_code': status, ...(failed ? { 'error.type': String(status) } : {}) });
  if (failed) trace.fail(String(status));
}

/** A document Warden serves itself (an MCP route's resource metadata): recorded against its route, never forwarded. */
function sendMetadata(ex: Exchange, res: ServerResponse, m: MetadataAnswer, matchRoute: PipelineParts['matchRoute']): void {
  ex.route = matchRoute({ ...ex.req, path: m.route.match.pathPrefix ?? '/' });
  ex.target = METADATA_TARGET;
  ex.decision = METADATA_DECISION;
  const { body, headers } = metadataResponse(m, ex.req.method, ex.req.id);
  ex.response = new BodyCapture(false);
  ex.response.push(body);
  res.writeHead(m.status, headers);
  res.end(body);
}

function withQuery(query: string): string {
  return query ? `?${query}` : '';
}

/** Sets the error response's status and headers; the returned function sends its body (after `record`). */
function sendError(res: ServerResponse, ex: Exchange, provider: Provider): () => void {
  const err = ex.error!;
  const out = provider.renderError(err, ex.req.id, { req: ex.req, principal: ex.principal, target: ex.target, route: ex.route?.spec });
  ex.status = out.status;
  const body = Buffer.from(out.body);
  ex.response = new BodyCapture(false);
  ex.response.push(body);
  // Object.assign, not `{ ...a, more }`: see makeTarget (providers/target.ts).
  res.writeHead(out.status, Object.assign({}, out.headers, { 'x-request-id': ex.req.id, 'content-length': body.length }));
  return () => res.end(body);
}
