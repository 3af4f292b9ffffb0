// Counters in Redis, shared by every replica. A charge is one Lua script:
// check every counter, then increment them all or none, atomically. While
// Redis is unreachable, requests are counted by a local store (each replica
// enforcing `localShare` of every limit) or refused, as configured; the state
// shows in metrics and on /readyz.
import { Redis } from 'ioredis';
import type { Gauge, Counter as PromCounter } from 'prom-client';
import { WardenError } from '../errors.js';
import { MemoryStore } from './memory-store.js';
import type { Charge, ChargeResult, CounterStore } from './store.js';

// KEYS: counters. ARGV: increment, the part of it that must fit, limit, ttl (ms) for each. Returns {allowed, value…}.
const CHARGE = `
local n = #KEYS
local cur = {}
local denied = false
for i = 1, n do
  cur[i] = tonumber(redis.call('GET', KEYS[i]) or '0')
  local fits = tonumber(ARGV[i * 4 - 2])
  local limit = tonumber(ARGV[i * 4 - 1])
  if (fits > 0 and cur[i] + fits > limit) or (fits == 0 and cur[i] >= limit) then denied = true end
end
if denied then
  local out = {0}
  for i = 1, n do out[i + 1] = cur[i] end
  return out
end
local out = {1}
for i = 1, n do
  local v = redis.call('INCRBY', KEYS[i], ARGV[i * 4 - 3])
  if redis.call('PTTL', KEYS[i]) < 0 then redis.call('PEXPIRE', KEYS[i], ARGV[i * 4]) end
  out[i + 1] = v
end
return out
`;

// Settlement only touches counters that still exist (a window that has rolled over is left alone).
const ADJUST = `
for i = 1, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then redis.call('INCRBY', KEYS[i], ARGV[i]) end
end
return 1
`;

export interface RedisStoreOptions {
  url: string;
  keyPrefix: string;
  timeoutMs: number;
  unavailable: 'local' | 'deny';
  localShare: number;
  metrics?: { up: Gauge; errors: PromCounter; fallbacks: PromCounter };
}

type Scripted = Redis & {
  wardenCharge(numKeys: number, ...args: (string | number)[]): Promise<number[]>;
  wardenAdjust(numKeys: number, ...args: (string | number)[]): Promise<number>;
};

export class RedisStore implements CounterStore {
  readonly kind = 'redis';
  private readonly redis: Scripted;
  private readonly local = new MemoryStore();
  private connected = false;

  constructor(private readonly o: RedisStoreOptions) {
    this.redis = new Redis(o.url, {
      keyPrefix: o.keyPrefix,
      // Fail fast while disconnected: a request must not wait for Redis to come back.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: o.timeoutMs,
      connectTimeout: Math.max(o.timeoutMs, 1000),
      retryStrategy: (times) => Math.min(100 * times, 2000),
      lazyConnect: false,
    }) as Scripted;
    this.redis.defineCommand('wardenCharge', { lua: CHARGE });
    this.redis.defineCommand('wardenAdjust', { lua: ADJUST });
    this.redis.on('ready', () => this.setUp(true));
    this.redis.on('close', () => this.setUp(false));
    // Connection errors are reported through `up` and the error counter; ioredis reconnects by itself.
    this.redis.on('error', () => {});
    o.metrics?.up.set(0);
  }

  /** Whether Redis is reachable now. */
  get up(): boolean {
    return this.connected;
  }

  /** Ready for traffic: Redis is up, or requests have somewhere else to go. */
  get ready(): boolean {
    return this.connected || this.o.unavailable === 'local';
  }

  async charge(charges: readonly Charge[]): Promise<ChargeResult> {
    if (this.connected) {
      try {
        const args: (string | number)[] = charges.map((c) => c.key);
        for (const c of charges) args.push(c.increment, c.fits ?? c.increment, c.limit, c.ttlMs);
        const [allowed, ...values] = await this.redis.wardenCharge(charges.length, ...args);
        return { allowed: allowed === 1, values: values.map(Number), store: this };
      } catch {
        this.o.metrics?.errors.inc();
      }
    }
    if (this.o.unavailable === 'deny') {
      throw new WardenError('UNAVAILABLE', 'LIMITS_UNAVAILABLE', 'the quota store is unreachable; try again shortly', { headers: { 'retry-after': '1' } });
    }
    this.o.metrics?.fallbacks.inc();
    const share = this.o.localShare;
    const local = this.local.chargeSync(charges.map((c) => ({ ...c, limit: Math.floor(c.limit * share) })));
    return { ...local, store: this.local };
  }

  /** Redis's counters while it is up, else the local fallback's (as charge() would count). */
  async peek(keys: readonly string[]): Promise<number[]> {
    if (!this.connected || !keys.length) return this.local.peek(keys);
    const values = await this.redis.mget(...keys);
    return values.map((v) => Number(v ?? 0));
  }

  async adjust(adjustments: readonly { key: string; delta: number }[]): Promise<void> {
    if (adjustments.length === 0 || !this.connected) return;
    try {
      await this.redis.wardenAdjust(adjustments.length, ...adjustments.map((a) => a.key), ...adjustments.map((a) => a.delta));
    } catch {
      this.o.metrics?.errors.inc();
    }
  }

  async close(): Promise<void> {
    await this.local.close();
    this.redis.disconnect();
  }

  private setUp(up: boolean): void {
    this.connected = up;
    this.o.metrics?.up.set(up ? 1 : 0);
  }
}
