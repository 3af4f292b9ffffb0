// Quotas: the limit stage of guard(request), and settlement after the answer.
//
//   admit   one charge per request across every rule that applies: +1 on each
//           request counter, the prompt estimate on each `prompt` and `total`
//           token counter, a reservation of output tokens (the declared
//           maximum) on `output` counters, which refuse only once used up;
//           over any limit → 429 RESOURCE_EXHAUSTED with Retry-After.
//   settle  the upstream's usage replaces the estimate; a call that failed
//           before the model ran gives its tokens back.
//   refund  the request never left Warden (a later stage refused it, or the
//           upstream could not be connected to): the whole charge, request
//           and tokens, is given back.
//
// Windows are fixed (aligned to the epoch), so replicas sharing Redis count
// into the same keys without talking to each other.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { LimitsSpec } from '../config/schema.js';
import { WardenError } from '../errors.js';
import type { Usage } from '../types.js';
import { MemoryStore } from './memory-store.js';
import { RedisStore } from './redis-store.js';
import { LimitRule, type LimitScope, type TokenCount, type Window } from './rules.js';
import { durationMs } from '../config/schema.js';
import { exceeds, type Charge, type CounterStore } from './store.js';
import { stateKey, type KeptState } from '../state.js';
import { registered } from '../telemetry/metrics.js';

interface Line {
  rule: LimitRule;
  kind: 'requests' | 'tokens';
  window: Window;
  count?: TokenCount;
  charge: Charge;
  resetMs: number;
}

/** What the audit record keeps of a request's quota check. */
export interface QuotaRecord {
  /** Rules that counted this request. */
  rules: string[];
  /** The rule that refused it, if one did. */
  exceeded?: string;
  /** Tokens pre-charged from the prompt estimate. */
  estimatedTokens: number;
  /** Set by settle/refund: the request's tokens once its usage is known (total, or prompt + output; 0 when given back). */
  settledTokens?: number;
  /** Local fallback counted this request (Redis unreachable). */
  local?: boolean;
}

/** What the quotas would do with a request now, nothing charged (`warden explain`). */
export interface QuotaPreview {
  /** Each counter the request would be charged on. */
  counters: { rule: string; kind: 'requests' | 'tokens'; limit: number; windowSeconds: number; used?: number; wouldRefuse: boolean }[];
  /** The rule that would refuse it now, if one would. */
  refusedBy?: string;
  /** Whether the counts are known: not from a process other than the gateway's when the counters are in its memory. */
  counted: boolean;
}

export type QuotaOutcome = { record: QuotaRecord } & ({ ticket: QuotaTicket; refused?: undefined } | { ticket?: undefined; refused: WardenError });

export class Limits {
  private readonly rules: LimitRule[];
  private readonly prefix: string;
  readonly store: CounterStore;
  private readonly rejections?: Counter<'rule' | 'kind'>;

  /**
   * `state`: a reload keeps the counter store (and so every count) while `spec.store` is unchanged
   * (state.ts); counters are keyed by rule name, so a rule that keeps its name keeps its counts.
   */
  constructor(spec: LimitsSpec, registry?: Registry, state?: KeptState) {
    this.rules = spec.rules.map((r) => new LimitRule(r));
    this.prefix = spec.store.redis ? '' : 'warden:';
    const open = () => openStore(spec.store, registry);
    this.store = state ? state.take(stateKey('limits-store', spec.store), open, (s) => s.close()) : open();
    if (registry) {
      this.rejections = registered(registry, 'warden_ratelimit_rejections_total', (name) =>
        new Counter({ name, help: 'Requests refused by a quota', labelNames: ['rule', 'kind'], registers: [registry] }));
    }
  }

  /** Readiness: false only when Redis is down and the configured behaviour is to refuse. */
  get ready(): boolean {
    return !(this.store instanceof RedisStore) || this.store.ready;
  }

  /** Store status for /readyz. */
  status(): string {
    if (!(this.store instanceof RedisStore)) return 'limits: memory';
    return this.store.up ? 'limits: redis up' : `limits: redis unreachable (${this.ready ? 'local fallback' : 'refusing requests'})`;
  }

