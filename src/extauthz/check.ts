// One ext_authz check, whichever protocol asked: pick the route, run the
// shared admission stages (identify → classify → authorize → guard →
// credential) within the check deadline, record the exchange, and return a
// verdict the gRPC and HTTP servers each turn into their own answer.
import { keptText, sha256Hex } from '../audit/capture.js';
import { toWardenError, WardenError } from '../errors.js';
import type { RenderedError } from '../providers/errors.js';
import type { Provider } from '../providers/index.js';
import { admit, type Admission, type AdmissionParts } from '../admission/admit.js';
import { withDeadline } from '../admission/deadline.js';
import type { Exchange } from '../admission/exchange.js';
import type { Recorder } from '../admission/record.js';
import { noRouteMessage, resolveRequestTarget } from '../admission/request-target.js';
import type { Route } from '../admission/route.js';
import { METADATA_DECISION, METADATA_TARGET, metadataResponse, type MetadataAnswer } from '../mcp/resource-metadata.js';
import type { Tracing } from '../telemetry/tracing.js';
import type { Principal, RequestInfo } from '../types.js';
import type { CheckInput } from './check-request.js';

export interface CheckerParts extends AdmissionParts {
  routes: Route[];
  matchRoute: (req: RequestInfo) => Route | undefined;
  recorder: Recorder;
  /** Present when OTLP export is configured: a span per check, as for a proxied request. */
  tracing?: Tracing;
  /** Renders errors for checks that matched no route. */
  fallbackProvider: Provider;
  /** A check that takes longer is refused, so that Warden, not Envoy's timeout, says why. */
  timeoutMs: number;
  /** Documents Warden serves itself: MCP routes' OAuth Protected Resource Metadata. */
  metadata?: (req: RequestInfo) => MetadataAnswer | undefined;
}

/** What Envoy's access log and later filters see of the decision. Never a secret. */
export interface CheckMetadata {
  requestId: string;
  decision: 'allow' | 'deny';
  principal?: string;
  sourcePrincipal?: string;
  policy?: string;
  reason: string;
  route?: string;
  model?: string;
  operation?: string;
}

export type Verdict =
  | {
      allowed: true;
      metadata: CheckMetadata;
      /** Set (overwriting) on the upstream request: Warden's credential and the identity headers the route asks for. */
      upstreamHeaders: Record<string, string>;
      /** The caller's own credentials, removed from the upstream request. */
      removeHeaders: string[];
      /** Query parameters that carried a consumed token, removed from the upstream request. */
      removeQueryParameters: string[];
    }
  | { allowed: false; metadata: CheckMetadata; error: WardenError; response: RenderedError };

const CHECK_SPAN = { 'warden.ext_authz': true };
/** The gRPC status of a check Envoy must answer itself with Warden's document: any but OK makes it send the denied response. */
const SERVED = new WardenError('PERMISSION_DENIED', 'ANSWERED_BY_WARDEN', 'a document Warden serves itself');
const ANONYMOUS: Principal = Object.freeze({ groups: [], methods: [] }) as Principal;

export class Checker {
  private readonly byName: Map<string, Route>;

  constructor(private readonly parts: CheckerParts) {
    this.byName = new Map(parts.routes.map((r) => [r.spec.name, r]));
  }

  /**
   * @param opts.budgetMs the caller's own deadline, when it sent one (gRPC)
   * @param opts.removesQuery whether the protocol can remove query parameters upstream (gRPC yes, HTTP no)
   * @param opts.okAllows the protocol takes any 2xx answer for an allow (HTTP: Envoy's ext_authz forwards
   *   the request on 200), so a refusal must not be one, and no document can be answered
   */
  async check(input: CheckInput, opts: { budgetMs?: number; removesQuery: boolean; okAllows?: boolean }): Promise<Verdict> {
    // Size and digest of the body only when Envoy sent all of it: a partial body's are not the request's.
    const whole = input.body.partial ? undefined : input.body.buffer;
    const ex: Exchange = {
      req: input.req,
      started: performance.now(),
      principal: ANONYMOUS,
      status: 0,
      requestBytes: whole?.length,
      requestSha256: whole && sha256Hex(whole),
    };
    ex.trace = this.parts.tracing?.start(ex.req.method, ex.req.headers, CHECK_SPAN);
    try {
      // Normalized here as in the proxy: classify and policy see the path Istio's policies would.
      resolveRequestTarget(input.req, this.parts.requestTarget);
      const served = opts.okAllows ? undefined : this.parts.metadata?.(input.req);
      if (served) return this.serve(ex, served);
      const route = this.route(input);
      ex.route = route;
      if (input.problem) throw input.problem;
      if (!this.parts.recorder.accepting) {
        throw new WardenError('UNAVAILABLE', 'AUDIT_UNAVAILABLE', 'the audit trail cannot take records (sink down and spool full, or the spool cannot be written)');
      }
      // A check never sees the answer: an MCP session is bound to the first caller that presents it.
      const admission = await withDeadline(admit(this.parts, ex, route, input.body, 'check'), Math.min(this.parts.timeoutMs, opts.budgetMs ?? Infinity), checkTimeout);
      if (admission.guard) ex.findings = admission.guard.findings.list;
      ex.prompt = keptText(whole, route.spec.storePrompts);
      const changes = upstreamChanges(input.req, admission);
      const refusal = unenforceable(admission, changes, opts.removesQuery);
      // The answer never passes through Warden: the prompt estimate stands as the charge.
      admission.quota?.settle(undefined, !refusal);
      if (refusal) throw refusal;
      ex.status = 200;
      return { allowed: true, metadata: metadataOf(ex), ...changes };
    } catch (e) {
      const error = toWardenError(e);
      ex.error = error;
      ex.trace?.fail(error.reason);
      let response = (ex.route?.provider ?? this.parts.fallbackProvider).renderError(error, ex.req.id, { req: ex.req, principal: ex.principal, target: ex.target, route: ex.route?.spec });
      // An MCP call's refusal goes as HTTP 200 with the JSON-RPC error for its id (its SDK rejects that call);
      // where 200 means allow, it keeps the refusal's own status, with the same body: never forwarded.
      if (opts.okAllows && response.status < 300) response = { ...response, status: error.httpStatus >= 300 ? error.httpStatus : 403 };
      ex.status = response.status;
      return { allowed: false, metadata: metadataOf(ex), error, response };
    } finally {
      this.parts.recorder.record(ex);
    }
  }

