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
/** A watcher this far behind (a stalled connection) is let go: the console reconnects and gets the backlog. */
const MAX_BEHIND_BYTES = 1024 * 1024;

export class LiveTraffic {
  /** The last KEEP records, a ring: `next` is where the next one goes. */
  private readonly ring: (AuditRecord | undefined)[] = new Array(KEEP);
  private next = 0;
  private readonly watchers = new Set<ServerResponse>();
  private heartbeat?: NodeJS.Timeout;

  /** The Recorder's listener: on the request path, so one store into the ring unless someone watches. */
  readonly add = (r: AuditRecord): void => {
    this.ring[this.next] = r;
    this.next = (this.next + 1) % KEEP;
    if (!this.watchers.size) return;
    const event = `event: record\ndata: ${JSON.stringify(summarize(r))}\n\n`;
    for (const res of this.watchers) {
      if (res.writableLength > MAX_BEHIND_BYTES) res.end();
      else res.write(event);
    }
  };

  /** The records kept, oldest first. */
  records(): AuditRecord[] {
    const out: AuditRecord[] = [];
    for (let i = 0; i < KEEP; i++) {
      const r = this.ring[(this.next + i) % KEEP];
      if (r) out.push(r);
    }
    return out;
  }

  /** The last records, newest first. */
  latest(n = KEEP): TrafficSummary[] {
    return this.records().slice(-n).reverse().map(summarize);
  }

  find(requestId: string): AuditRecord | undefined {
    const all = this.records();
    for (let i = all.length - 1; i >= 0; i--) if (all[i].requestId === requestId) return all[i];
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
