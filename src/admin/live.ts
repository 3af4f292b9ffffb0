// Live traffic: the last records the gateway wrote, and every new one pushed
// to the consoles watching (server-sent events). A record's summary is made
// only while someone watches or asks.
//
// With an audit store the last records are the store's: the request path
// keeps nothing. A ring of the last records held each one for hundreds of
// milliseconds, so every record the gateway wrote outlived two young-generation
// collections and was copied twice and promoted, to be freed by a full one:
// the largest part of what Warden kept per request. Without a store the ring
// is the only copy, and is kept.
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

/** The store's last records, newest first. */
export type RecentRecords = (n: number) => Promise<AuditRecord[]>;

export class LiveTraffic {
  /** Without a store: the last KEEP records, a ring (`next` is where the next one goes). */
  private readonly ring?: (AuditRecord | undefined)[];
  private next = 0;
  private readonly watchers = new Set<ServerResponse>();
  /** Streams reading their backlog: what is written meanwhile is held for them. */
  private readonly early = new Set<(r: AuditRecord) => void>();
  private heartbeat?: NodeJS.Timeout;

  constructor(private readonly recent?: RecentRecords) {
    if (!recent) this.ring = new Array(KEEP);
  }

  /** The Recorder's listener, on the request path: one store into the ring (none with a store) unless someone watches. */
  readonly add = (r: AuditRecord): void => {
    if (this.ring) {
      this.ring[this.next] = r;
      this.next = (this.next + 1) % KEEP;
    }
    for (const hold of this.early) hold(r);
    if (!this.watchers.size) return;
    const event = `event: record\ndata: ${JSON.stringify(summarize(r))}\n\n`;
    for (const res of this.watchers) {
      if (res.writableLength > MAX_BEHIND_BYTES) res.end();
      else res.write(event);
    }
  };

  /** The ring's records, oldest first (empty with a store: ask the store). */
  records(): AuditRecord[] {
    const out: AuditRecord[] = [];
    if (!this.ring) return out;
    for (let i = 0; i < KEEP; i++) {
      const r = this.ring[(this.next + i) % KEEP];
      if (r) out.push(r);
    }
    return out;
  }

  /** The last records, newest first: the store's, or the ring's. */
  async latest(n = KEEP): Promise<TrafficSummary[]> {
    const newestFirst = this.recent ? await this.recent(n) : this.records().slice(-n).reverse();
    return newestFirst.map(summarize);
  }

  /** A record of the ring (with a store, the store answers). */
  find(requestId: string): AuditRecord | undefined {
    const all = this.records();
    for (let i = all.length - 1; i >= 0; i--) if (all[i].requestId === requestId) return all[i];
    return undefined;
  }

  /**
   * An event stream: the last records first (one `backlog` event), then each new one as it is written.
   * Records written while the backlog is read go out after it, each once. (A record written in the
   * last moment before the stream opened may be in neither: the store takes records in batches, a
   * tenth of a second apart.)
   */
  async watch(res: ServerResponse): Promise<void> {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', 'x-accel-buffering': 'no', 'x-content-type-options': 'nosniff' });
    res.write('retry: 2000\n\n');
    // Records written while the backlog is read are held, and sent after it.
    const early: AuditRecord[] = [];
    const hold = (r: AuditRecord) => void early.push(r);
    this.early.add(hold);
    let backlog: TrafficSummary[];
    try {
      backlog = await this.latest(100);
    } catch {
      backlog = [];
    } finally {
      this.early.delete(hold);
    }
    if (res.destroyed) return;
    const inBacklog = new Set(backlog.map((b) => b.requestId));
    res.write(`event: backlog\ndata: ${JSON.stringify(backlog)}\n\n`);
    for (const r of early) if (!inBacklog.has(r.requestId)) res.write(`event: record\ndata: ${JSON.stringify(summarize(r))}\n\n`);
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