  /**
   * An MCP route's Protected Resource Metadata, answered by Envoy for Warden: the check's denied
   * response is the document, with its status (200), so that an MCP client signs in through Envoy.
   * Recorded against its route as the proxy records it; the access log's decision is allow.
   */
  private serve(ex: Exchange, m: MetadataAnswer): Verdict {
    ex.route = this.parts.matchRoute({ ...ex.req, path: m.route.match.pathPrefix ?? '/' });
    ex.target = METADATA_TARGET;
    ex.decision = METADATA_DECISION;
    ex.status = m.status;
    const { body, headers } = metadataResponse(m, ex.req.method, ex.req.id);
    // Envoy sets the length of the body it sends.
    delete headers['content-length'];
    return { allowed: false, metadata: metadataOf(ex), error: SERVED, response: { status: m.status, headers, body: body.toString('utf8') } };
  }

  private route(input: CheckInput): Route {
    const { req, routeName } = input;
    if (routeName !== undefined) {
      const named = this.byName.get(routeName);
      if (!named) throw new WardenError('NOT_FOUND', 'NO_ROUTE', `no route named "${routeName}" (context_extensions.route)`);
      return named;
    }
    const matched = this.parts.matchRoute(req);
    if (!matched) throw new WardenError('NOT_FOUND', 'NO_ROUTE', noRouteMessage(req.host, req.path));
    return matched;
  }
}

/**
 * Envoy applies `headers_to_remove` after the headers it sets, so a header
 * Warden sets (its own credential) must not also be listed for removal.
 */
type UpstreamChanges = Omit<Extract<Verdict, { allowed: true }>, 'allowed' | 'metadata'>;

function upstreamChanges(req: RequestInfo, admission: Admission): UpstreamChanges {
  const upstreamHeaders: Record<string, string> = {};
  for (const name in admission.addHeaders) upstreamHeaders[name.toLowerCase()] = admission.addHeaders[name];
  if (admission.credentialHeader) upstreamHeaders[admission.credentialHeader.name.toLowerCase()] = admission.credentialHeader.value;
  const removeHeaders = admission.removeHeaders.filter((h) => !(h in upstreamHeaders));
  return { upstreamHeaders, removeHeaders, removeQueryParameters: removedParams(req.query, admission.query) };
}

/**
 * What admission asks of the upstream request that Envoy cannot do on
 * Warden's word. Such a request is refused rather than let through unchanged.
 */
function unenforceable(admission: Admission, changes: UpstreamChanges, removesQuery: boolean): WardenError | undefined {
  if (admission.body) {
    return new WardenError('PERMISSION_DENIED', 'GUARDRAIL_BLOCKED', 'guardrails would redact this request body, which ext_authz cannot do');
  }
  if (!removesQuery && changes.removeQueryParameters.length) {
    return new WardenError('INVALID_ARGUMENT', 'TOKEN_IN_QUERY',
      `send the token in a header: HTTP ext_authz cannot remove the query parameter ${changes.removeQueryParameters.join(', ')}`);
  }
  return undefined;
}

/** Names in `before` that `after` (identify's query without a consumed token) no longer has. */
function removedParams(before: string, after: string | undefined): string[] {
  if (after === undefined || after === before) return [];
  const kept = new Set(new URLSearchParams(after).keys());
  return [...new Set([...new URLSearchParams(before).keys()].filter((k) => !kept.has(k)))];
}

function metadataOf(ex: Exchange): CheckMetadata {
  const allowed = !ex.error;
  const m: CheckMetadata = {
    requestId: ex.req.id,
    decision: allowed ? 'allow' : 'deny',
    reason: ex.error ? ex.error.reason : (ex.decision?.reason ?? ''),
  };
  if (ex.principal.requestPrincipal) m.principal = ex.principal.requestPrincipal;
  if (ex.principal.sourcePrincipal) m.sourcePrincipal = ex.principal.sourcePrincipal;
  if (ex.decision?.policy) m.policy = ex.decision.policy;
  if (ex.route) m.route = ex.route.spec.name;
  const model = ex.target?.model ?? ex.target?.endpoint;
  if (model) m.model = model;
  if (ex.target) m.operation = ex.target.operation;
  return m;
}

function checkTimeout(ms: number): WardenError {
  return new WardenError('UNAVAILABLE', 'CHECK_TIMEOUT', `the check did not finish within ${Math.round(ms)} ms`);
}
