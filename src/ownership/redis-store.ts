// Owners in Redis, shared by every replica: `owner:{resource}` holds the
// principal, `owned:{principal}` the set of its resources. Unlike quotas,
// there is no local fallback: an owner one replica cannot read is unknown, and
// unknown is refused (ownership.ts), so a Redis outage refuses calls on
// tracked resources rather than letting one caller into another's.
import { Redis } from 'ioredis';
import type { OwnerStore } from './store.js';

export interface RedisOwnerOptions {
  url: string;
  keyPrefix: string;
  timeoutMs: number;
}

export class RedisOwnerStore implements OwnerStore {
  private readonly redis: Redis;

  constructor(o: RedisOwnerOptions) {
    this.redis = new Redis(o.url, {
      keyPrefix: o.keyPrefix,
      // Fail fast while disconnected: the call is refused, it does not wait for Redis.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: o.timeoutMs,
      connectTimeout: Math.max(o.timeoutMs, 1000),
      retryStrategy: (times) => Math.min(100 * times, 2000),
    });
    // Errors reach the caller of each command; the client's own event would otherwise crash the process.
    this.redis.on('error', () => {});
  }

  async owner(resource: string): Promise<string | undefined> {
    return (await this.redis.get(`owner:${resource}`)) ?? undefined;
  }

  async owned(owner: string): Promise<ReadonlySet<string>> {
    const members = await this.redis.smembers(`owned:${owner}`);
    if (members.length === 0) return new Set();
    // A member whose owner key expired (or was taken over) is not the caller's any more.
    const owners = await this.redis.mget(...members.map((m) => `owner:${m}`));
    return new Set(members.filter((_, i) => owners[i] === owner));
  }

  async record(resource: string, owner: string, ttlMs: number): Promise<void> {
    checked(await this.redis.multi()
      .set(`owner:${resource}`, owner, 'PX', ttlMs)
      .sadd(`owned:${owner}`, resource)
      .pexpire(`owned:${owner}`, ttlMs)
      .exec());
  }

  async forget(resource: string): Promise<void> {
    const owner = await this.redis.get(`owner:${resource}`);
    const m = this.redis.multi().del(`owner:${resource}`);
    if (owner !== null) m.srem(`owned:${owner}`, resource);
    checked(await m.exec());
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}

/** A transaction's results: any command's error (or a discarded transaction) is thrown. */
function checked(results: [Error | null, unknown][] | null): void {
  if (results === null) throw new Error('the Redis transaction was discarded');
  for (const [e] of results) if (e) throw e;
}
