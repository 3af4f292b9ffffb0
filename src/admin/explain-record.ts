// "Why was this recorded request refused?": the record's request (method,
// path, host), its caller (issuer, subject, groups, peer) and its target
// (model, operation, …) walk today's policies again, as `warden explain`
// walks a described one. What the record does not keep — the token's other
// claims, headers, the peer address — is absent, and the answer says so.
import type { AuditMcp, AuditRecord } from '../audit/record.js';
import type { Authorizer } from '../policy/evaluate.js';
import type { ExplainResult } from '../policy/explain.js';
import type { AuthMethod, McpCall, OperationClass, Principal, ProviderKind, RequestInfo, Target } from '../types.js';

export type RecordExplanation = ExplainResult & {
  recorded: { decision: string; reason: string; policy?: string; rule?: number; status: number };
  /** What the re-evaluation could not know. */
  caveats: string[];
};

export function explainRecord(authorizer: Authorizer, groupsClaim: string, r: AuditRecord): RecordExplanation {
  const caveats: string[] = [];
  const principal: Principal = { groups: r.groups ?? [], methods: (r.authMethods ?? []) as AuthMethod[] };
  if (r.issuer && r.subject) {
    principal.requestPrincipal = `${r.issuer}/${r.subject}`;
    principal.issuer = r.issuer;
    principal.subject = r.subject;
    principal.claims = { iss: r.issuer, sub: r.subject, [groupsClaim]: r.groups ?? [] };
    caveats.push(`the token's claims other than iss, sub and ${groupsClaim} are not recorded`);
  } else if (r.principal && !r.sourcePrincipal) {
    principal.requestPrincipal = r.principal;
  }
  if (r.sourcePrincipal) principal.sourcePrincipal = r.sourcePrincipal;
  const req: RequestInfo = {
    id: r.requestId,
    method: r.method ?? 'POST',
    path: r.path ?? '/',
    query: '',
    host: r.host ?? 'localhost',
    headers: { host: r.host ?? 'localhost' },
    sourceIp: '127.0.0.1',
  };
  if (!r.method || !r.path) caveats.push('the record is from before method and path were recorded: policies on paths, methods or hosts may be judged wrongly');
  caveats.push('headers and the peer address are not recorded: conditions on them are judged without them');
  const target: Target = {
    provider: (r.provider ?? 'http') as ProviderKind,
    operation: r.operation ?? 'other',
    operationClass: (r.operationClass ?? 'other') as OperationClass,
    stream: r.stream,
    project: r.project,
    location: r.location,
    model: r.model,
  };
  if (r.mcp) target.mcp = mcpCall(r.mcp, caveats);
  const explanation = authorizer.explain({ req, principal, target, route: r.route });
  return {
    outcome: 'decided',
    principal,
    target,
    ...explanation,
    recorded: { decision: r.decision, reason: r.reason, policy: r.policy, rule: r.rule, status: r.status },
    caveats,
  };
}

/** An MCP record's call, for policies on request.mcp.*; its arguments only when the route kept them (storePrompts). */
function mcpCall(m: AuditMcp, caveats: string[]): McpCall {
  const call: McpCall = { kind: m.kind as McpCall['kind'], source: m.source === 'headers' ? 'headers' : 'body' };
  if (m.method !== undefined) call.method = m.method;
  if (m.tool !== undefined) call.tool = m.tool;
  if (m.prompt !== undefined) call.prompt = m.prompt;
  if (m.resource !== undefined) call.resource = m.resource;
  if (m.session !== undefined) call.session = m.session;
  if (m.protocolVersion !== undefined) call.protocolVersion = m.protocolVersion;
  if (m.arguments !== undefined) {
    try {
      call.arguments = JSON.parse(m.arguments) as Record<string, unknown>;
    } catch {
      // Kept text cut at its limit: judged without it, as when not kept.
    }
  }
  if (m.argumentsSha256 !== undefined && call.arguments === undefined) caveats.push('the call\'s arguments are not recorded (the route does not keep prompts): conditions on them are judged without them');
  return call;
}
