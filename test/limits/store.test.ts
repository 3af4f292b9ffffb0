// Limits against real stores: the in-memory store and a real Redis.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import type { LimitsSpec } from '../../src/config/schema.js';
import { Limits } from '../../src/limits/limits.js';
import type { Principal, Target } from '../../src/types.js';
import { startRedis, type RedisProcess } from './redis-server.js';
import { until } from '../helpers/process.js';

const target: Target = { provider: 'vertex', operation: 'generateContent', operationClass: 'inference', stream: false, model: 'gemini-2.0-flash' };
const alice: Principal = { requestPrincipal: 'iss/alice', groups: ['ml', 'eng'], methods: ['jwt'] };
const bob: Principal = { requestPrincipal: 'iss/bob', groups: ['ml'], methods: ['jwt'] };
const scope = (principal: Principal, route = 'vertex') => ({ route, principal, target });

function spec(rules: LimitsSpec['rules'], store: LimitsSpec['store'] = {}): LimitsSpec {
  return { store, rules };
}
const rule = (r: Partial<LimitsSpec['rules'][number]> & { name: string }): LimitsSpec['rules'][number] => ({ by: [], match: {}, ...r });

describe('limits (memory store)', () => {
  it('counts requests per principal and refuses the one over the limit with Retry-After', async () => {
    const limits = new Limits(spec([rule({ name: 'per-user', by: ['principal'], requests: { limit: 3, per: '1m' } })]));
    for (let i = 0; i < 3; i++) {
      const q = await limits.admit(scope(alice), 10);
      assert.ok(q?.ticket);
      assert.equal(q.ticket.headers['x-ratelimit-remaining-requests'], String(2 - i));
      assert.equal(q.ticket.headers['x-ratelimit-limit-requests'], '3');
    }
    const refused = await limits.admit(scope(alice), 10);
    assert.equal(refused?.refused?.code, 'RESOURCE_EXHAUSTED');
    assert.equal(refused?.refused?.httpStatus, 429);
    assert.match(refused?.refused?.headers['retry-after'] ?? '', /^\d+$/);
    assert.equal(refused?.record.exceeded, 'per-user');
    assert.ok((await limits.admit(scope(bob), 10))?.ticket, 'bob has his own counter');
    await limits.close();
  });

  it('combines dimensions and filters: per group and route, only for matching models', async () => {
    const limits = new Limits(spec([rule({ name: 'team', by: ['group', 'route'], match: { models: ['gemini-2.0-flash'], groups: ['ml'] }, requests: { limit: 2, per: '1m' } })]));
    assert.ok((await limits.admit(scope(alice), 1))?.ticket);
    assert.ok((await limits.admit(scope(bob), 1))?.ticket);
    assert.ok((await limits.admit(scope(bob), 1))?.refused, 'group ml on route vertex is used up by alice and bob together');
    assert.ok((await limits.admit(scope(bob, 'other'), 1))?.ticket, 'another route has its own counter');
    assert.equal(await limits.admit({ ...scope(bob), target: { ...target, model: 'claude' } }, 1), undefined, 'other models are not counted');
    await limits.close();
  });

  it('pre-charges the prompt estimate and settles from the real usage', async () => {
    const limits = new Limits(spec([rule({ name: 'tokens', by: ['principal'], tokens: { limit: 100, per: '1h', count: 'total' } })]));
    const a = await limits.admit(scope(alice), 40);
    assert.equal(a?.ticket?.headers['x-ratelimit-remaining-tokens'], '60');
    a!.ticket!.settle({ promptTokens: 5, outputTokens: 5, totalTokens: 10 }, true);
    await new Promise((r) => setImmediate(r));
    const b = await limits.admit(scope(alice), 40);
    assert.equal(b?.ticket?.headers['x-ratelimit-remaining-tokens'], '50', '10 real + 40 estimated');
    b!.ticket!.settle(undefined, false); // the model never ran: tokens come back
    await new Promise((r) => setImmediate(r));
    const c = await limits.admit(scope(alice), 95);
    assert.equal(c?.refused?.reason, 'RATE_LIMITED', '10 + 95 > 100');
    assert.equal(c?.refused?.headers['x-ratelimit-remaining-tokens'], '90');
    await limits.close();
  });

  it('output-token limits charge nothing up front and refuse once spent', async () => {
    const limits = new Limits(spec([rule({ name: 'out', tokens: { limit: 50, per: '1h', count: 'output' } })]));
    const a = await limits.admit(scope(alice), 1000);
    assert.ok(a?.ticket);
    a.ticket.settle({ promptTokens: 1000, outputTokens: 60 }, true);
    await new Promise((r) => setImmediate(r));
    assert.ok((await limits.admit(scope(alice), 1))?.refused);
    await limits.close();
  });
});

