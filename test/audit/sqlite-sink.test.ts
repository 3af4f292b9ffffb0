// The gateway's SQLite store on its own thread: what it stores is what the
// in-thread store stores; SQLite's refusals come back as rejections and the
// next call tries again; a thread that dies fails what it held and the next
// call gets a new one.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { threadId } from 'node:worker_threads';
import { Chain } from '../../src/audit/chain.js';
import { canonical } from '../../src/audit/record.js';
import { Spool } from '../../src/audit/spool.js';
import { SqliteThreadSink } from '../../src/audit/sqlite-sink.js';
import { SqliteAuditStore } from '../../src/audit/sqlite.js';
import { verify } from '../../src/audit/verify.js';
import type { Worker } from 'node:worker_threads';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { collect, sampleRecord } from './helpers.js';

const dir = makeTempDir('warden-sqlite-sink-');
after(() => removeDir(dir));
const KEY = Buffer.alloc(32, 9);
/** The sink's current thread (private: nothing but these tests needs it). */
const thread = (sink: SqliteThreadSink) => (sink as unknown as { worker?: Worker }).worker;

describe('SqliteThreadSink', () => {
  it('stores batches (as spool lines or objects) in order on another thread, each replayed record once, and reports the head', async () => {
    const file = join(dir, 'stored.db');
    const sink = new SqliteThreadSink(file);
    const chain = new Chain('c1', KEY);
    const recs = Array.from({ length: 120 }, (_, i) => chain.link(sampleRecord(i + 1)));
    assert.equal(await sink.head('c1'), undefined);
    // As the writer hands them over: with their spool lines (read back on the thread).
    const spool = Spool.open(join(dir, 'stored.spool'));
    const lines = recs.map((r) => spool.append(r, canonical(r)));
    spool.close();
    await sink.appendLines(Buffer.from(lines.slice(0, 70).join('')));
    await sink.append(recs.slice(50)); // overlaps: a replay after a crash, as objects
    await sink.checkpoint(chain.checkpoint({ seq: 120, hash: recs[119].hash }));
    const head = await sink.head('c1');
    assert.deepEqual({ seq: head?.seq, hash: head?.hash, requestId: head?.record?.requestId }, { seq: 120, hash: recs[119].hash, requestId: recs[119].requestId });
    assert.ok(thread(sink) && thread(sink)!.threadId !== threadId, 'SQLite runs on a thread of its own');
    await sink.close();

    const reader = new SqliteAuditStore(file, { readonly: true });
    const stored = await collect(reader.records());
    assert.deepEqual(stored.map((r) => r.seq), recs.map((r) => r.seq));
    const report = verify(KEY, stored, await reader.checkpoints());
    assert.equal(report.ok, true, JSON.stringify(report));
    await reader.close();
  });

  it('stores a record given as its spool line exactly as the record itself: every column, every kind of field', async () => {
    // The thread makes rows straight from the lines' canonical values; the same rows as from the records.
    const chain = new Chain('c2', KEY);
    const recs = [
      sampleRecord(1),
      sampleRecord(2, { stream: true, upstreamStatus: 503, upstreamMs: 12.5, ttfbMs: 3.25, prompt: 'héllo "quoted"\n', response: 'ok' }),
      sampleRecord(3, { findings: [{ type: 'EMAIL', category: 'pii', direction: 'request', action: 'redact', count: 2, locations: ['contents[0]'] }] }),
      sampleRecord(4, { quota: { rules: ['per-caller'], estimatedTokens: 12, settledTokens: 30 }, via: 'spiffe://cluster.local/ns/istio-system/sa/gw' }),
      sampleRecord(5, { groups: [], authMethods: ['mtls', 'jwt'], auditMarks: ['audit-all'], rule: 2, policy: 'ml' }),
      sampleRecord(6, { stream: false, promptTokens: undefined, requestSha256: undefined }),
    ].map((r) => chain.link(r));
    const spool = Spool.open(join(dir, 'rows.spool'));
    const lines = recs.map((r) => spool.append(r, canonical(r)));
    spool.close();
    const [fromRecords, fromLines] = [new SqliteAuditStore(join(dir, 'rows-a.db')), new SqliteAuditStore(join(dir, 'rows-b.db'))];
    await fromRecords.append(recs);
    // An older spool's layout (the record object itself) is still read.
    await fromLines.appendLines(Buffer.from([...lines.slice(0, -1), `${JSON.stringify(recs.at(-1))}\n`].join('')));
    const rows = (store: SqliteAuditStore) => (store as unknown as { db: { prepare(sql: string): { all(): unknown[] } } }).db.prepare('SELECT * FROM audit ORDER BY id').all();
    assert.equal(rows(fromLines).length, recs.length);
    assert.deepEqual(rows(fromLines), rows(fromRecords));
    assert.equal(verify(KEY, await collect(fromLines.records()), []).ok, true);
    await Promise.all([fromRecords.close(), fromLines.close()]);
  });

  it("rejects with the store's own message when the file cannot be opened, and opens it on a later call", async () => {
    const file = join(dir, 'later', 'a.db');
    const sink = new SqliteThreadSink(file);
    const chain = new Chain('c2', KEY);
    const first = chain.link(sampleRecord(1));
    await assert.rejects(sink.append([first]), /Cannot open database because the directory does not exist/);
    mkdirSync(join(dir, 'later'));
    await sink.append([first]);
    assert.equal((await sink.head('c2'))?.seq, 1);
    await sink.close();
  });

  it('fails what a dead thread held, and starts a new thread on the next call', async () => {
    const file = join(dir, 'restart.db');
    const sink = new SqliteThreadSink(file);
    const chain = new Chain('c3', KEY);
    const recs = Array.from({ length: 2000 }, (_, i) => chain.link(sampleRecord(i + 1)));
    await sink.head('c3');
    const dead = thread(sink)!;
    const held = sink.append(recs.slice(0, 1000));
    await dead.terminate();
    await assert.rejects(held, /the SQLite audit thread stopped/);
    // The writer replays from the spool: whatever the dead thread committed or not, each record ends up once.
    await sink.append(recs);
    assert.ok(thread(sink) && thread(sink) !== dead);
    assert.equal((await sink.head('c3'))?.seq, 2000);
    await sink.close();
    const reader = new SqliteAuditStore(file, { readonly: true });
    assert.equal((await collect(reader.records())).length, 2000);
    await reader.close();
  });
});
