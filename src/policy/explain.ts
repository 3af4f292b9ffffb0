// "Why was this request allowed or denied?" — a request described by hand
// (`warden explain`, the admin API's POST /explain) walks the same stages as a
// real one, identify → classify → authorize, and the Authorizer tells what
// every policy made of it. A token is verified like a real request's. Given a
// body, an allowed request also goes through guard(request) and the quotas as
// a dry run (nothing redacted, charged or counted in metrics): they may
// refuse what policy allows.
import { randomUUID } from 'node:crypto';
import { isWardenError } from '../errors.js';
import type { Principal, RequestInfo, Target } from '../types.js';
import type { QuotaPreview } from '../limits/limits.js';
import type { Authorizer, Explanation } from './evaluate.js';

export interface ExplainDeps {
  identify(req: RequestInfo): Promise<{ principal: Principal }>;
  /** The route a request goes to: its name and how its provider classifies the request. */
  route(req: RequestInfo):
    | {
        name: string;
        classify(method: string, path: string, query: string, body: unknown, headers?: Record<string, string>): Target;
        /** Checks of the caller the route adds after identify (an MCP route: the token's audience); throws 401s. */
        checkCaller?(req: RequestInfo, principal: Principal): void;
      }
    | undefined;
  authorizer: Authorizer;
  /** guard(request) as a dry run on the body; absent without guardrails; undefined when nothing would be scanned. */
  guard?(scope: { route: string; principal: Principal; policy?: string }, target: Target, body: unknown): Promise<GuardPreview | undefined>;
  /** The quotas as a dry run; absent without quotas; undefined when no rule applies. */
  quota?(scope: { route: string; principal: Principal; target: Target }, body: unknown): Promise<QuotaPreview | undefined>;
}

/** What guard(request) would do with the body. */
export interface GuardPreview {
  findings: { type: string; direction: string; action: string; count: number }[];
  /** The guardrails would refuse the request: their error. */
  blocked?: { reason: string; message: string };
  /** The body would leave redacted. */
  redacted: boolean;
}

/** A stage after policy that would refuse the request. */
export interface Refusal {
  by: 'guardrails' | 'quota';
  status: number;
  reason: string;
  message: string;
}

/** A request as a person describes it. */
export interface RequestDescription {
  method?: string;
  /** Path, optionally with `?query`. */
  path?: string;
  host?: string;
  headers?: Record<string, string>;
  /** A bearer token, sent as `Authorization: Bearer …` and verified. */
  token?: string;
  sourceIp?: string;
  destinationPort?: number;
  /** The peer's SPIFFE ID (with or without `spiffe://`), read as a verified mTLS peer's URI SAN. */
  sourcePrincipal?: string;
  sni?: string;
  /** JSON body, for providers that read the model from it (OpenAI) or the call (MCP's JSON-RPC message). */
  body?: unknown;
}

export type ExplainResult =
  | ({
      outcome: 'decided';
      principal: Omit<Principal, 'token'>;
      target: Target;
      /** guard(request)'s dry run, when a body was given and the guardrails scan it. */
      guardrails?: GuardPreview;
      /** The quotas' dry run, when a rule applies. */
      quota?: QuotaPreview;
      /** Allowed by policy, refused by a later stage. */
      refused?: Refusal;
    } & Explanation)
  | { outcome: 'unauthenticated'; reason: string; message: string }
  | { outcome: 'refused'; status: number; reason: string; message: string }
  | { outcome: 'no-route'; message: string };

