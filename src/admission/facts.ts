// Unknown must mean refused. Some facts about a request can be missing: the
// model and the stream flag of a call that names them in a body Warden did not
// read whole (an ext_authz check Envoy cut short, or sent without its body; a
// body ext_proc let stream on past its bodyBufferBytes; a body of another
// content type) or that names no model at all (an upstream
// picks its default); the source identity of an HTTP ext_authz check. An
// absent attribute matches no DENY value and satisfies every `not…` list, so
// a route whose policies, quotas or credential mapping would let the request
// through on the fact's absence refuses it instead. Which facts each route
// needs is compiled once per config (routeNeeds); per request, admission asks
// only what the route needs (missingFacts), and nothing at all for most
// requests (the model is in the path, or no policy cares).
import type { GatewaySpec } from '../config/schema.js';
import { WardenError } from '../errors.js';
import type { Authorizer } from '../policy/evaluate.js';
import { bodyObject } from '../providers/target.js';
import { jurisdictionOf } from '../providers/locations.js';
import { vertexResourceInBody } from '../providers/vertex.js';
import { FACT_INSTANCES, FACT_JURISDICTION, FACT_RESOURCE, FACT_LOCATION, FACT_MODEL, FACT_SOURCE_PRINCIPAL, FACT_STREAM, type RequestInfo, type Target } from '../types.js';
import { isJsonType, type RequestBody } from './body.js';
import type { Route } from './route.js';

/** FACT_* flags the route's enforced policies, quota rules and credential mapping need established. */
export function routeNeeds(route: string, authorizer: Authorizer, spec: GatewaySpec): number {
  let needs = authorizer.factsAtStake(route);
  // A quota rule on models counts a request whose model is unknown under none of them.
  for (const rule of spec.limits?.rules ?? []) {
    const applies = !rule.match.routes || rule.match.routes.includes(route);
    if (applies && (rule.match.models || rule.by.includes('model'))) needs |= FACT_MODEL;
    // Counted as one, a call of unknown size would pass a quota on inputs.
    if (applies && rule.requests?.count === 'instances') needs |= FACT_INSTANCES;
  }
  // A credential rule on models would pick another credential (the default) for an unknown model.
  const r = spec.routes.find((x) => x.name === route);
  if (r?.credentials.some((c) => c.when?.models)) needs |= FACT_MODEL;
  // A generation that names someone else's context cache in a body Warden did not read would pass ownership.
  if (r?.provider === 'vertex' && spec.ownership.enforce !== 'off') needs |= FACT_RESOURCE;
  return needs;
}

/**
 * The refusal for a request missing a fact its route needs, or undefined. Cheap when nothing is
 * missing: a model in the path, or a route that needs nothing, costs two comparisons.
 */
export function missingFacts(route: Route, info: RequestInfo, body: RequestBody, target: Target): WardenError | undefined {
  const needs = route.needs;
  if (needs === 0) return undefined;
  if (needs & FACT_SOURCE_PRINCIPAL && info.sourceUnknown) {
    return new WardenError('PERMISSION_DENIED', 'SOURCE_UNKNOWN',
      'a policy on this route depends on the caller\'s workload identity, which an HTTP ext_authz check cannot establish; use gRPC ext_authz (or the proxy)');
  }
  // (A compressed body is refused by guard(request), 415, whatever it names.)
  const path = route.upstreamPath(info.path);
  if (needs & FACT_RESOURCE && target.resource === undefined && vertexResourceInBody(info.method, path) && !compressed(info)) {
    const refused = bodyRefusal(info, body);
    if (refused) return refused;
  }
  if (needs & (FACT_LOCATION | FACT_JURISDICTION)) {
    const refused = locationRefusal(needs, target);
    if (refused) return refused;
  }
  if (needs & FACT_INSTANCES && target.instances === undefined && route.provider.instancesInBody(info.method, path)) {
    return bodyRefusal(info, body) ?? new WardenError('INVALID_ARGUMENT', 'INSTANCES_UNKNOWN',
      'the request body lists no inputs Warden can count (instances, requests, content, input), and a quota or policy on this route counts them');
  }
  if (!(needs & (FACT_MODEL | FACT_STREAM)) || target.model !== undefined || !route.provider.modelInBody(info.method, path)) return undefined;
  // The call names its model (and stream flag) in the body, and none was read.
  const refused = bodyRefusal(info, body);
  if (refused) return refused;
  // A generic upstream's JSON may have no model: only a `model` Warden could not read is unknown there.
  if (route.provider.kind === 'http' && !(bodyObject(body.json)?.['model'] !== undefined)) return undefined;
  return new WardenError('INVALID_ARGUMENT', 'MODEL_UNKNOWN',
    'the request names no model Warden can read (none in the body, or one of no model id\'s shape), and a policy, quota or credential rule on this route depends on the model: the upstream would pick one policy never saw');
}

function compressed(info: RequestInfo): boolean {
  const coding = info.headers['content-encoding']?.trim().toLowerCase();
  return coding !== undefined && coding !== '' && coding !== 'identity';
}

/** A location policy cannot judge: none (the path names none, the upstream's host implies none), or a region of unknown jurisdiction. */
function locationRefusal(needs: number, target: Target): WardenError | undefined {
  if (target.location === undefined) {
    return new WardenError('INVALID_ARGUMENT', 'LOCATION_UNKNOWN',
      'the request names no location (projects/P/locations/L/…) and its upstream\'s host implies none, and a policy on this route depends on the location');
  }
  if (needs & FACT_JURISDICTION && jurisdictionOf(target.location) === undefined) {
    return new WardenError('INVALID_ARGUMENT', 'LOCATION_UNKNOWN',
      `location "${target.location.slice(0, 64)}" is not one whose jurisdiction Warden knows, and a policy on this route depends on the location's class or jurisdiction`);
  }
  return undefined;
}

/** Why a body that should name a fact names none Warden could read: not read whole, not JSON; undefined when it was read and parsed. */
function bodyRefusal(info: RequestInfo, body: RequestBody): WardenError | undefined {
  if (body.partial || body.streamed !== undefined) {
    return new WardenError('INVALID_ARGUMENT', 'BODY_TOO_LARGE_TO_CLASSIFY',
      'the request body names what a policy or quota on this route depends on (the model, the stream flag, its inputs), and it was not read whole (an ext_authz check carries at most its maxRequestBytes; ext_proc holds at most its bodyBufferBytes)', { httpStatus: 413 });
  }
  // A body that does not parse names nothing: refused as what it is (also on http routes, whose bodies are otherwise not checked).
  if (body.jsonError !== undefined) return new WardenError('INVALID_ARGUMENT', 'MALFORMED_JSON', `request body is not valid JSON: ${body.jsonError}`);
  const type = info.headers['content-type'];
  if (body.json === undefined && body.buffer?.length && type && !isJsonType(type)) {
    return new WardenError('INVALID_ARGUMENT', 'CONTENT_TYPE_UNSUPPORTED',
      `content-type "${type.trim().slice(0, 64)}" is not read: a policy on this route depends on what the body names; send it as application/json`, { httpStatus: 415 });
  }
  return undefined;
}
