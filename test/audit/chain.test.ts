// Tamper evidence: records written through the real writer into SQLite and
// PostgreSQL, then edited, deleted, inserted, reordered and truncated with
// plain SQL, as someone with database access and without the key would.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { PostgresAuditStore } from '../../src/audit/postgres.js';
import type { AuditReader, AuditSink } from '../../src/audit/sink.js';
import { Chain } from '../../src/audit/chain.js';
import { SqliteAuditStore } from '../../src/audit/sqlite.js';
import { verify, type TamperKind } from '../../src/audit/verify.js';
import { AuditWriter } from '../../src/audit/writer.js';
import { collect, memoryLogger, Postgres, runCli, sampleRecord } from './helpers.js';

const KEY = Buffer.from('k'.repeat(64));
const N = 10;

/** Runs SQL against the store behind the writer's back. */
interface Tamperer {
  exec(sql: string, params?: unknown[]): Promise<void>;
  ids(seqs: number[]): Promise<number[]>;
  table: string;
}

async function fill(dir: string, sink: AuditSink): Promise<void> {
  const writer = await AuditWriter.open({
    sink, key: KEY, chain: 'replica-a', spoolDir: join(dir, 'spool'), spoolMaxBytes: 1 << 20,
    failOpen: false, checkpointMs: 60_000, log: memoryLogger().log,
  });
  for (let i = 1; i <= N; i++) assert.ok(writer.write(sampleRecord(i)));
  await writer.close(); // stores everything and signs a checkpoint at seq N
}

async function check(reader: AuditReader) {
  return verify(KEY, await collect(reader.records()), await reader.checkpoints());
}

const TAMPERING: { name: string; kind: TamperKind; seq: number; act(t: Tamperer): Promise<void> }[] = [
  { name: 'an edited field', kind: 'changed', seq: 4, act: (t) => t.exec(`UPDATE ${t.table} SET model = 'cheaper-model' WHERE seq = 4`) },
  { name: 'an edited decision and status together', kind: 'changed', seq: 5, act: (t) => t.exec(`UPDATE ${t.table} SET decision = 'allow', status = 200 WHERE seq = 5`) },
  { name: 'a deleted record', kind: 'removed', seq: 6, act: (t) => t.exec(`DELETE FROM ${t.table} WHERE seq = 6`) },
  {
    name: 'an inserted record',
    kind: 'inserted',
    seq: N + 1,
    act: (t) =>
      t.exec(`INSERT INTO ${t.table} (chain, seq, prev_hash, hash, time, request_id, groups, auth_methods, stream, decision, audit_marks, reason, status, latency_ms)
        SELECT chain, seq + 1, hash, '${'0'.repeat(64)}', time, 'forged', groups, auth_methods, stream, 'allow', audit_marks, '', 200, 1 FROM ${t.table} WHERE seq = ${N}`),
  },
  {
    name: 'two records swapped',
    kind: 'reordered',
    seq: 4,
    async act(t) {
      const [a, b] = await t.ids([3, 4]);
      await t.exec(`UPDATE ${t.table} SET id = -id WHERE seq IN (3, 4)`);
      await t.exec(`UPDATE ${t.table} SET id = ${b} WHERE seq = 3`);
      await t.exec(`UPDATE ${t.table} SET id = ${a} WHERE seq = 4`);
    },
  },
  {
    name: 'a record slipped in before the first one',
    kind: 'inserted',
    seq: N + 5,
    act: (t) =>
      t.exec(`INSERT INTO ${t.table} (id, chain, seq, prev_hash, hash, time, request_id, groups, auth_methods, stream, decision, audit_marks, reason, status, latency_ms)
        SELECT -1, chain, ${N + 5}, '', '${'0'.repeat(64)}', time, 'forged', groups, auth_methods, stream, 'allow', audit_marks, '', 200, 1 FROM ${t.table} WHERE seq = 1`),
  },
  { name: 'the tail cut off', kind: 'removed', seq: N - 1, act: (t) => t.exec(`DELETE FROM ${t.table} WHERE seq >= ${N - 1}`) },
];

