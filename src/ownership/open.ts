import { durationMs, type GatewaySpec } from '../config/schema.js';
import { Ownership } from './ownership.js';
import { RedisOwnerStore } from './redis-store.js';
import { MemoryOwnerStore } from './store.js';

/** spec.ownership as the admission stage uses it; undefined with `enforce: off`. */
export function openOwnership(spec: GatewaySpec['ownership']): Ownership | undefined {
  if (spec.enforce === 'off') return undefined;
  const redis = spec.store.redis;
  const store = redis
    ? new RedisOwnerStore({ url: redis.url, keyPrefix: redis.keyPrefix, timeoutMs: durationMs(redis.timeout) })
    : new MemoryOwnerStore();
  return new Ownership({ store, enforce: spec.enforce, ttlMs: durationMs(spec.ttl) });
}