export async function explainRequest(deps: ExplainDeps, d: RequestDescription): Promise<ExplainResult> {
  const req = requestOf(d);
  const route = deps.route(req);
  if (!route) return { outcome: 'no-route', message: `no route for host "${req.host}" and path "${req.path}" (404 NOT_FOUND)` };
  let principal: Principal;
  try {
    principal = { ...(await deps.identify(req)).principal };
    route.checkCaller?.(req, principal);
  } catch (e) {
    if (isWardenError(e) && e.httpStatus === 401) return { outcome: 'unauthenticated', reason: e.reason, message: e.message };
    throw e;
  }
  // The described source principal stands for a verified peer certificate's URI SAN
  // (requestOf), so identify derives trust domain, namespace and service account
  // exactly as for a real mTLS peer — and, as for one, a URI that is not a SPIFFE
  // ID gives no source principal at all.
  let target: Target;
  try {
    target = route.classify(req.method, req.path, req.query, d.body, req.headers);
    // An MCP name that could read as another: refused before any policy (checkMcpRequest).
    if (target.mcp?.badName !== undefined) return { outcome: 'refused', status: 400, reason: 'MCP_NAME_INVALID', message: target.mcp.badName };
  } catch (e) {
    // A request classify refuses (MODEL_INVALID, STREAM_INVALID): refused before any policy, as the gateway would.
    if (isWardenError(e) && e.httpStatus < 500) return { outcome: 'refused', status: e.httpStatus, reason: e.reason, message: e.message };
    throw e;
  }
  const explanation = deps.authorizer.explain({ req, principal, target, route: route.name });
  const { token: _secret, ...shown } = principal;
  const result: ExplainResult = { outcome: 'decided', principal: shown, target, ...explanation };
  if (explanation.decision.action !== 'allow') return result;
  // The stages after policy, in the pipeline's order: the first to refuse is the answer.
  if (d.body !== undefined && deps.guard) {
    // A copy: the dry run redacts in place.
    result.guardrails = await deps.guard({ route: route.name, principal, policy: explanation.decision.policy }, target, structuredClone(d.body));
    const b = result.guardrails?.blocked;
    if (b) result.refused = { by: 'guardrails', status: b.reason === 'BODY_TOO_LARGE_TO_SCAN' ? 413 : 403, reason: b.reason, message: b.message };
  }
  if (deps.quota) {
    result.quota = await deps.quota({ route: route.name, principal, target }, d.body);
    const q = result.quota;
    if (q?.refusedBy && !result.refused) {
      result.refused = { by: 'quota', status: 429, reason: 'RATE_LIMITED', message: `quota "${q.refusedBy}" is used up for this caller` };
    }
  }
  return result;
}

function requestOf(d: RequestDescription): RequestInfo {
  const full = d.path ?? '/';
  const q = full.indexOf('?');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(d.headers ?? {})) headers[k.toLowerCase()] = v;
  if (d.token) headers.authorization = `Bearer ${d.token}`;
  const host = (d.host ?? headers.host ?? 'localhost').toLowerCase();
  headers.host = host;
  const sp = d.sourcePrincipal && (d.sourcePrincipal.startsWith('spiffe://') ? d.sourcePrincipal : `spiffe://${d.sourcePrincipal}`);
  return {
    id: `explain-${randomUUID()}`,
    method: (d.method ?? 'GET').toUpperCase(),
    path: q < 0 ? full : full.slice(0, q),
    query: q < 0 ? '' : full.slice(q + 1),
    host,
    headers,
    sourceIp: d.sourceIp ?? '127.0.0.1',
    destinationIp: '127.0.0.1',
    destinationPort: d.destinationPort,
    tls: sp || d.sni ? { sni: d.sni, peerUris: sp ? [sp] : undefined, authorized: !!sp } : undefined,
  };
}

