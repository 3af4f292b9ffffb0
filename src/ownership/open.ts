import { durationMs, type GatewaySpec } from '../config/schema.js';
import { stateKey, type KeptState } from '../state.js';
import { Ownership } from './ownership.js';
import { RedisOwnerStore } from './redis-store.js';
import { MemoryOwnerStore } from './store.js';

/**
 * spec.ownership as the admission stage uses it; undefined with `enforce: off`. `state`: the store
 * (the owners recorded so far, or the Redis connection) is kept across a reload while its settings
 * stay, as the quota counters are; `enforce` and `ttl` are this config's.
 */
export function openOwnership(spec: GatewaySpec['ownership'], state?: KeptState): Ownership | undefined {
  if (spec.enforce === 'off') return undefined;
  const redis = spec.store.redis;
  const make = () => (redis
    ? new RedisOwnerStore({ url: redis.url, keyPrefix: redis.keyPrefix, timeoutMs: durationMs(redis.timeout) })
    : new MemoryOwnerStore());
  const store = state ? state.take(stateKey('ownership-store', redis ?? 'memory'), make, (s) => s.close()) : make();
  return new Ownership({ store, enforce: spec.enforce, ttlMs: durationMs(spec.ttl) });
}