describe('limits (redis store)', () => {
  let redis: RedisProcess;
  before(async () => {
    redis = await startRedis();
  });
  after(() => redis.stop());

  it('shares counters between two gateways and settles tokens in Redis', async () => {
    const s = spec([rule({ name: 'shared', requests: { limit: 5, per: '1m' }, tokens: { limit: 1000, per: '1m', count: 'total' } })], {
      redis: { url: redis.url, keyPrefix: 'test1:', timeout: '500ms', unavailable: 'deny', localShare: 1 },
    });
    const a = new Limits(s);
    const b = new Limits(s);
    await until(() => a.ready && b.ready && a.status().includes('up') && b.status().includes('up'), 'both limiters up');
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).admit(scope(alice), 10)));
    assert.equal(results.filter((r) => r?.ticket).length, 5);
    assert.equal(results.filter((r) => r?.refused).length, 3);
    await a.close();
    await b.close();
  });

  it('falls back to local limits while Redis is down, and goes back when it returns', async () => {
    const r2 = await startRedis();
    const registry = new Registry();
    const limits = new Limits(
      spec([rule({ name: 'fb', requests: { limit: 4, per: '1m' } })], {
        redis: { url: r2.url, keyPrefix: 't2:', timeout: '200ms', unavailable: 'local', localShare: 0.5 },
      }),
      registry,
    );
    await until(() => limits.status() === 'limits: redis up', 'redis up');
    assert.ok((await limits.admit(scope(alice), 1))?.ticket);
    await r2.stop();
    await until(() => limits.status().includes('unreachable'), 'redis reported unreachable');
    assert.equal(limits.ready, true, 'local fallback keeps the replica ready');
    const local = await Promise.all([1, 2, 3].map(() => limits.admit(scope(alice), 1)));
    assert.deepEqual(local.map((q) => !!q?.ticket), [true, true, false], 'half of the limit, locally');
    assert.equal(local[0]?.record.local, true);
    const metrics = await registry.metrics();
    assert.match(metrics, /warden_limits_store_up 0/);
    assert.match(metrics, /warden_limits_local_fallback_total 3/);
    const back = await startRedis(r2.port);
    await until(() => limits.status() === 'limits: redis up', 'redis up again', 8000);
    const q = await limits.admit(scope(alice), 1);
    assert.ok(q?.ticket && !q.record.local, 'counted in Redis again');
    await limits.close();
    await back.stop();
  });

  it('fails closed when configured to: 503 and not ready', async () => {
    const r3 = await startRedis();
    const limits = new Limits(spec([rule({ name: 'fc', requests: { limit: 4, per: '1m' } })], {
      redis: { url: r3.url, keyPrefix: 't3:', timeout: '200ms', unavailable: 'deny', localShare: 1 },
    }));
    await until(() => limits.status() === 'limits: redis up', 'redis up');
    await r3.stop();
    await until(() => !limits.ready, 'limits not ready');
    await assert.rejects(limits.admit(scope(alice), 1), (e: { reason?: string; httpStatus?: number }) => e.reason === 'LIMITS_UNAVAILABLE' && e.httpStatus === 503);
    await limits.close();
  });
});
