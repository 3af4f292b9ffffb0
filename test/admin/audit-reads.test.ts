// What the console reads from an audit store: the filters it adds to `warden
// audit query`'s (group, request id) and newest-first order with a limit, the
// same from SQLite, JSON lines and PostgreSQL; and the usage and quota
// figures made of records.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Chain } from '../../src/audit/chain.js';
import { JsonlAuditStore } from '../../src/audit/jsonl.js';
import { PostgresAuditStore } from '../../src/audit/postgres.js';
import type { AuditRecord, ChainedRecord } from '../../src/audit/record.js';
import type { AuditFilter, AuditReader, AuditSink } from '../../src/audit/sink.js';
import { SqliteAuditStore } from '../../src/audit/sqlite.js';
import { quotaUse, usageReport } from '../../src/admin/usage.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { collect, Postgres, sampleRecord } from '../audit/helpers.js';

const GROUPS = [['ml-engineers'], ['analysts', 'ml'], ['ml-engineers', 'analysts'], []];

function records(): ChainedRecord[] {
  const chain = new Chain('c', Buffer.alloc(32, 5));
  return Array.from({ length: 12 }, (_, i) => chain.link(sampleRecord(i + 1, { groups: GROUPS[i % 4], requestId: `r-${i + 1}` })));
}

const ids = async (store: AuditReader, f: AuditFilter) => (await collect(store.records(f))).map((r) => r.requestId);

function filterCases(open: () => AuditSink & AuditReader) {
  return async () => {
    const store = open();
    try {
      await store.append(records());
      assert.deepEqual(await ids(store, { group: 'analysts' }), ['r-2', 'r-3', 'r-6', 'r-7', 'r-10', 'r-11']);
      // A group is a whole element of the list, not a part of one.
      assert.deepEqual(await ids(store, { group: 'ml' }), ['r-2', 'r-6', 'r-10']);
      assert.deepEqual(await ids(store, { group: 'ml-engineers', requestId: 'r-5' }), ['r-5']);
      assert.deepEqual(await ids(store, { requestId: 'r-4', group: 'analysts' }), []);
      assert.deepEqual(await ids(store, { newestFirst: true, limit: 3 }), ['r-12', 'r-11', 'r-10']);
      assert.deepEqual(await ids(store, { newestFirst: true, group: 'analysts', limit: 2 }), ['r-11', 'r-10']);
      assert.deepEqual(await ids(store, { limit: 2 }), ['r-1', 'r-2']);
    } finally {
      await store.close();
    }
  };
}

describe('the console\'s audit filters', () => {
  let dir: string;
  let pg: Postgres;
  before(async () => {
    dir = makeTempDir('warden-reads-');
    pg = await Postgres.create();
  });
  after(async () => {
    await pg?.destroy();
    removeDir(dir);
  });

  it('SQLite', filterCases(() => new SqliteAuditStore(join(dir, 'a.db'))));
  it('JSON lines', filterCases(() => new JsonlAuditStore(join(dir, 'a.jsonl'))));
  it('PostgreSQL (pages newest first too)', filterCases(() => new PostgresAuditStore({ url: pg.url, table: 'reads', pageRows: 2 })));
});

describe('usage and quota figures', () => {
  const at = (min: number, over: Partial<AuditRecord>): AuditRecord => sampleRecord(1, { time: new Date(Date.UTC(2026, 0, 1, 0, min)).toISOString(), ...over });
  const now = Date.UTC(2026, 0, 1, 1, 0);

  it('requests and tokens per key in equal buckets; a record in two groups counts in both; beyond eight keys, (other)', async () => {
    const list = [
      at(1, { groups: ['a'], totalTokens: 10 }),
      at(1, { groups: ['a', 'b'], totalTokens: 5 }),
      at(59, { groups: [], totalTokens: undefined, promptTokens: 3, outputTokens: 4 }),
      ...Array.from({ length: 9 }, (_, i) => at(30, { groups: [`g${i}`], totalTokens: 1 })),
      at(0, { groups: ['too-early'] }),
    ];
    const r = await usageReport(list, { sinceMs: now - 3_600_000 + 60_000, nowMs: now, by: 'group', truncatedAt: 1000 });
    assert.equal(r.bucketSeconds, 60);
    assert.equal(r.buckets.length, 60);
    assert.equal(r.totals.requests, 12);
    assert.equal(r.totals.tokens, 10 + 5 + 7 + 9);
    const a = r.series.find((s) => s.key === 'a')!;
    assert.equal(a.requests[0], 2);
    assert.equal(a.tokens[0], 15);
    assert.equal(r.series.find((s) => s.key === '(no group)')!.tokens[58], 7);
    assert.equal(r.series.length, 9);
    assert.equal(r.series.at(-1)!.key, '(other)');
    assert.ok(!r.series.some((s) => s.key === 'too-early'));
  });

  it('quota use: the current window\'s records the rule counted, per counter; refused and refunded ones left out', () => {
    const limits = { store: {}, rules: [{ name: 'per-group', by: ['group' as const], match: {}, requests: { limit: 10, per: '1h' }, tokens: { limit: 100, per: '1h', count: 'total' as const } }] };
    const counted = { rules: ['per-group'], estimatedTokens: 5 };
    const list = [
      at(10, { groups: ['a'], quota: counted, totalTokens: 30, upstreamStatus: 200 }),
      at(20, { groups: ['a', 'b'], quota: counted, totalTokens: 20, upstreamStatus: 200 }),
      at(30, { groups: ['a'], quota: { ...counted, exceeded: 'per-group' } }),
      at(40, { groups: ['a'], quota: { ...counted, settledTokens: 0 }, upstreamStatus: undefined, totalTokens: undefined }),
      at(50, { groups: ['a'], quota: { rules: ['other'], estimatedTokens: 1 } }),
    ];
    const use = quotaUse(limits as never, list, now - 1);
    assert.deepEqual(use.map((u) => [u.rule, u.kind, u.limit, u.counters]), [
      ['per-group', 'requests', 10, [{ subject: 'group a', used: 2 }, { subject: 'group b', used: 1 }]],
      ['per-group', 'tokens', 100, [{ subject: 'group a', used: 50 }, { subject: 'group b', used: 20 }]],
    ]);
    assert.equal(use[0].resetsAt, '2026-01-01T01:00:00.000Z');
  });
});
