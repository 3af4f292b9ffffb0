// Admission: the stages every request passes before it may leave, whichever
// front door it came through (the proxy listener, Envoy's ext_authz, ext_proc):
//   identify → classify → authorize → guard(request) → credential
// Each stage's result lands on the Exchange. The outcome says what the
// upstream request must carry; a refusal is thrown as a WardenError.
import { durationMs } from '../config/schema.js';
import { WardenError } from '../errors.js';
import { guardRequest, readableBody, wrappedHttpBody } from '../guardrails/request.js';
import type { Guardrails, GuardSession } from '../guardrails/guard.js';
import { estimatePromptTokens, outputReserve } from '../limits/estimate.js';
import type { Limits, QuotaTicket } from '../limits/limits.js';
import type { Ownership, OwnershipTicket } from '../ownership/ownership.js';
import type { Credentials, UpstreamHeader } from '../credentials/index.js';
import type { Identifier } from '../identity/identify.js';
import type { Authorizer } from '../policy/evaluate.js';
import { hostLocation } from '../providers/locations.js';
import type { McpGate } from '../mcp/gate.js';
import { FACT_JURISDICTION, FACT_LOCATION, type Principal, type Target } from '../types.js';
import type { RequestBody } from './body.js';
import { missingFacts } from './facts.js';
import type { BufferBudget } from './buffer-budget.js';
import type { Exchange } from './exchange.js';
import type { RequestTargetSettings } from './request-target.js';
import type { Route } from './route.js';

export interface AdmissionParts {
  /** How the request target is read and its path normalized, before route matching (resolveRequestTarget). */
  requestTarget: RequestTargetSettings;
  identifier: Identifier;
  authorizer: Authorizer;
  credentials: Credentials;
  /** Detectors and actions (spec.guardrails); absent: nothing is scanned. */
  guardrails?: Guardrails;
  /** Quotas (spec.limits); absent: none. */
  limits?: Limits;
  /** Owners of interactions, context caches, batch jobs (spec.ownership); absent: not tracked. */
  ownership?: Ownership;
  /** MCP routes' sessions and audience checks; present when a route has provider mcp. */
  mcp?: McpGate;
  /** The bound on request-body bytes in memory across requests in flight (spec.limits.maxBufferedBytes). */
  buffers?: BufferBudget;
  /**
   * The request goes to the host it names, not to the route's upstream: Envoy routes by
   * `:authority` (ext_authz, ext_proc). Only then does that host tell a call's location; on the
   * proxy it is whatever the caller wrote.
   */
  forwardsByHost?: boolean;
  /** The front door cannot change the request body (ext_authz): Model Armor screens prompts by its API, never inline. */
  fixedBody?: boolean;
}

export interface Admission {
  /** Warden's own upstream credential (`authorization`, or an API-key header), when the route maps one. */
  credentialHeader?: UpstreamHeader;
  /** Request headers that carried the caller's credentials; never forwarded. */
  removeHeaders: string[];
  /** Identity headers for the upstream: the jwtRule's outputs and the route's Warden identity token. */
  addHeaders: Record<string, string>;
  /** The query to forward when identify consumed a token parameter. */
  query?: string;
  /** The request body to forward instead of the caller's, when guard(request) redacted it. */
  body?: Buffer;
  /** This request's guardrail session, for guard(response). */
  guard?: GuardSession;
  /** This request's quota charge, settled from the upstream's usage. */
  quota?: QuotaTicket;
  /** The resource the call creates, acts on or lists, for the answer side (ownership). */
  ownership?: OwnershipTicket;
}

/** Calls that cost no tokens (they run no model): token quotas charge them nothing. */
const FREE_OPERATIONS: ReadonlySet<string> = new Set(['countTokens', 'computeTokens']);

/**
 * `mode`: `check` for a front door that never sees the answer (ext_authz): what the answer would
 * establish (an MCP session's owner) is established by the first request instead.
 */