describe('verifying interleaved chains (two replicas, one store)', () => {
  /** Replicas a and b taking turns, 20 records each, in storage order. */
  function log() {
    const a = new Chain('a', KEY);
    const b = new Chain('b', KEY);
    return Array.from({ length: 40 }, (_, i) => (i % 2 ? b : a).link(sampleRecord(i)));
  }
  const problem = (list: ReturnType<typeof log>) => {
    const r = verify(KEY, list, []);
    return r.problem && { kind: r.problem.kind, chain: r.problem.chain, seq: r.problem.seq };
  };

  it('verifies both', () => {
    const r = verify(KEY, log(), []);
    assert.deepEqual([r.ok, r.records, r.chains], [true, 40, 2]);
  });

  it('tells a record moved far down the log (reordered) from one removed', () => {
    const moved = log();
    moved.push(...moved.splice(4, 1)); // a's seq 3, now last, after 35 records of both chains
    assert.deepEqual(problem(moved), { kind: 'reordered', chain: 'a', seq: 4 });
    const removed = log();
    removed.splice(4, 1);
    assert.deepEqual(problem(removed), { kind: 'removed', chain: 'a', seq: 3 });
  });

  it("judges a forged record by its own chain's next record, not the next row", () => {
    const edited = log();
    edited[10]!.model = 'cheaper-model'; // a's seq 6, in place: a's seq 7 still links to it
    assert.deepEqual(problem(edited), { kind: 'changed', chain: 'a', seq: 6 });
    const slipped = log();
    const forged = { ...slipped[10]!, requestId: 'forged' }; // a's seq 6 with another request id: it fits after a's seq 5
    slipped.splice(9, 0, forged); // a5, forged, b5, a6: a's own next record links around it, the next row (b5) does not
    assert.deepEqual(problem(slipped), { kind: 'inserted', chain: 'a', seq: 6 });
  });

  it('reports the problem of the chain that appears first, whichever row comes first', () => {
    const both = log();
    both[30]!.decision = 'allow'; // a's seq 16
    both.splice(3, 1); // b's seq 2
    assert.deepEqual(problem(both), { kind: 'changed', chain: 'a', seq: 16 });
  });
});

describe('a log cut short past several checkpoints', () => {
  it('names every record the highest checkpoint vouches for as removed', () => {
    const chain = new Chain('a', KEY);
    const records: ReturnType<Chain['link']>[] = [];
    const checkpoints = [];
    for (let i = 1; i <= 40; i++) {
      records.push(chain.link(sampleRecord(i)));
      if ([10, 14, 32].includes(i)) checkpoints.push(chain.checkpoint(chain.position, `2026-01-01T00:00:${i}Z`));
    }
    const r = verify(KEY, records.slice(0, 11), checkpoints); // 12..40 deleted
    assert.equal(r.problem?.kind, 'removed');
    assert.equal(r.problem?.message, 'records 12..32 of chain a were removed (a checkpoint signed at 2026-01-01T00:00:32Z vouches for seq 32)');
  });
});

describe('records written again by a replay after a crash (JSON lines on stdout)', () => {
  const chain = new Chain('replica-a', KEY);
  const records = Array.from({ length: 12 }, (_, i) => chain.link(sampleRecord(i + 1)));
  const upTo10 = chain.checkpoint({ seq: 10, hash: records[9].hash });
  const run = (...seqs: number[]) => seqs.map((s) => ({ ...records[s - 1] }));
  const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
  const JSONL = { replays: true };

  it('verifies a log whose records from some seq on were written again, unchanged, up to where it had got', () => {
    // 1..10 went out, the process was killed, its spool replayed 6..10 (it cannot read stdout back), then 11 and 12.
    const result = verify(KEY, run(...range(1, 10), ...range(6, 10), 11, 12), [upTo10], JSONL);
    assert.equal(result.ok, true, result.problem?.message);
    assert.equal(result.records, 17);
    assert.equal(result.repeated, 5);
    assert.equal(verify(KEY, run(...range(1, 10), 10, 11), [], JSONL).ok, true, 'the last record alone, again');
  });

  it('reports a copy of an earlier record put in again, and a repeat that stops short, as inserted', () => {
    const copied = verify(KEY, run(...range(1, 10), 5, 11, 12), [], JSONL);
    assert.equal(copied.problem?.kind, 'inserted');
    assert.equal(copied.problem?.seq, 5);
    assert.match(copied.problem!.message, /appears twice/);
    const short = verify(KEY, run(...range(1, 10), 6, 7, 8), [], JSONL);
    assert.equal(short.problem?.kind, 'inserted');
    assert.equal(short.problem?.seq, 6);
    const edited = run(...range(1, 10), ...range(6, 10));
    edited[12].model = 'cheaper-model'; // seq 8 of the repeat
    const changed = verify(KEY, edited, [], JSONL);
    assert.equal(changed.problem?.kind, 'changed');
    assert.equal(changed.problem?.seq, 8);
  });

  it('in a store that refuses a seq it holds (SQLite, PostgreSQL), a duplicated tail is not a replay: it was put in', () => {
    for (const tail of [run(...range(1, 10), ...range(6, 10)), run(...range(1, 10), 10), run(...range(1, 10), ...range(6, 10), 11, 12)]) {
      const result = verify(KEY, tail, []);
      assert.equal(result.ok, false);
      assert.equal(result.problem?.kind, 'inserted');
      assert.match(result.problem!.message, /appears twice/);
    }
  });
});