  /**
   * Charge one request; `undefined` when no rule applies to it. `outputReserve`: the output tokens
   * `output` counters reserve until the answer settles, so that requests in flight see each other's:
   * a request is refused once the budget is used up by what earlier ones used and reserved, never for
   * its own reservation (what must fit is its prompt estimate on `prompt` and `total` counters, and
   * some budget left on `output` ones).
   */
  async admit(scope: LimitScope, promptEstimate: number, outputReserve = 0): Promise<QuotaOutcome | undefined> {
    const lines = this.lines(scope, promptEstimate, outputReserve, Date.now());
    if (lines.length === 0) return undefined;
    const result = await this.store.charge(lines.map((l) => l.charge));
    const headers = rateHeaders(lines, result.values);
    const record: QuotaRecord = { rules: [...new Set(lines.map((l) => l.rule.name))], estimatedTokens: promptEstimate };
    // Only a failover store names the store that answered: a different one is the local fallback.
    if (result.store && result.store !== this.store) record.local = true;
    if (!result.allowed) {
      // The line that refused: the first over its limit (the longest wait if several).
      let worst: Line | undefined;
      lines.forEach((l, i) => {
        const v = result.values[i]!;
        const over = exceeds(v, l.charge.fits ?? l.charge.increment, l.charge.limit);
        if (over && (!worst || l.resetMs > worst.resetMs)) worst = l;
      });
      const w = worst ?? lines[0]!;
      this.rejections?.inc({ rule: w.rule.name, kind: w.kind });
      record.exceeded = w.rule.name;
      const retry = String(Math.max(1, Math.ceil(w.resetMs / 1000)));
      const refused = new WardenError('RESOURCE_EXHAUSTED', 'RATE_LIMITED', `quota "${w.rule.name}" exceeded (${w.kind}); retry in ${retry}s`, {
        headers: { ...headers, 'retry-after': retry },
      });
      return { record, refused };
    }
    return { record, ticket: new QuotaTicket(lines, result.store ?? this.store, headers, record) };
  }

  /** The counters admit() would charge, with their values now, charging nothing; undefined when no rule applies. */
  async preview(scope: LimitScope, promptEstimate: number, o: { counted: boolean }): Promise<QuotaPreview | undefined> {
    const lines = this.lines(scope, promptEstimate, 0, Date.now());
    if (!lines.length) return undefined;
    const values = o.counted ? await this.store.peek(lines.map((l) => l.charge.key)) : undefined;
    const counters = lines.map((l, i) => {
      const used = values?.[i];
      return {
        rule: l.rule.name, kind: l.kind, limit: l.charge.limit, windowSeconds: l.window.ms / 1000,
        ...(used === undefined ? {} : { used }), wouldRefuse: used !== undefined && exceeds(used, l.charge.fits ?? l.charge.increment, l.charge.limit),
      };
    });
    return { counters, refusedBy: counters.find((c) => c.wouldRefuse)?.rule, counted: o.counted };
  }

  close(): Promise<void> {
    return this.store.close();
  }

  private lines(scope: LimitScope, promptEstimate: number, outputReserve: number, now: number): Line[] {
    const lines: Line[] = [];
    for (const rule of this.rules) {
      for (const subject of rule.subjects(scope)) {
        // A call billed by input counts as its inputs (the facts check refused one whose count is unknown).
        if (rule.requests) lines.push(this.line(rule, 'requests', rule.requests, subject, rule.requests.count === 'instances' ? (scope.target.instances ?? 1) : 1, now));
        if (rule.tokens) {
          const count = rule.tokens.count;
          const fits = count === 'output' ? 0 : promptEstimate;
          // Only `output` counters reserve: `total` ones pre-charge the prompt, as their x-ratelimit headers tell.
          const line = this.line(rule, 'tokens', rule.tokens, subject, count === 'output' ? outputReserve : fits, now);
          line.charge.fits = fits;
          lines.push({ ...line, count });
        }
      }
    }
    return lines;
  }

  private line(rule: LimitRule, kind: 'requests' | 'tokens', w: Window, subject: string, increment: number, now: number): Omit<Line, 'count'> {
    const start = Math.floor(now / w.ms) * w.ms;
    return {
      rule,
      kind,
      window: w,
      charge: { key: `${this.prefix}${rule.name}:${kind}:${subject}:${start}`, increment, limit: w.limit, ttlMs: w.ms + 5000 },
      resetMs: start + w.ms - now,
    };
  }
}

