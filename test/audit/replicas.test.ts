// Several replicas writing to one PostgreSQL database, as a platform engineer
// runs them: each keeps a chain of its own. When two writers number the same
// chain (two pods given one `audit.chain`), the store refuses the second
// writer's clashing records instead of dropping them as replays: the records
// wait in that replica's spool, it says so loudly, and the first chain stays
// whole. A replica started with another key than the one its chain was
// written with says so at once, not at the next scheduled verify.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Chain } from '../../src/audit/chain.js';
import { PostgresAuditStore } from '../../src/audit/postgres.js';
import { ChainConflictError } from '../../src/audit/sink.js';
import { SqliteThreadSink } from '../../src/audit/sqlite-sink.js';
import { SqliteAuditStore } from '../../src/audit/sqlite.js';
import { verify } from '../../src/audit/verify.js';
import { AuditWriter } from '../../src/audit/writer.js';
import { until } from '../helpers/process.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { collect, drained, memoryLogger, Postgres, sampleRecord } from './helpers.js';

const KEY = Buffer.alloc(32, 9);

describe('replicas sharing one PostgreSQL audit store', () => {
  let pg: Postgres;
  let dir: string;
  before(async () => {
    pg = await Postgres.create();
    dir = makeTempDir('warden-audit-replicas-');
  });
  after(async () => {
    await pg?.destroy();
    removeDir(dir);
  });

  it('stores a replayed batch once, and refuses a batch that clashes with stored records, storing none of it', async () => {
    const store = new PostgresAuditStore({ url: pg.url, table: 'replay' });
    try {
      const mine = new Chain('one', KEY);
      const first = Array.from({ length: 4 }, (_, i) => mine.link(sampleRecord(i + 1)));
      await store.append(first);
      // A replay after a crash: the same records, and some new ones after them.
      const more = [first[2], first[3], mine.link(sampleRecord(5))];
      await store.append(more);
      // Another writer of chain `one`, numbering on from seq 3: its 4 and 5 clash, its 6 is new.
      const other = new Chain('one', KEY, { seq: 3, hash: first[2].hash });
      const clash = [4, 5, 6].map((i) => other.link(sampleRecord(100 + i)));
      await assert.rejects(store.append(clash), (e: Error) => e instanceof ChainConflictError && /chain one already holds seq 4 .*request req-104/.test(e.message));
      const stored = await collect(store.records());
      assert.deepEqual(stored.map((r) => r.requestId), ['req-1', 'req-2', 'req-3', 'req-4', 'req-5'], 'nothing of the clashing batch, not even its new seq 6');
      assert.equal(verify(KEY, stored, []).ok, true);
    } finally {
      await store.close();
    }
  });

  it('two writers given the same chain name: the second is refused loudly and keeps its records, the first chain stays whole', async () => {
    const open = (name: string, log: ReturnType<typeof memoryLogger>) => AuditWriter.open({
      sink: new PostgresAuditStore({ url: pg.url }), key: KEY, chain: 'warden', spoolDir: join(dir, name, 'warden'),
      spoolMaxBytes: 1 << 20, failOpen: false, checkpointMs: 60_000, log: log.log,
    });
    const aLog = memoryLogger();
    let a = await open('a', aLog);
    const bLog = memoryLogger();
    let b: AuditWriter | undefined;
    try {
      for (let i = 1; i <= 5; i++) a.write(sampleRecord(i, { requestId: `a-${i}` }));
      await drained(a);
      // B starts second (as a pod of the same Deployment would) and continues the chain from what the store holds.
      b = await open('b', bLog);
      for (let i = 1; i <= 3; i++) b.write(sampleRecord(i, { requestId: `b-${i}` }));
      await drained(b);
      // A goes on from its own head: its seqs 6..8 are B's already.
      for (let i = 6; i <= 8; i++) a.write(sampleRecord(i, { requestId: `a-${i}` }));
      for (let i = 4; i <= 5; i++) b.write(sampleRecord(i, { requestId: `b-${i}` }));
      await drained(b);
      await until(() => !a.status().sinkUp, 'the store to refuse A');
      assert.equal(a.status().pending, 3, 'A keeps the three records the store would not take');
      assert.equal(a.status().chainConflict, true);
      assert.equal(b.status().chainConflict, false);
      const refused = aLog.lines.filter((l) => l.msg === "AUDIT CHAIN CONFLICT: the sink refuses this replica's records");
      assert.equal(refused.length, 1, 'said once, at error level');
      assert.equal(refused[0].level, 'error');
      assert.match(String(refused[0].err), /chain warden already holds seq 6 .*request a-6/);
      assert.equal(bLog.lines.filter((l) => l.level === 'warn' || l.level === 'error').length, 0, 'B is not troubled');
      const reader = new PostgresAuditStore({ url: pg.url });
      const stored = await collect(reader.records());
      await reader.close();
      assert.deepEqual(stored.map((r) => r.requestId), ['a-1', 'a-2', 'a-3', 'a-4', 'a-5', 'b-1', 'b-2', 'b-3', 'b-4', 'b-5']);
      assert.equal(verify(KEY, stored, []).ok, true);
      // A restarted as it is: its three records are still refused, not let go of as stored.
      await a.close(0);
      const again = memoryLogger();
      a = await open('a', again);
      await until(() => again.lines.some((l) => l.msg === "AUDIT CHAIN CONFLICT: the sink refuses this replica's records"), 'the restarted A to be refused');
      assert.equal(a.status().chainConflict, true);
      assert.ok(a.status().spoolPendingBytes > 0, 'the records are kept in the spool');
    } finally {
      await a.close(0);
      await b?.close(0);
    }
  });
});

