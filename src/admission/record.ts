// record: the last stage. One audit record, one access log line, the metrics
// and the end of the trace for every request, whatever the outcome. Nothing
// here waits on I/O beyond one local spool append: the sink is written in
// batches off the request path.
import { sha256Hex } from '../audit/capture.js';
import type { AuditFinding, AuditMcp, AuditQuota, AuditRecord } from '../audit/record.js';
import type { Finding } from '../guardrails/findings.js';
import type { QuotaRecord } from '../limits/limits.js';
import type { AuditWriter } from '../audit/writer.js';
import type { Logger } from '../telemetry/log.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { RequestTrace } from '../telemetry/tracing.js';
import { traceIdOf } from '../telemetry/trace-id.js';
import { mcpErrorCode } from '../mcp/errors.js';
import type { Exchange } from './exchange.js';

/** OpenTelemetry GenAI operation names for the operations that have one. */
const GEN_AI_OPERATION: Record<string, string> = {
  generateContent: 'generate_content',
  streamGenerateContent: 'generate_content',
  'chat.completions': 'chat',
  'completions': 'text_completion',
  embeddings: 'embeddings',
  embedContent: 'embeddings',
};
const GEN_AI_PROVIDER: Record<string, string> = { vertex: 'gcp.vertex_ai', openai: 'openai' };

export class Recorder {
  /**
   * The access log: the same logger without redaction. Its line is built
   * below from fixed fields that never carry a credential (no headers, no
   * query, no token), and pino's wildcard redaction of every field was the
   * largest single cost of the record stage.
   */
  private readonly log: Logger;

  /** Who sees each record as it is written (the admin console's live traffic); nobody by default. */
  private listeners: ((r: AuditRecord) => void)[] = [];

  /** `accessLog`: whether each request also gets a log line (spec.telemetry.accessLog). */
  constructor(private readonly writer: AuditWriter | undefined, private readonly metrics: Metrics, log: Logger, private readonly accessLog = true) {
    this.log = log.child({}, { redact: [] });
  }

  /** Calls `fn` with every record from now on (after it is queued for the audit store); returns the unsubscribe. `fn` must not change the record. */
  subscribe(fn: (r: AuditRecord) => void): () => void {
    this.listeners = [...this.listeners, fn];
    return () => {
      this.listeners = this.listeners.filter((l) => l !== fn);
    };
  }

  /** False while the audit trail cannot take records (sink down, spool full, fail-closed): requests are refused then. */
  get accepting(): boolean {
    return this.writer?.accepting ?? true;
  }

  /** `then` runs once the record is durable in the spool (at once without an audit store): the pipeline sends the end of the answer there. */
  record(ex: Exchange, then?: () => void): void {
    if (ex.recorded) return then?.();
    ex.recorded = true;
    ex.trace?.stage('record');
    const latencyMs = performance.now() - ex.started;
    const t = ex.target;
    const p = ex.principal;
    // Whether the request went upstream: a request Warden answered itself with an error was refused,
    // whichever stage refused it (a guardrail block or a quota after an ALLOW policy too), as ext_authz reports it.
    const decision = ex.error && !ex.upstream ? 'deny' : (ex.decision?.action ?? 'allow');
    const up = ex.upstream;
    const rec: AuditRecord = {
      time: new Date(Date.now() - latencyMs).toISOString(),
      requestId: ex.req.id,
      traceId: ex.trace?.traceId ?? traceIdOf(ex.req.headers.traceparent),
      principal: p.requestPrincipal ?? p.sourcePrincipal,
      subject: p.subject,
      issuer: p.issuer,
      groups: p.groups,
      sourcePrincipal: p.sourcePrincipal,
      authMethods: p.methods,
      route: ex.route?.spec.name,
      provider: t?.provider,
      project: t?.project,
      location: t?.location,
      model: t?.model ?? t?.endpoint,
      operation: t?.operation,
      operationClass: t?.operationClass,
      stream: t?.stream ?? false,
      decision,
      policy: ex.decision?.policy,
      rule: ex.decision?.rule,
      auditMarks: ex.decision?.auditMarks ?? [],
      reason: reasonOf(ex),
      credential: ex.credential,
      status: ex.status,
      upstreamStatus: up?.upstreamStatus,
      latencyMs: round(latencyMs),
      upstreamMs: up?.durationMs === undefined ? undefined : round(up.durationMs),
      ttfbMs: up?.ttfbMs === undefined ? undefined : round(up.ttfbMs),
      promptTokens: ex.usage?.promptTokens,
      outputTokens: ex.usage?.outputTokens,
      totalTokens: ex.usage?.totalTokens,
      requestBytes: ex.requestBytes,
      responseBytes: ex.response?.bytes,
      requestSha256: ex.requestSha256,
      responseSha256: ex.response?.sha256(),
      prompt: ex.prompt,
      response: ex.response?.text(),
      findings: ex.findings && auditFindings(ex.findings),
      quota: ex.quota && auditQuota(ex.quota),
      via: p.via,
      method: ex.req.method,
      path: ex.req.path,
      host: ex.req.host,
      mcp: t?.mcp && auditMcp(ex, t.mcp),
      instances: t?.instances,
      resource: t?.resource,
      upstreamLocation: ex.failover?.location,
      attempts: ex.failover?.attempts,
    };
    if (this.writer) this.writer.write(rec, then);
    else then?.();
    for (const l of this.listeners) {
      try {
        l(rec);
      } catch (e) {
        this.log.warn({ err: (e as Error).message }, 'audit record listener failed');
      }
    }
    this.observe(ex, rec, latencyMs);

