// How the audit writer hands records to its store: what arrives while the
// store is busy waits for the next flush instead of following the stored batch
// at once; a backlog of full batches goes straight on. The store is the real
// SQLite one on its thread, behind a gate the test opens (a store under load
// takes a while per batch), with each batch's size noted.
import assert from 'node:assert/strict';
import { rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { after, describe, it } from 'node:test';
import type { ChainHead } from '../../src/audit/chain.js';
import type { ChainedRecord, Checkpoint } from '../../src/audit/record.js';
import type { AuditSink } from '../../src/audit/sink.js';
import { SqliteThreadSink } from '../../src/audit/sqlite-sink.js';
import { SqliteAuditStore } from '../../src/audit/sqlite.js';
import { verify } from '../../src/audit/verify.js';
import { AuditWriter } from '../../src/audit/writer.js';
import { until } from '../helpers/process.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { collect, drained, memoryLogger, sampleRecord } from './helpers.js';

const dir = makeTempDir('warden-audit-writer-');
after(() => removeDir(dir));
const KEY = Buffer.alloc(32, 5);
/** The writer's batch size (src/audit/writer.ts). */
const BATCH = 500;

/** The SQLite thread sink behind a gate; notes each batch's size, and how many batches had been sent one event-loop turn after each was stored. */
class GatedSink implements AuditSink {
  readonly kind = 'sqlite';
  readonly batches: number[] = [];
  readonly sentByNextTurn: number[] = [];
  private gate?: { opened: Promise<void>; open: () => void };
  constructor(private readonly inner: SqliteThreadSink) {}

  closeGate(): void {
    let open!: () => void;
    const opened = new Promise<void>((r) => (open = r));
    this.gate = { opened, open };
  }

  openGate(): void {
    this.gate?.open();
    this.gate = undefined;
  }

  append(records: ChainedRecord[]): Promise<void> {
    return this.pass(records.length, () => this.inner.append(records));
  }
  appendLines(lines: Buffer): Promise<void> {
    return this.pass(lines.toString().split('\n').length - 1, () => this.inner.appendLines(lines));
  }
  private async pass(size: number, store: () => Promise<void>): Promise<void> {
    this.batches.push(size);
    await this.gate?.opened;
    await store();
    // The writer's own continuation runs before this: a batch it sends straight on is counted here.
    setImmediate(() => this.sentByNextTurn.push(this.batches.length));
  }
  checkpoint(c: Checkpoint): Promise<void> {
    return this.inner.checkpoint(c);
  }
  head(chain: string): Promise<ChainHead | undefined> {
    return this.inner.head(chain);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

async function open(name: string, o: { failOpen?: boolean; maxQueue?: number; spoolMaxBytes?: number } = {}): Promise<{ writer: AuditWriter; sink: GatedSink; file: string; logs: Record<string, unknown>[] }> {
  const file = join(dir, `${name}.db`);
  const sink = new GatedSink(new SqliteThreadSink(file));
  const { log, lines: logs } = memoryLogger();
  const writer = await AuditWriter.open({
    sink, key: KEY, chain: name, spoolDir: join(dir, `${name}.spool`), spoolMaxBytes: o.spoolMaxBytes ?? 1 << 30,
    failOpen: o.failOpen ?? false, maxQueue: o.maxQueue, checkpointMs: 60_000, log,
  });
  return { writer, sink, file, logs };
}

async function stored(file: string): Promise<number[]> {
  const reader = new SqliteAuditStore(file, { readonly: true });
  try {
    const records = await collect(reader.records());
    assert.equal(verify(KEY, records, await reader.checkpoints()).ok, true);
    return records.map((r) => r.seq);
  } finally {
    await reader.close();
  }
}

describe('AuditWriter batching', () => {
  it('keeps what arrived while the store was busy for the next flush, instead of sending it as soon as the batch before is stored', async () => {
    const { writer, sink, file } = await open('steady');
    sink.closeGate();
    for (let i = 1; i <= 10; i++) writer.write(sampleRecord(i));
    await until(() => sink.batches.length === 1, 'the first batch to reach the store');
    // The store is busy with those ten: these arrive meanwhile.
    for (let i = 11; i <= 30; i++) writer.write(sampleRecord(i));
    sink.openGate();
    await drained(writer);
    // One turn after the first batch was stored, still one batch sent: the twenty waited for the flush.
    assert.equal(sink.sentByNextTurn[0], 1);
    assert.deepEqual(sink.batches, [10, 20]);
    await writer.close();
    assert.deepEqual(await stored(file), Array.from({ length: 30 }, (_, i) => i + 1));
  });

  it('sends full batches straight on while a backlog of at least one batch waits, then gathers the rest', async () => {
    const { writer, sink, file } = await open('backlog');
    const n = 2 * BATCH + 200;
    for (let i = 1; i <= n; i++) writer.write(sampleRecord(i));
    await drained(writer);
    assert.deepEqual(sink.batches, [BATCH, BATCH, 200]);
    // The second full batch followed the first within a turn; the remainder did not follow the second.
    assert.deepEqual(sink.sentByNextTurn, [2, 2, 3]);
    await writer.close();
    assert.deepEqual(await stored(file), Array.from({ length: n }, (_, i) => i + 1));
  });

  it('keeps no record object waiting for a store that takes spool lines', async () => {
    const { writer, sink, file } = await open('lines');
    sink.closeGate();
    // A record the gateway is done with, as after its response went out: only the writer could still hold it.
    const gone = new WeakRef(((r) => (writer.write(r), r))(sampleRecord(1)));
    await until(() => sink.batches.length === 1, 'the batch to reach the store');
    writer.write(sampleRecord(2)); // waits in memory for the next batch
    await new Promise((r) => setImmediate(r)); // a WeakRef's target lives at least until the job that made it ends
    collectGarbage();
    assert.equal(gone.deref(), undefined, 'the record object was kept while its batch waited for the store');
    sink.openGate();
    await drained(writer);
    await writer.close();
    assert.deepEqual(await stored(file), [1, 2]);
  });

  it("holds the waiting records' lines outside the heap, in the spool's own Buffers", async () => {
    const { writer, sink, file } = await open('off-heap');
    sink.closeGate();
    writer.write(sampleRecord(1));
    await until(() => sink.batches.length === 1, 'the first batch to reach the store');
    // 2,000 records of ~5.5 KB (a stored prompt) wait while the store is busy: 11 MB of lines.
    const prompt = 'p'.repeat(5000);
    collectGarbage();
    const before = process.memoryUsage();
    for (let i = 2; i <= 2001; i++) writer.write(sampleRecord(i, { prompt }));
    await new Promise((r) => setImmediate(r)); // written to the spool, held for the store
    collectGarbage();
    const held = process.memoryUsage();
    const mb = (n: number) => Math.round(n / 1e5) / 10;
    assert.ok(held.arrayBuffers - before.arrayBuffers > 10e6, `the lines are held off the heap (+${mb(held.arrayBuffers - before.arrayBuffers)} MB of Buffers)`);
    assert.ok(held.heapUsed - before.heapUsed < 3e6, `the heap holds no copy of them (+${mb(held.heapUsed - before.heapUsed)} MB)`);
    sink.openGate();
    await drained(writer);
    await writer.close();
    assert.deepEqual(await stored(file), Array.from({ length: 2001 }, (_, i) => i + 1));
  });
});

describe('AuditWriter with a small spool', () => {
  // 4 KiB: three or four records' lines, far less than a segment once was (4 MiB).
  const SMALL = 4096;

  it('takes record after record: what the store holds gives its room back', async () => {
    const { writer, file } = await open('small', { spoolMaxBytes: SMALL });
    for (let i = 1; i <= 300; i++) {
      await until(() => writer.accepting, `room in the spool for record ${i}`);
      assert.equal(writer.write(sampleRecord(i)), true);
    }
    await drained(writer);
    assert.equal(writer.accepting, true);
    assert.ok(writer.status().spoolBytes < SMALL, `the spool keeps little on disk (${writer.status().spoolBytes} bytes)`);
    await writer.close();
    assert.deepEqual(await stored(file), Array.from({ length: 300 }, (_, i) => i + 1));
  });

  it('after a restart, drops what the store holds instead of counting it as full', async () => {
    // Spooled and stored with a roomy spool; the state file lost, as after a crash: the segment is still on disk.
    const first = await open('restart');
    for (let i = 1; i <= 20; i++) first.writer.write(sampleRecord(i));
    await drained(first.writer);
    await first.writer.close();
    rmSync(join(dir, 'restart.spool', 'state.json'));

    const { writer, file } = await open('restart', { spoolMaxBytes: SMALL });
    assert.equal(writer.accepting, true, `refusing with ${writer.status().spoolBytes} bytes spooled, all stored`);
    assert.equal(writer.status().spoolBytes, 0);
    assert.equal(writer.write(sampleRecord(21)), true);
    await drained(writer);
    await writer.close();
    assert.deepEqual(await stored(file), Array.from({ length: 21 }, (_, i) => i + 1));
  });
});

describe('AuditWriter when the disk refuses the spool', () => {
  /** A writer whose spool's first segment is /dev/full: every write to it fails with ENOSPC, as on a full disk. */
  async function onFullDisk(name: string, failOpen: boolean) {
    const w = await open(name, { failOpen, maxQueue: 5 });
    symlinkSync('/dev/full', join(dir, `${name}.spool`, 'seg-000000000001.jsonl'));
    w.sink.closeGate();
    const durable: number[] = [];
    assert.equal(w.writer.write(sampleRecord(1), () => durable.push(1)), true);
    assert.equal(w.writer.write(sampleRecord(2), () => durable.push(2)), true);
    await new Promise((r) => setImmediate(r)); // the turn's spool write, refused
    assert.deepEqual(durable, [1, 2], 'their answers still go out');
    assert.equal(w.writer.status().spoolWritable, false);
    const failed = w.logs.filter((l) => String(l.msg).startsWith('AUDIT SPOOL WRITE FAILED'));
    assert.equal(failed.length, 1);
    assert.equal(failed[0].records, 2);
    assert.match(String(failed[0].err), /ENOSPC/);
    return w;
  }

  it('fail-closed: takes no new record while the spool cannot be written, and loses none it took: they reach the store from memory', async () => {
    const { writer, sink, file, logs } = await onFullDisk('disk-full', false);
    assert.equal(writer.accepting, false, 'the gateway refuses requests');
    assert.equal(writer.write(sampleRecord(3)), false, 'a record that could not be made durable is not taken');
    assert.ok(logs.some((l) => l.msg === 'AUDIT RECORD DROPPED: the audit spool cannot be written' && l.requestId === 'req-3'));

    // The store takes what only memory held; with nothing left that needs the spool, records are taken again.
    sink.openGate();
    await until(() => writer.accepting, 'the writer to take records again');
    await drained(writer);
    await writer.close();
    assert.deepEqual(await stored(file), [1, 2]);
  });

  it('fail-open: serves on, holding up to maxQueue records in memory for the store, then drops loudly', async () => {
    const { writer, sink, file, logs } = await onFullDisk('disk-full-open', true);
    assert.equal(writer.accepting, true);
    // maxQueue is 5 here: records 3-5 join 1 and 2 in memory; 6 is one too many.
    for (let i = 3; i <= 5; i++) {
      assert.equal(writer.write(sampleRecord(i)), true);
      await new Promise((r) => setImmediate(r));
    }
    assert.equal(writer.write(sampleRecord(6)), false);
    assert.ok(logs.some((l) => l.msg === 'AUDIT RECORD DROPPED: the audit spool cannot be written' && l.requestId === 'req-6'));
    assert.equal(logs.filter((l) => String(l.msg).startsWith('AUDIT SPOOL WRITE FAILED')).length, 1, 'logged once, not per write');
    sink.openGate();
    await drained(writer);
    await writer.close();
    assert.deepEqual(await stored(file), [1, 2, 3, 4, 5]);
  });
});

/** A full garbage collection now (V8's gc(), exposed to this process only). */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}