export async function admit(parts: AdmissionParts, ex: Exchange, route: Route, body: RequestBody, mode: 'proxy' | 'check' = 'proxy'): Promise<Admission> {
  const info = ex.req;
  ex.trace?.stage('identify');
  let identity;
  try {
    identity = await parts.identifier.identify(info);
  } catch (e) {
    // Refused before classify: the record still says what was called (provider, model, operation).
    ex.target = classifyForRecord(route, info, body);
    throw e;
  }
  ex.principal = identity.principal;

  ex.trace?.stage('classify');
  // The provider reads the path its upstream gets (after the route's rewrite); policy, below, the caller's.
  const target = route.provider.classify(info.method, route.upstreamPath(info.path), info.query, body.json, info.headers);
  const conflict = locate(target, route, parts.forwardsByHost ? info.host : undefined);
  ex.target = target;
  if (conflict !== undefined && route.needs & (FACT_LOCATION | FACT_JURISDICTION)) {
    throw new WardenError('INVALID_ARGUMENT', 'LOCATION_MISMATCH',
      `the path names location "${target.location!.slice(0, 64)}" and the upstream's host serves "${conflict}": where the call runs cannot be told, and a policy on this route depends on the location`);
  }
  if (target.provider === 'mcp') {
    // Fail closed: an MCP route without its gate could not check the caller's session.
    if (!parts.mcp) throw new WardenError('INTERNAL', 'MCP_UNAVAILABLE', 'this front door cannot check MCP sessions');
    await parts.mcp.admitCaller(ex, route.spec, mode);
  }
  // The protocol's own reading of the request (MCP: one JSON-RPC message, headers that agree with it) before policy decides on it.
  route.provider.checkRequest?.(target, body, info.headers);
  // Policy, quotas or the credential mapping would decide on an absent value: refuse instead.
  const missing = missingFacts(route, info, body, target);
  if (missing) throw missing;

  // The owner of the resource the call acts on: refused when unknown or (enforce: owner) another's; policy sees it.
  const owned = parts.ownership && (await parts.ownership.admit(identity.principal, target));

  ex.trace?.stage('authorize');
  const decision = parts.authorizer.authorize({ req: info, principal: identity.principal, target, route: route.spec.name });
  ex.decision = decision;
  if (decision.action === 'deny') {
    throw new WardenError('PERMISSION_DENIED', 'POLICY_DENIED', 'permission denied by policy');
  }

  ex.trace?.stage('guard');
  guardRequest(target, body, info.headers['content-encoding'], info.headers['content-type']);
  const admission: Admission = { removeHeaders: [...identity.consumedHeaders], addHeaders: identity.upstreamHeaders, query: identity.upstreamQuery };
  if (owned) admission.ownership = owned;

  // A body over guardrails.maxScanBytes is not scanned (see GuardSession.unscanned): it arrives as a
  // stream, or whole when it names the model (read whole for policy, not for the scanners); nor is
  // one an ext_authz check carries cut short, or not at all: blocked or flagged UNSCANNED as oversize says;
  // nor the arguments of an MCP call decided from its headers alone.
  const overScan = body.streamed !== undefined || body.partial === true || target.mcp?.source === 'headers' || (parts.guardrails !== undefined && (body.buffer?.length ?? 0) > parts.guardrails.maxScanBytes);
  const wrapped = !overScan && wrappedHttpBody(body.json);
  const unscanned = (overScan || wrapped) && readableBody(target);
  const guarded = target.operationClass === 'inference' || target.operationClass === 'tool';
  if (parts.guardrails && (body.json !== undefined || unscanned) && guarded) {
    const guard = parts.guardrails.session({ route: route.spec.name, principal: identity.principal, policy: decision.policy }, { requestId: info.id });
    admission.guard = guard;
    try {
      if (unscanned) guard.unscanned(target.mcp?.source === 'headers' ? HEADERS_ONLY : undefined, wrapped);
      else admission.body = await guard.request(body.json, target, { inline: !parts.fixedBody });
    } finally {
      ex.findings = guard.findings.list;
    }
  }
  if (parts.limits) {
    const scope = { route: route.spec.name, principal: identity.principal, target };
    // Counting tokens runs no model: it counts as a request, never as tokens.
    const free = FREE_OPERATIONS.has(target.operation);
    const quota = await parts.limits.admit(scope, free ? 0 : estimatePromptTokens(body.json, body.buffer?.length ?? 0), free ? 0 : outputReserve(body.json));
    if (quota) {
      ex.quota = quota.record;
      if (quota.refused) throw quota.refused;
      admission.quota = quota.ticket;
    }
  }
  try {
    await upstreamIdentity(parts, ex, route, identity.principal, admission);
  } catch (e) {
    // Refused after the charge, before anything left Warden: the request costs the caller nothing.
    admission.quota?.refund();
    throw e;
  }
  return admission;
}

/**
 * Where a Vertex call runs. Its path's `locations/{l}` says so; a call whose path names none
 * (`/v1/publishers/…`) runs where its upstream's host is: the route's
 * (`europe-west4-aiplatform.googleapis.com`), or under Envoy the host the caller addressed
 * (`destinationHost`). Returns the host's location when it is a region or multi-region other than
 * the path's (Vertex's global host serves any location, and names none of its own then).
 */
export function locate(target: Target, route: Route, destinationHost?: string): string | undefined {
  if (target.provider !== 'vertex') return undefined;
  const served = destinationHost !== undefined ? hostLocation(destinationHost) : route.location;
  if (target.location === undefined) {
    if (served !== undefined) target.location = served;
    return undefined;
  }
  return served !== undefined && served !== 'global' && served !== target.location ? served : undefined;
}

const HEADERS_ONLY = 'the MCP call was decided from its Mcp-Method/Mcp-Name headers without its body, so the guardrails cannot scan its arguments: send the body to Warden (ext_authz withRequestBody) or let these guardrails flag only';

/** The target of a request refused before classify, for its record; none if it would not classify. */
function classifyForRecord(route: Route, info: Exchange['req'], body: RequestBody): Exchange['target'] {
  try {
    return route.provider.classify(info.method, route.upstreamPath(info.path), info.query, body.json, info.headers);
  } catch {
    return undefined;
  }
}

/** The identity token and the upstream credential the request leaves with. */
async function upstreamIdentity(parts: AdmissionParts, ex: Exchange, route: Route, principal: Principal, admission: Admission): Promise<void> {
  const info = ex.req;
  const target = ex.target!;
  const idToken = route.spec.identityToken;
  if (idToken) {
    admission.addHeaders[idToken.header] = await parts.identifier.tokens.sign({
      principal: principal,
      audience: idToken.audience ?? new URL(route.spec.upstream).origin,
      ttlS: durationMs(idToken.ttl) / 1000,
      requestId: info.id,
    });
  }
  ex.trace?.stage('credential');
  const credential = parts.credentials.select(route.spec.name, principal, target);
  if (credential) {
    ex.credential = credential;
    admission.credentialHeader = await parts.credentials.header(credential, principal);
  }
}