    if (ex.trace) endTrace(ex, ex.trace, rec);

    if (this.accessLog) this.log.info(
      {
        requestId: rec.requestId,
        traceId: rec.traceId,
        method: ex.req.method,
        path: ex.req.path,
        status: rec.status,
        route: rec.route,
        principal: rec.principal,
        authMethods: rec.authMethods,
        model: rec.model,
        operation: rec.operation,
        decision,
        policy: rec.policy,
        error: ex.error?.reason,
        latencyMs: rec.latencyMs,
      },
      'request',
    );
  }

  /** OTel's MCP server metrics: one observation per call, and the session's lifetime when one ended. */
  private observeMcp(ex: Exchange, rec: AuditRecord, latencyMs: number): void {
    const m = this.metrics;
    const call = rec.mcp!;
    const version = versionLabel(call.protocolVersion);
    const ok = rec.status < 400 && call.result !== 'error' && !ex.error;
    const code = codeLabel(rpcCode(ex, rec, call));
    const error = ex.error?.reason ?? (call.result === 'tool_error' ? 'tool_error' : code || (rec.status >= 400 ? String(rec.status) : ''));
    m.mcpOperationDuration.observe(
      {
        route: rec.route ?? '',
        mcp_method_name: rec.operation ?? '',
        gen_ai_tool_name: m.toolLabel(call.tool, ok),
        gen_ai_prompt_name: m.toolLabel(call.prompt, ok),
        gen_ai_operation_name: call.tool !== undefined ? 'execute_tool' : '',
        error_type: error,
        rpc_response_status_code: code,
        mcp_protocol_version: version,
      },
      latencyMs / 1000,
    );
    const seconds = ex.mcp?.sessionSeconds;
    if (seconds !== undefined) m.mcpSessionDuration.observe({ route: rec.route ?? '', mcp_protocol_version: version }, seconds);
  }

  private observe(ex: Exchange, rec: AuditRecord, latencyMs: number): void {
    const m = this.metrics;
    const ok = rec.status < 400;
    const model = m.modelLabel(rec.model, ok && rec.decision === 'allow');
    const labels = { route: rec.route ?? '', model, operation: rec.operation ?? '', status: String(rec.status), decision: rec.decision };
    m.requests.inc(labels);
    m.duration.observe(labels, latencyMs / 1000);
    if (rec.upstreamMs !== undefined) {
      // No upstream status: the call failed before an answer (timeout, connection).
      const status = rec.upstreamStatus === undefined ? (ex.error?.reason === 'UPSTREAM_TIMEOUT' ? 'timeout' : 'error') : String(rec.upstreamStatus);
      m.upstreamDuration.observe({ route: labels.route, status }, rec.upstreamMs / 1000);
    }
    for (const t of ex.failover?.tries ?? []) m.upstreamAttempts.inc({ route: labels.route, location: t.location, result: t.result });
    if (ex.upstream?.aborted) m.aborted.inc({ route: labels.route, by: ex.upstream.aborted });
    // Time to the first token of an answer: not of an error body.
    if (rec.stream && rec.ttfbMs !== undefined && ok) m.timeToFirstToken.observe({ route: labels.route, model }, rec.ttfbMs / 1000);
    if (rec.mcp && ex.target?.mcp) this.observeMcp(ex, rec, latencyMs);
    const group = m.groupLabel(ex.principal.groups);
    for (const [type, n] of [['input', rec.promptTokens], ['output', rec.outputTokens]] as const) {
      if (n === undefined) continue;
      m.tokens.observe({ route: labels.route, model, type, group }, n);
    }
  }
}

