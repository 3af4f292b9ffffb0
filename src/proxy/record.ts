// record: the last stage. One audit record, one access log line and the
// metrics for every request, whatever the outcome. Nothing here blocks the
// response: the audit sink queues and writes in batches.
import type { AuditRecord, AuditSink } from '../audit/record.js';
import type { Logger } from '../telemetry/log.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { Exchange } from './exchange.js';

export class Recorder {
  constructor(private readonly sink: AuditSink | undefined, private readonly metrics: Metrics, private readonly log: Logger) {}

  record(ex: Exchange): void {
    const latencyMs = performance.now() - ex.started;
    const t = ex.target;
    const decision = ex.decision?.action ?? (ex.error ? 'deny' : 'allow');
    const rec: AuditRecord = {
      time: new Date(Date.now() - latencyMs).toISOString(),
      requestId: ex.req.id,
      principal: ex.principal.requestPrincipal ?? ex.principal.sourcePrincipal,
      groups: ex.principal.groups,
      authMethods: ex.principal.methods,
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
      reason: ex.error ? `${ex.error.reason}: ${ex.error.message}` : (ex.decision?.reason ?? ''),
      credential: ex.credential,
      status: ex.status,
      upstreamStatus: ex.upstream?.upstreamStatus,
      latencyMs: Math.round(latencyMs * 1000) / 1000,
      promptTokens: ex.usage?.promptTokens,
      outputTokens: ex.usage?.outputTokens,
      totalTokens: ex.usage?.totalTokens,
    };
    this.sink?.write(rec);

    const labels = {
      route: rec.route ?? '',
      model: rec.model ?? '',
      operation: rec.operation ?? '',
      status: String(rec.status),
      decision,
    };
    this.metrics.requests.inc(labels);
    this.metrics.duration.observe(labels, latencyMs / 1000);
    if (ex.upstream?.ttfbMs !== undefined) {
      this.metrics.upstreamDuration.observe({ route: labels.route, status: String(rec.upstreamStatus) }, ex.upstream.ttfbMs / 1000);
    }
    if (ex.usage?.promptTokens) this.metrics.tokens.inc({ route: labels.route, model: labels.model, type: 'input' }, ex.usage.promptTokens);
    if (ex.usage?.outputTokens) this.metrics.tokens.inc({ route: labels.route, model: labels.model, type: 'output' }, ex.usage.outputTokens);

    this.log.info(
      {
        requestId: rec.requestId,
        method: ex.req.method,
        path: ex.req.path,
        status: rec.status,
        route: rec.route,
        principal: rec.principal,
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
}
