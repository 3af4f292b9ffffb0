// Usage over time, from the audit records (or, without an audit store, the
// records this process keeps for live traffic): requests and tokens per
// group, principal, model or route, in equal time buckets; and each quota
// rule's use of its current window against its limit.
import type { AuditRecord } from '../audit/record.js';
import { durationMs, type LimitsSpec } from '../config/schema.js';

export const USAGE_DIMENSIONS = ['group', 'principal', 'model', 'route'] as const;
export type UsageDimension = (typeof USAGE_DIMENSIONS)[number];

export interface UsageReport {
  by: UsageDimension;
  /** Start of each bucket, in Unix seconds. */
  buckets: number[];
  bucketSeconds: number;
  /** The busiest keys by requests; the rest summed as `(other)`. */
  series: { key: string; requests: number[]; tokens: number[] }[];
  totals: { requests: number; tokens: number };
  /** How many records were read; `truncated` when there were more than could be read. */
  records: number;
  truncated: boolean;
}

const BUCKETS = 60;
const MAX_SERIES = 8;
/** Bucket widths a person reads at a glance; the first that gives at most BUCKETS buckets. */
const NICE_SECONDS = [1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

function keysOf(r: AuditRecord, by: UsageDimension): string[] {
  switch (by) {
    case 'group':
      return r.groups?.length ? r.groups : ['(no group)'];
    case 'principal':
      return [r.principal ?? 'anonymous'];
    case 'model':
      return [r.model ?? '(no model)'];
    case 'route':
      return [r.route ?? '(no route)'];
  }
}

export function tokensOf(r: AuditRecord): number {
  return r.totalTokens ?? (r.promptTokens ?? 0) + (r.outputTokens ?? 0);
}

export async function usageReport(records: AsyncIterable<AuditRecord> | Iterable<AuditRecord>, o: { sinceMs: number; nowMs: number; by: UsageDimension; truncatedAt: number }): Promise<UsageReport> {
  const span = Math.max(1, o.nowMs - o.sinceMs);
  const wanted = span / BUCKETS / 1000;
  const bucketMs = (NICE_SECONDS.find((n) => n >= wanted) ?? Math.ceil(wanted / 86400) * 86400) * 1000;
  const first = Math.floor(o.sinceMs / bucketMs) * bucketMs;
  const n = Math.floor((o.nowMs - first) / bucketMs) + 1;
  const byKey = new Map<string, { requests: number[]; tokens: number[]; total: number }>();
  let count = 0;
  const totals = { requests: 0, tokens: 0 };
  for await (const r of records) {
    count++;
    const t = Date.parse(r.time);
    if (t < o.sinceMs || t > o.nowMs) continue;
    const i = Math.floor((t - first) / bucketMs);
    const tokens = tokensOf(r);
    totals.requests++;
    totals.tokens += tokens;
    for (const key of keysOf(r, o.by)) {
      let s = byKey.get(key);
      if (!s) byKey.set(key, (s = { requests: new Array(n).fill(0), tokens: new Array(n).fill(0), total: 0 }));
      s.requests[i]++;
      s.tokens[i] += tokens;
      s.total++;
    }
  }
  const sorted = [...byKey.entries()].sort((a, b) => b[1].total - a[1].total);
  const series = sorted.slice(0, MAX_SERIES).map(([key, s]) => ({ key, requests: s.requests, tokens: s.tokens }));
  const rest = sorted.slice(MAX_SERIES);
  if (rest.length) {
    const other = { key: '(other)', requests: new Array(n).fill(0), tokens: new Array(n).fill(0) };
    for (const [, s] of rest) for (let i = 0; i < n; i++) (other.requests[i] += s.requests[i], other.tokens[i] += s.tokens[i]);
    series.push(other);
  }
  return {
    by: o.by,
    buckets: Array.from({ length: n }, (_, i) => (first + i * bucketMs) / 1000),
    bucketSeconds: bucketMs / 1000,
    series,
    totals,
    records: count,
    truncated: count >= o.truncatedAt,
  };
}

export interface QuotaUse {
  rule: string;
  kind: 'requests' | 'tokens';
  limit: number;
  per: string;
  windowStart: string;
  resetsAt: string;
  /** The most used counters of the window (one per distinct `by` value). */
  counters: { subject: string; used: number }[];
}

/** The longest window of any rule: how far back quota use must read. */
export function longestWindowMs(limits: LimitsSpec | undefined): number {
  let ms = 0;
  for (const r of limits?.rules ?? []) for (const w of [r.requests, r.tokens]) if (w) ms = Math.max(ms, durationMs(w.per));
  return ms;
}

/**
 * Each rule's use of its current (fixed, epoch-aligned) window, counted from
 * the records that rule counted: what the enforcing counters hold, less what
 * other replicas count when they write to another audit store.
 */
export function quotaUse(limits: LimitsSpec | undefined, records: readonly AuditRecord[], nowMs: number): QuotaUse[] {
  const out: QuotaUse[] = [];
  for (const rule of limits?.rules ?? []) {
    for (const kind of ['requests', 'tokens'] as const) {
      const w = rule[kind];
      if (!w) continue;
      const ms = durationMs(w.per);
      const start = Math.floor(nowMs / ms) * ms;
      const used = new Map<string, number>();
      for (const r of records) {
        const q = r.quota;
        if (!q?.rules.includes(rule.name) || q.exceeded || Date.parse(r.time) < start) continue;
        // Refunded: it never left Warden, and the counters gave it back.
        if (q.settledTokens === 0 && r.upstreamStatus === undefined) continue;
        const amount = kind === 'requests' ? 1 : tokensCounted(r, rule.tokens!.count);
        for (const subject of subjects(r, rule)) used.set(subject, (used.get(subject) ?? 0) + amount);
      }
      out.push({
        rule: rule.name,
        kind,
        limit: w.limit,
        per: w.per,
        windowStart: new Date(start).toISOString(),
        resetsAt: new Date(start + ms).toISOString(),
        counters: [...used.entries()].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([subject, n]) => ({ subject, used: n })),
      });
    }
  }
  return out;
}

function tokensCounted(r: AuditRecord, count: 'prompt' | 'output' | 'total'): number {
  if (count === 'prompt') return r.promptTokens ?? r.quota?.estimatedTokens ?? 0;
  if (count === 'output') return r.outputTokens ?? 0;
  return r.totalTokens ?? r.quota?.settledTokens ?? r.quota?.estimatedTokens ?? 0;
}

/** The counters a record was charged to, named as the rule's `by` makes them (limits/rules.ts). */
function subjects(r: AuditRecord, rule: LimitsSpec['rules'][number]): string[] {
  const groups = rule.match.groups ? r.groups.filter((g) => rule.match.groups!.includes(g)) : r.groups;
  let keys = [''];
  for (const d of rule.by) {
    const values = d === 'principal' ? [r.principal ?? 'anonymous'] : d === 'route' ? [r.route ?? ''] : d === 'model' ? [r.model ?? '-'] : groups.length ? groups : ['-'];
    keys = keys.flatMap((k) => values.map((v) => `${k}${k ? ', ' : ''}${d} ${v}`));
  }
  return keys.map((k) => k || 'all requests');
}