describe('a key that is not the log\'s', () => {
  const OTHER = Buffer.from('o'.repeat(64));
  function written(n: number, checkpointed: boolean) {
    const chain = new Chain('a', KEY);
    const records = Array.from({ length: n }, (_, i) => chain.link(sampleRecord(i + 1)));
    return { records, checkpoints: checkpointed ? [chain.checkpoint(chain.position)] : [] };
  }

  it('hints at the key only when the first record and all else checked fail their HMAC', () => {
    const log = written(3, true);
    const r = verify(OTHER, log.records, log.checkpoints);
    assert.equal(r.problem?.kind, 'changed');
    assert.equal(r.hint, 'the first record and the record after it and every checkpoint (1) fail their HMAC with this key: it is probably not the key the log was written with');
    const single = written(1, true);
    assert.match(verify(OTHER, single.records, single.checkpoints).hint!, /^the first record and every checkpoint \(1\) fail/);
    const unsigned = written(3, false);
    assert.match(verify(OTHER, unsigned.records, []).hint!, /^the first record and the record after it fail/);
    // No hint when something checks with the key, or nothing else was checked.
    const edited = written(3, true);
    edited.records[0]!.model = 'cheaper-model';
    assert.equal(verify(KEY, edited.records, edited.checkpoints).hint, undefined);
    const alone = written(1, false);
    alone.records[0]!.model = 'cheaper-model';
    assert.equal(verify(KEY, alone.records, []).problem?.kind, 'changed');
    assert.equal(verify(KEY, alone.records, []).hint, undefined);
  });
});

describe('a log that spans a key change (audit.previousKeyFiles)', () => {
  const NEW = Buffer.from('n'.repeat(64));
  /** Records 1-3 under KEY, 4-6 under NEW: one chain, linked on across the change; a checkpoint under each key. */
  function rotated() {
    const old = new Chain('a', KEY);
    const records = [1, 2, 3].map((i) => old.link(sampleRecord(i)));
    const checkpoints = [old.checkpoint(old.position)];
    const renewed = new Chain('a', NEW, old.position);
    records.push(...[4, 5, 6].map((i) => renewed.link(sampleRecord(i))));
    checkpoints.push(renewed.checkpoint(renewed.position));
    return { records, checkpoints, renewed };
  }

  it('verifies with both keys, in either order, and says where the chain changed key', () => {
    const log = rotated();
    for (const keys of [[NEW, KEY], [KEY, NEW]]) {
      const r = verify(keys, log.records, log.checkpoints);
      assert.equal(r.ok, true, r.problem?.message);
      assert.deepEqual(r.keyChanges, [{ chain: 'a', seq: 4 }]);
    }
    // With the new key alone the records before the change fail, as before: the old key is needed to vouch for them.
    const alone = verify(NEW, log.records, log.checkpoints);
    assert.equal(alone.problem?.seq, 1);
    assert.equal(alone.hint, undefined, 'the later records verify with it: not a wrong key');
  });

  it('takes no record under a key the chain has left: a retired key cannot add records after the change', () => {
    const log = rotated();
    // Someone holding the old key appends seq 7, linked correctly, sealed with it.
    const forger = new Chain('a', KEY, log.renewed.position);
    log.records.push(forger.link(sampleRecord(7, { requestId: 'forged' })));
    const r = verify([NEW, KEY], log.records, log.checkpoints);
    assert.equal(r.ok, false);
    assert.equal(r.problem?.seq, 7);
    assert.match(r.problem!.message, /HMAC does not match/);
  });

  it('edits are still caught on either side of the change', () => {
    for (const seq of [2, 5]) {
      const log = rotated();
      log.records[seq - 1]!.model = 'cheaper-model';
      const r = verify([NEW, KEY], log.records, log.checkpoints);
      assert.equal(r.problem?.kind, 'changed');
      assert.equal(r.problem?.seq, seq);
    }
  });

  it('hints at the keys when none of those given is the log\'s', () => {
    const log = rotated();
    const r = verify([Buffer.from('x'.repeat(64)), Buffer.from('y'.repeat(64))], log.records, log.checkpoints);
    assert.match(r.hint!, /fail their HMAC with every key given: they are probably not the keys the log was written with$/);
  });
});