function openStore(spec: LimitsSpec['store'], registry?: Registry): CounterStore {
  const redis = spec.redis;
  if (!redis) return new MemoryStore();
  const metrics = registry && {
    up: registered(registry, 'warden_limits_store_up', (name) => new Gauge({ name, help: 'Whether the Redis quota store is reachable (1) or not (0)', registers: [registry] })),
    errors: registered(registry, 'warden_limits_store_errors_total', (name) => new Counter({ name, help: 'Quota store commands that failed', registers: [registry] })),
    fallbacks: registered(registry, 'warden_limits_local_fallback_total', (name) => new Counter({ name, help: 'Requests counted locally while Redis was unreachable', registers: [registry] })),
  };
  return new RedisStore({
    url: redis.url,
    keyPrefix: redis.keyPrefix,
    timeoutMs: durationMs(redis.timeout),
    unavailable: redis.unavailable,
    localShare: redis.localShare,
    metrics,
  });
}

/** One admitted request's charge, until it is settled. */
export class QuotaTicket {
  private settled = false;

  constructor(
    private readonly lines: readonly Line[],
    private readonly store: CounterStore,
    /** `x-ratelimit-*` for the caller's response. */
    readonly headers: Record<string, string>,
    /** The audit's view of this charge: settlement is noted on it. */
    private readonly record?: QuotaRecord,
  ) {}

  /**
   * The request never reached the upstream (credential, identity token or audit stage refused it,
   * or no connection could be made): give back the whole charge, the request and its tokens.
   */
  refund(): void {
    if (this.settled) return;
    this.settled = true;
    if (this.record) this.record.settledTokens = 0;
    const adjustments = this.lines.filter((l) => l.charge.increment !== 0).map((l) => ({ key: l.charge.key, delta: -l.charge.increment }));
    if (adjustments.length) this.store.adjust(adjustments).catch(() => {});
  }

  /** Replace the estimate with the real usage (`usage` undefined and `ran` false: the model never ran, give tokens back). */
  settle(usage: Usage | undefined, ran: boolean): void {
    if (this.settled) return;
    this.settled = true;
    if (this.record) {
      if (usage) this.record.settledTokens = usage.totalTokens ?? (usage.promptTokens ?? 0) + (usage.outputTokens ?? 0);
      else if (!ran) this.record.settledTokens = 0;
    }
    const adjustments: { key: string; delta: number }[] = [];
    for (const l of this.lines) {
      if (l.kind !== 'tokens') continue;
      let actual: number | undefined;
      if (usage) {
        const prompt = usage.promptTokens ?? 0;
        const output = usage.outputTokens ?? 0;
        actual = l.count === 'prompt' ? prompt : l.count === 'output' ? output : (usage.totalTokens ?? prompt + output);
      } else if (!ran) {
        actual = 0;
      }
      if (actual !== undefined && actual !== l.charge.increment) adjustments.push({ key: l.charge.key, delta: actual - l.charge.increment });
    }
    // Off the response path: a slow store never delays the caller.
    if (adjustments.length) this.store.adjust(adjustments).catch(() => {});
  }
}

/** OpenAI's `x-ratelimit-*` headers for the tightest request and token counters. */
function rateHeaders(lines: readonly Line[], values: readonly number[]): Record<string, string> {
  const h: Record<string, string> = {};
  for (const kind of ['requests', 'tokens'] as const) {
    let best: { l: Line; remaining: number } | undefined;
    lines.forEach((l, i) => {
      if (l.kind !== kind) return;
      const remaining = Math.max(0, l.charge.limit - values[i]!);
      if (!best || remaining < best.remaining) best = { l, remaining };
    });
    if (!best) continue;
    h[`x-ratelimit-limit-${kind}`] = String(best.l.charge.limit);
    h[`x-ratelimit-remaining-${kind}`] = String(best.remaining);
    h[`x-ratelimit-reset-${kind}`] = `${Math.max(0, Math.ceil(best.l.resetMs / 1000))}s`;
  }
  return h;
}