describe('two processes on one host sharing an SQLite audit file', () => {
  const dir = makeTempDir('warden-audit-replicas-sqlite-');
  after(() => removeDir(dir));

  it('refuses, through the SQLite thread, a batch that clashes with stored records of the same chain (the default chain is the host name)', async () => {
    const file = join(dir, 'audit.db');
    const a = new SqliteThreadSink(file);
    const b = new SqliteThreadSink(file);
    try {
      const ca = new Chain('host-1', KEY);
      const cb = new Chain('host-1', KEY);
      const first = [1, 2, 3].map((i) => ca.link(sampleRecord(i)));
      await a.append(first);
      await a.append(first.slice(1)); // a replay is fine
      const clash = [1, 2].map((i) => cb.link(sampleRecord(200 + i)));
      await assert.rejects(b.append(clash), (e: Error & { code?: string }) => e.code === 'AUDIT_CHAIN_CONFLICT' && /chain host-1 already holds seq 1 .*request req-201/.test(e.message));
      const reader = new SqliteAuditStore(file, { readonly: true });
      const stored = await collect(reader.records());
      await reader.close();
      assert.deepEqual(stored.map((r) => r.requestId), ['req-1', 'req-2', 'req-3']);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('a replica restarted with another HMAC key', () => {
  const dir = makeTempDir('warden-audit-rekey-');
  let pg: Postgres;
  before(async () => {
    pg = await Postgres.create();
  });
  after(async () => {
    await pg?.destroy();
    removeDir(dir);
  });

  for (const kind of ['postgres', 'sqlite'] as const) {
    it(`${kind}: logs AUDIT KEY MISMATCH at start when the chain's last record does not verify with the key`, async () => {
      const run = async (key: Buffer, n: number) => {
        const log = memoryLogger();
        const w = await AuditWriter.open({
          sink: kind === 'postgres' ? new PostgresAuditStore({ url: pg.url, table: 'rekey' }) : new SqliteThreadSink(join(dir, 'audit.db')),
          key, chain: 'warden-0', spoolDir: join(dir, kind, 'warden-0'), spoolMaxBytes: 1 << 20, failOpen: false, checkpointMs: 60_000, log: log.log,
        });
        for (let i = 0; i < n; i++) w.write(sampleRecord(i + 1));
        await w.close();
        return log.lines.filter((l) => String(l.msg).startsWith('AUDIT KEY MISMATCH'));
      };
      assert.equal((await run(KEY, 3)).length, 0, 'a new chain');
      assert.equal((await run(KEY, 2)).length, 0, 'the same key');
      const other = Buffer.alloc(32, 7); // the secret was rotated under a StatefulSet pod (same name, same chain)
      const mismatch = await run(other, 1);
      assert.equal(mismatch.length, 1);
      assert.equal(mismatch[0].level, 'error');
      assert.equal(mismatch[0].seq, 5);
      assert.equal(mismatch[0].chain, 'warden-0');
    });
  }
});