/** The human-readable form `warden explain` prints. */
export function formatExplanation(r: ExplainResult): string {
  if (r.outcome === 'no-route') return `NOT FOUND: ${r.message}\n`;
  if (r.outcome === 'unauthenticated') return `UNAUTHENTICATED (401 ${r.reason}): ${r.message}\nNo policy is evaluated for a request whose credentials are invalid.\n`;
  if (r.outcome === 'refused') return `REFUSED (${r.status} ${r.reason}): ${r.message}\nNo policy is evaluated for a request Warden cannot classify.\n`;
  const d = r.decision;
  const who = r.principal.requestPrincipal ?? r.principal.sourcePrincipal ?? 'anonymous';
  const lines = [
    ...(r.refused ? [`REFUSED by ${r.refused.by} (${r.refused.status} ${r.refused.reason}): ${r.refused.message}`, `  policy:    ALLOW: ${d.reason}`] : [`${d.action === 'allow' ? 'ALLOW' : 'DENY'}: ${d.reason}`]),
    `  request:   ${r.path ?? '(refused before policies)'} on route ${r.route}; caller ${who}${r.principal.groups.length ? ` (groups ${r.principal.groups.join(', ')})` : ''}; remote.ip ${r.remoteIp}`,
    `  target:    ${r.target.provider} ${r.target.operation} (${r.target.operationClass})${r.target.model ? ` model ${r.target.model}` : ''}${r.target.location ? ` in ${r.target.location}` : ''}${r.target.stream ? ', streaming' : ''}`,
  ];
  const mcp = r.target.mcp;
  if (mcp) {
    const facts = [
      mcp.method && `method ${mcp.method}`,
      mcp.tool && `tool ${mcp.tool}`,
      mcp.prompt && `prompt ${mcp.prompt}`,
      mcp.resource && `resource ${mcp.resource}`,
      mcp.arguments && `arguments ${JSON.stringify(mcp.arguments)}`,
      mcp.source === 'headers' && 'read from the Mcp-Method/Mcp-Name headers',
    ];
    lines.push(`  mcp:       ${mcp.kind}${facts.some(Boolean) ? `: ${facts.filter(Boolean).join(', ')}` : ''}`);
  }
  const src = r.principal;
  if (src.sourcePrincipal) {
    const facts = [
      src.sourceTrustDomain && `trust domain ${src.sourceTrustDomain}`,
      src.sourceNamespace && `namespace ${src.sourceNamespace}`,
      src.sourceServiceAccount && `service account ${src.sourceServiceAccount}`,
      `by ${src.methods.filter((m) => m === 'mtls' || m === 'xfcc').join(', ')}`,
    ];
    lines.push(`  source:    ${src.sourcePrincipal} (${facts.filter(Boolean).join(', ')})`);
  }
  if (d.auditMarks?.length) lines.push(`  audit:     marked by ${d.auditMarks.join(', ')}`);
  lines.push('', 'policies:');
  for (const p of r.policies) {
    const decided = p.policy === d.policy ? '  ← decided' : '';
    const tag = `${p.action}${p.provider ? `(${p.provider})` : ''}${p.dryRun ? ', dry run' : ''}`;
    lines.push(`  ${p.matched ? '✓' : '✗'} ${p.policy} [${tag}]: ${p.why}${decided}`);
  }
  if (!r.policies.length) lines.push('  (none)');
  if (r.guardrails) {
    const g = r.guardrails;
    lines.push('', `guardrails (dry run): ${g.blocked ? `would BLOCK (${g.blocked.reason}: ${g.blocked.message})` : g.redacted ? 'would redact the body' : g.findings.length ? 'would flag' : 'nothing found'}`);
    for (const f of g.findings) lines.push(`  ${f.type} ×${f.count} in the ${f.direction}: ${f.action}`);
  }
  if (r.quota) {
    const q = r.quota;
    lines.push('', `quotas (dry run): ${q.refusedBy ? `would REFUSE (rule ${q.refusedBy})` : q.counted ? 'within every limit' : 'counts not known here'}`);
    for (const c of q.counters) {
      const used = c.used === undefined ? '' : `${c.used} used of `;
      lines.push(`  ${c.rule}: ${used}${c.limit} ${c.kind} per ${c.windowSeconds} s${c.wouldRefuse ? '  ← would refuse' : ''}`);
    }
    if (!q.counted) lines.push("  (the counters are in the running gateway's memory: POST /explain on its admin port counts them)");
  }
  return `${lines.join('\n')}\n`;
}