describe('audit hash chain in SQLite', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'warden-chain-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function store(name: string): Promise<{ file: string; tamperer: Tamperer }> {
    const file = join(dir, `${name}.db`);
    await fill(join(dir, name), new SqliteAuditStore(file));
    const tamperer: Tamperer = {
      table: 'audit',
      async exec(sql) {
        const db = new Database(file);
        db.exec(sql);
        db.close();
      },
      async ids(seqs) {
        const db = new Database(file, { readonly: true });
        const ids = seqs.map((s) => (db.prepare('SELECT id FROM audit WHERE seq = ?').get(s) as { id: number }).id);
        db.close();
        return ids;
      },
    };
    return { file, tamperer };
  }

  it('verifies an untouched log and counts its records', async () => {
    const { file } = await store('clean');
    const reader = new SqliteAuditStore(file, { readonly: true });
    const result = await check(reader);
    await reader.close();
    assert.deepEqual({ ok: result.ok, records: result.records, chains: result.chains, checkpoints: result.checkpoints }, { ok: true, records: N, chains: 1, checkpoints: 1 });
  });

  for (const t of TAMPERING) {
    it(`catches ${t.name}`, async () => {
      const { file, tamperer } = await store(t.name.replace(/\W+/g, '-'));
      await t.act(tamperer);
      const reader = new SqliteAuditStore(file, { readonly: true });
      const result = await check(reader);
      await reader.close();
      assert.equal(result.ok, false, 'tampering went unnoticed');
      assert.equal(result.problem!.kind, t.kind, result.problem!.message);
      assert.equal(result.problem!.seq, t.seq, result.problem!.message);
    });
  }

  it('`warden audit verify` exits 0 with the count, and 1 naming the tampered record', async () => {
    const { file, tamperer } = await store('cli');
    const keyFile = join(dir, 'key');
    writeFileSync(keyFile, `${KEY.toString()}\n`);
    const run = () => runCli(['audit', 'verify', '--sqlite', file, '--key', keyFile]);
    const ok = await run();
    assert.equal(ok.code, 0);
    assert.match(ok.out, /^OK: 10 record\(s\) in 1 chain\(s\) verified, 1 checkpoint\(s\)/);
    await tamperer.exec(`UPDATE audit SET total_tokens = 3 WHERE seq = 7`);
    const bad = await run();
    assert.equal(bad.code, 1);
    assert.match(bad.out, /TAMPERED \(changed\): record seq 7 of chain replica-a \(row \d+\), request req-7 was changed/);
  });
});

describe('audit hash chain in PostgreSQL', () => {
  let pgServer: Postgres;
  let dir: string;
  let n = 0;
  before(async () => {
    pgServer = await Postgres.create();
    dir = mkdtempSync(join(tmpdir(), 'warden-chain-pg-'));
  });
  after(async () => {
    await pgServer?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Each case gets its own table in the one server. */
  async function store(): Promise<{ reader: PostgresAuditStore; tamperer: Tamperer }> {
    const table = `audit_${++n}`;
    await fill(join(dir, table), new PostgresAuditStore({ url: pgServer.url, table }));
    const tamperer: Tamperer = {
      table,
      async exec(sql) {
        const c = new pg.Client({ connectionString: pgServer.url });
        await c.connect();
        await c.query(sql);
        await c.end();
      },
      async ids(seqs) {
        const c = new pg.Client({ connectionString: pgServer.url });
        await c.connect();
        const ids = [];
        for (const s of seqs) ids.push(Number((await c.query(`SELECT id FROM ${table} WHERE seq = $1`, [s])).rows[0].id));
        await c.end();
        return ids;
      },
    };
    // Three rows a page: every case reads the log across page boundaries.
    return { reader: new PostgresAuditStore({ url: pgServer.url, table, pageRows: 3 }), tamperer };
  }

  it('reads a filtered log page by page, up to the limit', async () => {
    const { reader } = await store();
    try {
      // Three rows a query: allowed records 1-4 and 6-9 span three pages; the limit stops inside the third.
      assert.deepEqual((await collect(reader.records({ decision: 'allow', limit: 7 }))).map((r) => r.seq), [1, 2, 3, 4, 6, 7, 8]);
      assert.deepEqual((await collect(reader.records({ decision: 'deny' }))).map((r) => r.seq), [5, 10]);
      assert.deepEqual((await collect(reader.records())).map((r) => r.seq), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    } finally {
      await reader.close();
    }
  });

  it('verifies an untouched log and counts its records', async () => {
    const { reader } = await store();
    const result = await check(reader);
    await reader.close();
    assert.equal(result.ok, true, result.problem?.message);
    assert.equal(result.records, N);
    assert.equal(result.checkpoints, 1);
  });

  for (const t of TAMPERING) {
    it(`catches ${t.name}`, async () => {
      const { reader, tamperer } = await store();
      await t.act(tamperer);
      const result = await check(reader);
      await reader.close();
      assert.equal(result.ok, false, 'tampering went unnoticed');
      assert.equal(result.problem!.kind, t.kind, result.problem!.message);
      assert.equal(result.problem!.seq, t.seq, result.problem!.message);
    });
  }
});
