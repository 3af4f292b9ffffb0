// The local durable spool: every record is appended here (one write, before
// the caller gets the last byte of its response) and stays until the sink has
// stored it. A SIGKILL therefore loses nothing that was acknowledged; after a
// restart, or when a sink outage ends, the writer replays from here in order.
//
// Layout: DIR/seg-<first seq>.jsonl segment files, one record per line, and
// DIR/state.json with the last record the sink is known to hold. Writes reach
// the page cache, not the platter: the spool survives a process crash, not a
// power cut (the sink's own durability covers what it has stored).
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { ChainHead } from './chain.js';
import type { ChainedRecord } from './record.js';

const SEGMENT_BYTES = 4 * 1024 * 1024;

interface Segment {
  file: string;
  firstSeq: number;
  lastSeq: number;
  bytes: number;
}

export class Spool {
  private readonly segments: Segment[] = [];
  private fd?: number;
  private totalBytes = 0;
  private cache?: { file: string; records: ChainedRecord[] };
  /** The last record the sink is known to hold. */
  committed: ChainHead = { seq: 0, hash: '' };
  /** The last record in the spool, if any. */
  last?: ChainHead;

  private constructor(private readonly dir: string) {}

  /** Opens (creating) the spool and recovers its state; a torn last line is cut off. */
  static open(dir: string): Spool {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const spool = new Spool(dir);
    const state = join(dir, 'state.json');
    if (existsSync(state)) spool.committed = JSON.parse(readFileSync(state, 'utf8')).committed as ChainHead;
    const files = readdirSync(dir).filter((f) => /^seg-\d+\.jsonl$/.test(f)).sort();
    for (const name of files) {
      const file = join(dir, name);
      const { records, goodBytes, size } = parseSegment(file);
      if (goodBytes < size) truncateSync(file, goodBytes);
      if (!records.length) {
        rmSync(file);
        continue;
      }
      spool.segments.push({ file, firstSeq: records[0].seq, lastSeq: records.at(-1)!.seq, bytes: goodBytes });
      spool.totalBytes += goodBytes;
      const last = records.at(-1)!;
      spool.last = { seq: last.seq, hash: last.hash };
    }
    return spool;
  }

  /** Bytes on disk. */
  get bytes(): number {
    return this.totalBytes;
  }

  append(r: ChainedRecord): void {
    const line = Buffer.from(JSON.stringify(r) + '\n');
    let seg = this.segments.at(-1);
    if (!seg || this.fd === undefined || seg.bytes >= SEGMENT_BYTES) {
      if (this.fd !== undefined) closeSync(this.fd);
      seg = { file: join(this.dir, `seg-${String(r.seq).padStart(12, '0')}.jsonl`), firstSeq: r.seq, lastSeq: r.seq, bytes: 0 };
      this.fd = openSync(seg.file, 'a', 0o600);
      this.segments.push(seg);
    }
    writeSync(this.fd, line);
    seg.lastSeq = r.seq;
    seg.bytes += line.length;
    this.totalBytes += line.length;
    this.last = { seq: r.seq, hash: r.hash };
  }

  /** Up to `max` records from `fromSeq` on, in order. */
  read(fromSeq: number, max: number): ChainedRecord[] {
    const out: ChainedRecord[] = [];
    for (const seg of this.segments) {
      if (seg.lastSeq < fromSeq) continue;
      if (this.cache?.file !== seg.file || this.cache.records.at(-1)!.seq < seg.lastSeq) {
        this.cache = { file: seg.file, records: parseSegment(seg.file).records };
      }
      for (const r of this.cache.records) {
        if (r.seq < fromSeq) continue;
        out.push(r);
        if (out.length >= max) return out;
      }
    }
    return out;
  }

  /** The sink holds everything up to `head`: remember that, and drop segments it covers. */
  commit(head: ChainHead): void {
    this.committed = head;
    const state = join(this.dir, 'state.json');
    writeFileSync(`${state}.tmp`, JSON.stringify({ committed: head }));
    renameSync(`${state}.tmp`, state);
    while (this.segments.length > 1 && this.segments[0].lastSeq <= head.seq) {
      const seg = this.segments.shift()!;
      rmSync(seg.file, { force: true });
      this.totalBytes -= seg.bytes;
      if (this.cache?.file === seg.file) this.cache = undefined;
    }
    // The active segment, once fully stored and big, starts over.
    const active = this.segments.at(-1);
    if (active && active.lastSeq <= head.seq && active.bytes >= SEGMENT_BYTES && this.fd !== undefined) {
      closeSync(this.fd);
      this.fd = undefined;
      rmSync(active.file, { force: true });
      this.totalBytes -= active.bytes;
      this.segments.pop();
      this.cache = undefined;
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

function parseSegment(file: string): { records: ChainedRecord[]; goodBytes: number; size: number } {
  const buf = readFileSync(file);
  const records: ChainedRecord[] = [];
  let start = 0;
  for (;;) {
    const nl = buf.indexOf(0x0a, start);
    if (nl < 0) break;
    try {
      records.push(JSON.parse(buf.toString('utf8', start, nl)) as ChainedRecord);
    } catch {
      break; // a torn write: everything from here on is cut off
    }
    start = nl + 1;
  }
  return { records, goodBytes: start, size: statSync(file).size };
}
