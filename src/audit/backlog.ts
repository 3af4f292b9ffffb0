// The records the writer holds for its sink, in memory, as the spool wrote
// them: each event-loop turn's lines in the one Buffer that went to disk,
// with where each line ends. Held for up to a flush period (100 ms), a
// record's line as a JS string, with an object per record to find it, lived
// through young-generation collections and was copied and promoted to the old
// generation (~1,100 bytes a record), which then had to be marked and
// compacted too; the Buffer's bytes are outside the heap, and a record costs
// the heap one number in `ends`.
import type { ChainHead } from './chain.js';
import type { ChainedRecord } from './record.js';

/** One spool write: the lines of records `firstSeq`, `firstSeq + 1`, …; line i ends at byte `ends[i]`. */
export interface SpoolChunk {
  firstSeq: number;
  data: Buffer;
  ends: number[];
}

interface Held extends SpoolChunk {
  /** The records themselves, for a sink that takes records (PostgreSQL, JSON lines). */
  records?: ChainedRecord[];
  /** Lines before this one are stored already. */
  from: number;
}

/** The last record a chunk holds. */
export function lastSeq(c: SpoolChunk): number {
  return c.firstSeq + c.ends.length - 1;
}

/**
 * Up to `max` records for the sink: the records when held, their lines as
 * one Buffer of its own (made on demand: only a store that takes lines wants
 * them), and the last one's place in the chain.
 */
export interface Batch {
  last: ChainHead;
  lines(): Buffer;
  records?: ChainedRecord[];
}

export class Backlog {
  private chunks: Held[] = [];
  /** Records held. */
  size = 0;

  /** Adds the next chunk: its first record follows the last one held, if any. */
  push(chunk: SpoolChunk, records?: ChainedRecord[]): void {
    if (!chunk.ends.length) return;
    this.chunks.push({ ...chunk, records, from: 0 });
    this.size += chunk.ends.length;
  }

  /** The first record held, if any. */
  get firstSeq(): number | undefined {
    const c = this.chunks[0];
    return c && c.firstSeq + c.from;
  }

  /** Lets go of the records before `seq` (the sink holds them). */
  dropBefore(seq: number): void {
    while (this.chunks.length) {
      const c = this.chunks[0];
      if (lastSeq(c) < seq) {
        this.chunks.shift();
        this.size -= c.ends.length - c.from;
        continue;
      }
      const from = Math.max(c.from, seq - c.firstSeq);
      this.size -= from - c.from;
      c.from = from;
      return;
    }
  }

  clear(): void {
    this.chunks = [];
    this.size = 0;
  }

  /** The first `max` records held (they stay held until `dropBefore`). */
  peek(max: number): Batch | undefined {
    const parts: Buffer[] = [];
    const records: ChainedRecord[] | undefined = this.chunks[0]?.records && [];
    let count = 0;
    let bytes = 0;
    let last: { chunk: Held; index: number } | undefined;
    for (const c of this.chunks) {
      if (count >= max) break;
      const to = Math.min(c.ends.length, c.from + max - count);
      const start = lineStart(c, c.from);
      parts.push(c.data.subarray(start, c.ends[to - 1]));
      bytes += c.ends[to - 1] - start;
      if (records && c.records) for (let i = c.from; i < to; i++) records.push(c.records[i]);
      count += to - c.from;
      last = { chunk: c, index: to - 1 };
    }
    if (!last) return undefined;
    const lines = () => {
      // A Buffer of exactly its own bytes: a store on another thread is sent it whole, and a
      // view into a larger (pooled) one would take the whole pool slab with it.
      const out = Buffer.allocUnsafeSlow(bytes);
      let at = 0;
      for (const p of parts) at += p.copy(out, at);
      return out;
    };
    const { chunk, index } = last;
    return { last: { seq: chunk.firstSeq + index, hash: lineHash(chunk.data, lineStart(chunk, index)) }, lines, records };
  }
}

function lineStart(c: SpoolChunk, i: number): number {
  return i ? c.ends[i - 1] : 0;
}

/** A spool line starts `["<64 hex digits of its hash>",`. */
function lineHash(data: Buffer, start: number): string {
  return data.toString('latin1', start + 2, start + 66);
}
