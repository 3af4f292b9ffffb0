// How the audit writer hands records to its store: batches gathered over the
// flush period while the store is busy, straight on only with a backlog of a
// full batch. The store is the real SQLite one on its thread, slowed down and
// counted (a store under load takes milliseconds per batch).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { ChainHead } from '../../src/audit/chain.js';
import type { ChainedRecord, Checkpoint } from '../../src/audit/record.js';
import type { AuditSink } from '../../src/audit/sink.js';
import { SqliteThreadSink } from '../../src/audit/sqlite-sink.js';
import { SqliteAuditStore } from '../../src/audit/sqlite.js';
import { verify } from '../../src/audit/verify.js';
import { AuditWriter } from '../../src/audit/writer.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { drained, memoryLogger, sampleRecord } from './helpers.js';

const dir = makeTempDir('warden-audit-writer-');
after(() => removeDir(dir));
const KEY = Buffer.alloc(32, 5);
const STORE_MS = 30;
/** The writer's flush period and batch size (src/audit/writer.ts). */
const FLUSH_MS = 100;
const BATCH = 500;

/** The SQLite thread sink, each batch delayed by STORE_MS and its size noted. */
class SlowSink implements AuditSink {
  readonly kind = 'sqlite';
  readonly batches: number[] = [];
  constructor(private readonly inner: SqliteThreadSink) {}
  async append(records: ChainedRecord[], lines?: string[]): Promise<void> {
    this.batches.push(records.length);
    await new Promise((r) => setTimeout(r, STORE_MS));
    await this.inner.append(records, lines);
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

async function open(name: string): Promise<{ writer: AuditWriter; sink: SlowSink; file: string }> {
  const file = join(dir, `${name}.db`);
  const sink = new SlowSink(new SqliteThreadSink(file));
  const writer = await AuditWriter.open({
    sink, key: KEY, chain: name, spoolDir: join(dir, `${name}.spool`), spoolMaxBytes: 1 << 30,
    failOpen: false, checkpointMs: 60_000, log: memoryLogger().log,
  });
  return { writer, sink, file };
}

async function stored(file: string): Promise<number[]> {
  const reader = new SqliteAuditStore(file, { readonly: true });
  try {
    const records = await reader.records();
    assert.equal(verify(KEY, records, await reader.checkpoints()).ok, true);
    return records.map((r) => r.seq);
  } finally {
    await reader.close();
  }
}

describe('AuditWriter batching', () => {
  it('gathers what arrives while the store is busy into the next flush, instead of sending it as soon as the last batch is stored', async () => {
    const { writer, sink, file } = await open('steady');
    const started = performance.now();
    let n = 0;
    // About one record a millisecond for 400 ms, as requests finishing.
    while (performance.now() - started < 400) {
      writer.write(sampleRecord(++n));
      await new Promise((r) => setTimeout(r, 1));
    }
    await drained(writer);
    const elapsed = performance.now() - started;
    // One batch per flush period (plus the last); sending on after each stored
    // batch instead would make one per STORE_MS, about three times as many.
    assert.ok(sink.batches.length <= Math.ceil(elapsed / FLUSH_MS) + 1, `${sink.batches.length} batches in ${Math.round(elapsed)} ms: ${sink.batches.join(', ')}`);
    assert.equal(sink.batches.reduce((a, b) => a + b, 0), n);
    await writer.close();
    assert.deepEqual(await stored(file), Array.from({ length: n }, (_, i) => i + 1));
  });

  it('sends full batches straight on while a backlog of at least one batch waits, then gathers the rest', async () => {
    const { writer, sink, file } = await open('backlog');
    const n = 2 * BATCH + 200;
    for (let i = 1; i <= n; i++) writer.write(sampleRecord(i));
    await drained(writer);
    assert.deepEqual(sink.batches, [BATCH, BATCH, 200]);
    await writer.close();
    assert.deepEqual(await stored(file), Array.from({ length: n }, (_, i) => i + 1));
  });
});
