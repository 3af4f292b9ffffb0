// The writer's in-memory backlog: the spool's chunks (one per event-loop
// turn) handed out in batches of at most N records, split inside a chunk
// where a batch ends, and let go of as the store confirms them.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { Backlog } from '../../src/audit/backlog.js';
import { Chain } from '../../src/audit/chain.js';
import type { ChainedRecord } from '../../src/audit/record.js';
import { Spool } from '../../src/audit/spool.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { sampleRecord } from './helpers.js';

const dir = makeTempDir('warden-backlog-');
after(() => removeDir(dir));
const chain = new Chain('c', Buffer.alloc(32, 3));
const spool = Spool.open(join(dir, 'spool'));
const records: ChainedRecord[] = [];
const lines: string[] = [];

/** The next `n` records as one spool chunk (one turn's write), and the records. */
function turn(n: number) {
  const recs: ChainedRecord[] = [];
  for (let i = 0; i < n; i++) {
    // Lines of different lengths, some with multi-byte characters: offsets are bytes.
    const r = chain.link(sampleRecord(records.length + 1, { prompt: 'é'.repeat(records.length % 7) }));
    lines.push(spool.append(r, chain.lastCanonical));
    records.push(r);
    recs.push(r);
  }
  return { chunk: spool.take()!, recs };
}

const linesOf = (from: number, to: number) => Buffer.from(lines.slice(from - 1, to).join(''));

it('hands out at most N records from the start, across chunks and inside one, each with its own Buffer', () => {
  const backlog = new Backlog();
  assert.equal(backlog.peek(10), undefined);
  for (const n of [3, 1, 6, 4]) backlog.push(turn(n).chunk);
  assert.equal(backlog.size, 14);
  assert.equal(backlog.firstSeq, 1);

  const b = backlog.peek(7)!; // chunks [1-3], [4], and 5-7 of [5-10]
  assert.deepEqual(b.last, { seq: 7, hash: records[6].hash });
  assert.equal(b.lines().toString(), linesOf(1, 7).toString());
  assert.equal(b.records, undefined, 'no record objects were kept');
  assert.equal(b.lines().byteOffset, 0);
  assert.equal(b.lines().buffer.byteLength, b.lines().length, 'not a view into a larger buffer');
  // Peeking takes nothing.
  assert.equal(backlog.peek(7)!.lines().toString(), b.lines().toString());

  backlog.dropBefore(8); // the store has 1..7
  assert.equal(backlog.size, 7);
  assert.equal(backlog.firstSeq, 8);
  const rest = backlog.peek(100)!;
  assert.deepEqual(rest.last, { seq: 14, hash: records[13].hash });
  assert.equal(rest.lines().toString(), linesOf(8, 14).toString());

  backlog.dropBefore(8); // again: nothing more goes
  assert.equal(backlog.size, 7);
  backlog.dropBefore(15);
  assert.equal(backlog.size, 0);
  assert.equal(backlog.firstSeq, undefined);
  assert.equal(backlog.peek(10), undefined);
});

it('keeps the records themselves alongside their lines when given them (for a store that takes records)', () => {
  const backlog = new Backlog();
  const turns = [turn(2), turn(5)];
  for (const t of turns) backlog.push(t.chunk, t.recs);
  const first = turns[0].recs[0].seq;
  backlog.dropBefore(first + 1);
  const b = backlog.peek(4)!;
  assert.deepEqual(b.records!.map((r) => r.seq), [first + 1, first + 2, first + 3, first + 4]);
  assert.equal(b.records![0], turns[0].recs[1], 'the very objects');
  assert.equal(b.lines().toString(), linesOf(first + 1, first + 4).toString());
  backlog.clear();
  assert.equal(backlog.size, 0);
  assert.equal(backlog.peek(1), undefined);
});