/** Protocol versions that get their own label value; any other (callers choose it) is `other`. */
const MCP_VERSIONS = new Set(['2024-11-05', '2025-03-26', '2025-06-18', '2025-11-25', '2026-07-28']);

function versionLabel(v: string | undefined): string {
  return v === undefined ? '' : MCP_VERSIONS.has(v) ? v : 'other';
}

/** The JSON-RPC error code the caller got: Warden's refusal's, or the server's error (or a blocked answer's); none for a result. */
function rpcCode(ex: Exchange, rec: AuditRecord, m: AuditMcp): number | undefined {
  return m.errorCode ?? (ex.error ? mcpErrorCode(ex.error, rec.status) : undefined);
}

/** A code as a label value: JSON-RPC's, MCP's and Warden's ranges (-32768 to -31000) as they are, a server's own codes `other`. */
function codeLabel(code: number | undefined): string {
  if (code === undefined) return '';
  return Number.isInteger(code) && code >= -32768 && code <= -31000 ? String(code) : 'other';
}

/** The request span's name and attributes, from its record. */
function endTrace(ex: Exchange, trace: RequestTrace, rec: AuditRecord): void {
  if (rec.mcp) return endMcpTrace(ex, trace, rec, rec.mcp);
  const operation = rec.operation && (GEN_AI_OPERATION[rec.operation] ?? rec.operation);
  const provider = rec.provider && (GEN_AI_PROVIDER[rec.provider] ?? rec.provider);
  // As OpenTelemetry's HTTP conventions have it for server spans: an error is a 5xx (or an answer
  // cut off), not a 4xx — a refused caller is the gateway at work.
  const failed = rec.status >= 500 || ex.upstream?.aborted !== undefined;
  trace.end(
    operation && rec.model ? `${operation} ${rec.model}` : `${ex.req.method} ${rec.route ?? 'unrouted'}`,
    {
      ...(operation ? { 'gen_ai.operation.name': operation } : {}),
      ...(provider ? { 'gen_ai.provider.name': provider } : {}),
      ...(rec.model ? { 'gen_ai.request.model': rec.model } : {}),
      ...(rec.promptTokens !== undefined ? { 'gen_ai.usage.input_tokens': rec.promptTokens } : {}),
      ...(rec.outputTokens !== undefined ? { 'gen_ai.usage.output_tokens': rec.outputTokens } : {}),
      'http.response.status_code': rec.status,
      'url.path': ex.req.path,
      'warden.request_id': rec.requestId,
      'warden.route': rec.route ?? '',
      'warden.decision': rec.decision,
      ...(rec.policy ? { 'warden.policy': rec.policy } : {}),
      ...(rec.principal ? { 'enduser.id': rec.principal } : {}),
      // A failure without a reason of Warden's (the upstream's 5xx, passed on): its status code, as the HTTP conventions have it.
      ...(ex.error ? { 'error.type': ex.error.reason } : failed ? { 'error.type': String(rec.status) } : {}),
    },
    failed ? (ex.error?.reason ?? String(rec.status)) : undefined,
  );
}

/**
 * An MCP call's span, as OpenTelemetry's MCP conventions name it: `{mcp.method.name} {target}`
 * with the method, tool or prompt, resource, session, protocol version and the JSON-RPC outcome.
 */
