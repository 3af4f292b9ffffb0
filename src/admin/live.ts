// Live traffic: the last records the gateway wrote, and every new one pushed
// to the consoles watching (server-sent events). A record's summary is made
// only while someone watches or asks; the request path pays one array push.
import type { ServerResponse } from 'node:http';
import type { AuditRecord } from '../audit/record.js';

/** What the live view shows of a record: who, what, the outcome and its cost; never prompt or answer text. */
export interface TrafficSummary {
  time: string;
  requestId: string;
  principal?: string;
  groups: string[];
  route?: string;
  model?: string;
  operation?: string;
  operationClass?: string;
  method?: string;
  path?: string;
  decision: string;
  policy?: string;
  reason: string;
  status: number;
  latencyMs: number;
  promptTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
  /** Guardrail findings as `TYPE×count (action)`. */
  findings: string[];
  quotaExceeded?: string;
}

export function summarize(r: AuditRecord): TrafficSummary {
  return {
    time: r.time,
    requestId: r.requestId,
    principal: r.principal,
    groups: r.groups,
    route: r.route,
    model: r.model,
    operation: r.operation,
    operationClass: r.operationClass,
    method: r.method,
    path: r.path,
    decision: r.decision,
    policy: r.policy,
    reason: r.reason,
    status: r.status,
    latencyMs: r.latencyMs,
    promptTokens: r.promptTokens,
    outputTokens: r.outputTokens,
    totalTokens: r.totalTokens,
    findings: (r.findings ?? []).map((f) => `${f.type}×${f.count} (${f.action})`),
    quotaExceeded: r.quota?.exceeded,
  };
}

const KEEP = 500;
const HEARTBEAT_MS = 15_000;

export class LiveTraffic {
  private readonly recent: AuditRecord[] = [];
  private readonly watchers = new Set<ServerResponse>();
  private heartbeat?: NodeJS.Timeout;

  /** The Recorder's listener. */
  readonly add = (r: AuditRecord): void => {
    this.recent.push(r);
    if (this.recent.length > KEEP) this.recent.shift();
    if (!this.watchers.size) return;
    const event = `event: record\ndata: ${JSON.stringify(summarize(r))}\n\n`;
    for (const res of this.watchers) res.write(event);
  };

  /** The last records, newest first. */
  latest(n = KEEP): TrafficSummary[] {
    return this.recent.slice(-n).reverse().map(summarize);
  }

  /** The records kept, oldest first. */
  records(): readonly AuditRecord[] {
    return this.recent;
  }

  find(requestId: string): AuditRecord | undefined {
    for (let i = this.recent.length - 1; i >= 0; i--) if (this.recent[i].requestId === requestId) return this.recent[i];
    return undefined;
  }

  /** An event stream: the last records first (one `backlog` event), then each new one as it is written. */
  watch(res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', 'x-accel-buffering': 'no', 'x-content-type-options': 'nosniff' });
    res.write(`retry: 2000\nevent: backlog\ndata: ${JSON.stringify(this.latest(100))}\n\n`);
    this.watchers.add(res);
    res.on('close', () => {
      this.watchers.delete(res);
      if (!this.watchers.size) this.stopHeartbeat();
    });
    // A comment now and then: proxies and browsers keep an idle stream open.
    this.heartbeat ??= setInterval(() => {
      for (const w of this.watchers) w.write(': keep-alive\n\n');
    }, HEARTBEAT_MS).unref();
  }

  /** Ends every stream (shutdown: the server closes only once they are gone). */
  close(): void {
    for (const w of this.watchers) w.end();
    this.watchers.clear();
    this.stopHeartbeat();
  }

  private stopHeartbeat(): void {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }
}