function endMcpTrace(ex: Exchange, trace: RequestTrace, rec: AuditRecord, m: AuditMcp): void {
  const failed = rec.status >= 500 || ex.upstream?.aborted !== undefined;
  const name = m.tool ?? m.prompt;
  const attrs: Record<string, string | number | boolean> = {
    'mcp.method.name': m.method ?? rec.operation ?? '',
    'network.transport': 'tcp',
    'network.protocol.name': 'http',
    'http.response.status_code': rec.status,
    'url.path': ex.req.path,
    'warden.request_id': rec.requestId,
    'warden.route': rec.route ?? '',
    'warden.decision': rec.decision,
  };
  if (m.tool) Object.assign(attrs, { 'gen_ai.tool.name': m.tool, 'gen_ai.operation.name': 'execute_tool' });
  if (m.prompt) attrs['gen_ai.prompt.name'] = m.prompt;
  if (m.resource) attrs['mcp.resource.uri'] = m.resource;
  if (m.session) attrs['mcp.session.id'] = m.session;
  if (m.protocolVersion) attrs['mcp.protocol.version'] = m.protocolVersion;
  if (m.id !== undefined) attrs['jsonrpc.request.id'] = m.id;
  const code = rpcCode(ex, rec, m);
  if (code !== undefined) attrs['rpc.response.status_code'] = String(code);
  if (rec.policy) attrs['warden.policy'] = rec.policy;
  if (rec.principal) attrs['enduser.id'] = rec.principal;
  const error = ex.error?.reason ?? (m.result === 'tool_error' ? 'tool_error' : m.errorCode !== undefined ? String(m.errorCode) : failed ? String(rec.status) : undefined);
  if (error) attrs['error.type'] = error;
  trace.end(name ? `${attrs['mcp.method.name']} ${name}` : String(attrs['mcp.method.name'] || `${ex.req.method} ${rec.route ?? 'unrouted'}`), attrs, failed ? (ex.error?.reason ?? String(rec.status)) : undefined);
}

/** The MCP call for the record, with a fixed key order (see auditFindings): arguments as a digest, their text only with storePrompts. */
function auditMcp(ex: Exchange, c: NonNullable<NonNullable<Exchange['target']>['mcp']>): AuditMcp {
  const a: AuditMcp = { kind: c.kind, source: c.source };
  if (c.method !== undefined) a.method = c.method;
  if (c.id !== undefined) a.id = String(c.id);
  if (c.tool !== undefined) a.tool = c.tool;
  if (c.prompt !== undefined) a.prompt = c.prompt;
  if (c.resource !== undefined) a.resource = c.resource;
  if (c.arguments !== undefined) {
    const text = JSON.stringify(c.arguments);
    a.argumentsSha256 = sha256Hex(Buffer.from(text));
    if (ex.route?.spec.storePrompts) a.arguments = text;
  }
  if (c.session !== undefined) a.session = c.session;
  if (c.protocolVersion !== undefined) a.protocolVersion = c.protocolVersion;
  const o = ex.mcp;
  // Refused by Warden: the caller got a JSON-RPC error (see src/mcp/errors.ts).
  if (ex.error && !ex.upstream?.upstreamStatus) a.result = 'error';
  else if (o?.result) a.result = o.result;
  if (o?.errorCode !== undefined) a.errorCode = o.errorCode;
  if (o?.listed) a.listed = { total: o.listed.total, shown: o.listed.shown };
  return a;
}

/**
 * Fresh objects with a fixed key order: the canonical text the HMAC covers is
 * computed now, the row is stored later, and neither may see a later change.
 * Only what the audit keeps is copied — types, counts, locations, never a value.
 */
function auditFindings(list: Finding[]): AuditFinding[] {
  const out = new Array<AuditFinding>(list.length);
  for (let i = 0; i < list.length; i++) {
    const f = list[i]!;
    const a: AuditFinding = { type: f.type, category: f.category, direction: f.direction, action: f.action, count: f.count, locations: [...f.locations] };
    if (f.score !== undefined) a.score = f.score;
    if (f.signals !== undefined) a.signals = [...f.signals];
    out[i] = a;
  }
  return out;
}

function auditQuota(q: QuotaRecord): AuditQuota {
  const a: AuditQuota = { rules: [...q.rules], estimatedTokens: q.estimatedTokens };
  if (q.exceeded !== undefined) a.exceeded = q.exceeded;
  if (q.settledTokens !== undefined) a.settledTokens = q.settledTokens;
  if (q.local) a.local = true;
  return a;
}

/**
 * `REASON: message` for errors, else the decision's reason. A policy refusal
 * tells the caller only "permission denied by policy"; the record keeps the
 * decision's own explanation (which DENY policy and rule, or that no ALLOW
 * policy matched), as `warden explain` would give it.
 */
function reasonOf(ex: Exchange): string {
  const err = ex.error;
  if (!err) return ex.decision?.reason ?? '';
  if (err.reason === 'POLICY_DENIED' && ex.decision?.action === 'deny') return `POLICY_DENIED: ${ex.decision.reason}`;
  return `${err.reason}: ${err.message}`;
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
