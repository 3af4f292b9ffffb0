// The local durable spool: every record is appended here (written before the
// caller gets the end of its response) and stays until the sink has
// stored it. A SIGKILL therefore loses nothing that was acknowledged; after a
// restart, or when a sink outage ends, the writer replays from here in order.
//
// Layout: DIR/seg-<first seq>.jsonl segment files, one record per line —
// `["<hash>","<prevHash>",<canonical record>]`, the text the HMAC was computed
// over, so that spooling costs no second serialization (older spools hold the
// record as a JSON object per line; both read back) — and DIR/state.json with
// the last record the sink is known to hold. Writes reach
// the page cache, not the platter: the spool survives a process crash, not a
// power cut (the sink's own durability covers what it has stored).
import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { lastSeq, type SpoolChunk } from './backlog.js';
import type { ChainHead } from './chain.js';
import { canonicalRow, toRow } from './columns.js';
import { fromCanonical, type ChainedRecord } from './record.js';

const SEGMENT_BYTES = 4 * 1024 * 1024;

interface Segment {
  file: string;
  firstSeq: number;
  lastSeq: number;
  bytes: number;
  /** Where each write not yet stored ends: its last record, and the segment's size after it. */
  writes: { lastSeq: number; end: number }[];
  /** Bytes at its start the sink holds. */
  stored: number;
}

/** A record read back, with its line (what a store on another thread is sent). */
interface Entry {
  record: ChainedRecord;
  line: string;
}

export class Spool {
  private readonly segments: Segment[] = [];
  private fd?: number;
  /** Segments roll at this size, so that stored records give their disk back while a spool of any size fills. */
  private readonly segmentBytes: number;
  private diskBytes = 0;
  private queuedBytes = 0;
  /** Of diskBytes, those the sink holds (in segments not dropped yet). */
  private storedBytes = 0;
  /** The segment being read back: its first `bytes` parsed, minus the entries already handed over. */
  private cache?: { file: string; bytes: number; entries: Entry[] };
  private pending: string[] = [];
  private pendingEnds: number[] = [];
  private pendingFirst?: number;
  /** The last record the sink is known to hold. */
  committed: ChainHead = { seq: 0, hash: '' };
  /** The last record in the spool, if any. */
  last?: ChainHead;

  private constructor(private readonly dir: string, maxBytes: number) {
    // An eighth of the room: the stored head of the oldest segment, which stays on disk until
    // all of it is stored, takes little of it.
    this.segmentBytes = Math.min(SEGMENT_BYTES, Math.ceil(maxBytes / 8));
  }

  /**
   * Opens (creating) the spool and recovers its state; a torn last line is
   * cut off, and segments the state file says are stored are dropped.
   * `maxBytes` is the room the writer gives it: segments are sized to it.
   */
  static open(dir: string, maxBytes = Infinity): Spool {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    lock(dir);
    const spool = new Spool(dir, maxBytes);
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
      const last = records.at(-1)!;
      // As one write: counted stored once all of it is.
      spool.segments.push({ file, firstSeq: records[0].seq, lastSeq: last.seq, bytes: goodBytes, writes: [{ lastSeq: last.seq, end: goodBytes }], stored: 0 });
      spool.diskBytes += goodBytes;
      spool.last = { seq: last.seq, hash: last.hash };
    }
    spool.commit(spool.committed);
    return spool;
  }

  /** Bytes on disk, and queued for it. */
  get bytes(): number {
    return this.diskBytes + this.queuedBytes;
  }

  /**
   * Bytes of the records the sink does not hold yet (what a full spool is
   * full of); a write is counted stored once all of its records are.
   */
  get pendingBytes(): number {
    return this.bytes - this.storedBytes;
  }

  /** Queues a record, given with its canonical text, for the next `take`; it is durable only once that chunk is written. Returns its line. */
  append(r: ChainedRecord, canonicalText: string): string {
    // hash and prevHash are hex: nothing to escape.
    const line = `["${r.hash}","${r.prevHash}",${canonicalText}]\n`;
    const bytes = Buffer.byteLength(line);
    this.pending.push(line);
    this.pendingEnds.push((this.pendingEnds.at(-1) ?? 0) + bytes);
    this.pendingFirst ??= r.seq;
    this.queuedBytes += bytes;
    this.last = { seq: r.seq, hash: r.hash };
    return line;
  }

  /** What `append` queued, as one chunk (and no longer queued); `write` it next. */
  take(): SpoolChunk | undefined {
    if (!this.pending.length) return undefined;
    const chunk = { firstSeq: this.pendingFirst!, data: Buffer.from(this.pending.join('')), ends: this.pendingEnds };
    this.pending = [];
    this.pendingEnds = [];
    this.pendingFirst = undefined;
    this.queuedBytes = 0;
    return chunk;
  }

  /** Writes a chunk `take` gave, in one write: one syscall per event-loop turn, not per record. */
  write(chunk: SpoolChunk): void {
    let seg = this.segments.at(-1);
    if (!seg || this.fd === undefined || seg.bytes >= this.segmentBytes) {
      if (this.fd !== undefined) closeSync(this.fd);
      // A full segment is counted stored once all of it is: its writes need not be held (one per event-loop turn, through a long outage).
      if (seg) seg.writes = seg.writes.slice(-1);
      seg = { file: join(this.dir, `seg-${String(chunk.firstSeq).padStart(12, '0')}.jsonl`), firstSeq: chunk.firstSeq, lastSeq: 0, bytes: 0, writes: [], stored: 0 };
      this.fd = openSync(seg.file, 'a', 0o600);
      this.segments.push(seg);
    }
    // All of it or none: a write cut short (the disk filled up) is cut back off, so that the
    // segment stays whole lines and the chunk can be written again, whole, later.
    let written = 0;
    try {
      while (written < chunk.data.length) written += writeSync(this.fd, chunk.data, written);
    } catch (e) {
      if (written) ftruncateSync(this.fd, seg.bytes);
      throw e;
    }
    seg.lastSeq = lastSeq(chunk);
    seg.bytes += chunk.data.length;
    seg.writes.push({ lastSeq: seg.lastSeq, end: seg.bytes });
    this.diskBytes += chunk.data.length;
  }

  /** Writes whatever is queued. */
  flush(): void {
    const chunk = this.take();
    if (chunk) this.write(chunk);
  }

  /**
   * Up to `max` records from `fromSeq` on, in order, with their lines. Each
   * line is parsed once: while requests still append to the segment being
   * read (a backlog after an outage, or a sink that fell behind), a read
   * parses only what was added since the last one — re-parsing a whole
   * 4 MB segment per batch cost the request thread ~150 µs a record — and
   * lets go of the entries before `fromSeq`, which the sink holds.
   */
  read(fromSeq: number, max: number): { records: ChainedRecord[]; lines: string[] } {
    this.flush();
    const records: ChainedRecord[] = [];
    const lines: string[] = [];
    for (const seg of this.segments) {
      if (seg.lastSeq < fromSeq) continue;
      const entries = this.parsed(seg);
      let stored = 0;
      while (stored < entries.length && entries[stored]!.record.seq < fromSeq) stored++;
      if (stored) entries.splice(0, stored);
      for (let i = 0; i < entries.length && records.length < max; i++) {
        records.push(entries[i]!.record);
        lines.push(entries[i]!.line);
      }
      if (records.length >= max) break;
    }
    return { records, lines };
  }

  /** `seg`'s entries not yet let go, parsed up to its current end. */
  private parsed(seg: Segment): Entry[] {
    if (this.cache?.file !== seg.file) this.cache = { file: seg.file, bytes: 0, entries: [] };
    const c = this.cache;
    if (c.bytes >= seg.bytes) return c.entries;
    const buf = Buffer.alloc(seg.bytes - c.bytes);
    const fd = openSync(seg.file, 'r');
    try {
      for (let got = 0; got < buf.length; ) {
        const n = readSync(fd, buf, got, buf.length - got, c.bytes + got);
        if (n === 0) break;
        got += n;
      }
    } finally {
      closeSync(fd);
    }
    c.bytes += parseLines(buf, c.entries);
    return c.entries;
  }

  /**
   * The sink holds everything up to `head`: drop the segments it covers, but
   * the one being appended to until it is full (else every flush would make
   * a file). The state file is written only before a segment goes (and at
   * close): a stale one after a crash just replays records the sink already
   * holds, which it ignores by (chain, seq).
   */
  commit(head: ChainHead): void {
    this.committed = head;
    for (const seg of this.segments) {
      while (seg.writes.length && seg.writes[0].lastSeq <= head.seq) seg.stored = seg.writes.shift()!.end;
    }
    const droppable = (seg: Segment) => seg.lastSeq <= head.seq && (seg !== this.segments.at(-1) || this.fd === undefined || seg.bytes >= this.segmentBytes);
    if (this.segments.length && droppable(this.segments[0])) this.saveState();
    while (this.segments.length && droppable(this.segments[0])) {
      const seg = this.segments.shift()!;
      if (!this.segments.length && this.fd !== undefined) {
        closeSync(this.fd);
        this.fd = undefined;
      }
      rmSync(seg.file, { force: true });
      this.diskBytes -= seg.bytes;
      if (this.cache?.file === seg.file) this.cache = undefined;
    }
    this.storedBytes = this.segments.reduce((n, seg) => n + seg.stored, 0);
  }

  private saveState(): void {
    const state = join(this.dir, 'state.json');
    writeFileSync(`${state}.tmp`, JSON.stringify({ committed: this.committed }));
    renameSync(`${state}.tmp`, state);
  }

  close(): void {
    this.flush();
    this.saveState();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    rmSync(join(this.dir, 'lock'), { force: true });
  }
}

/** Another live process holds the spool: `warden start` says so in one line and exits 1. */
export class SpoolInUseError extends Error {}

/**
 * One process per spool: DIR/lock names the host and process holding it. Two
 * writers in one directory would take each other's segments for their own,
 * number on from each other's records and drop files the other still needs.
 * A lock left by a process that is gone (killed, or a container restarted:
 * same host name, its process id free or this process's own) is taken over.
 */
function lock(dir: string): void {
  const file = join(dir, 'lock');
  const me = `${hostname()} ${process.pid}\n`;
  for (;;) {
    try {
      writeFileSync(file, me, { flag: 'wx', mode: 0o600 });
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const [host, pidText] = readFileSync(file, 'utf8').trim().split(' ');
    const pid = Number(pidText);
    if (host === hostname() && (pid === process.pid || !alive(pid))) {
      rmSync(file, { force: true });
      continue;
    }
    throw new SpoolInUseError(`the audit spool ${dir} is in use by process ${pidText} on ${host}: each replica needs a spool directory (and a chain) of its own; ` +
      `if that process is gone, remove ${file}`);
  }
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** One spool line back to its record (either layout); throws on a torn line. */
export function parseSpoolLine(line: string): ChainedRecord {
  const value = JSON.parse(line) as ChainedRecord | [string, string, unknown[]];
  return Array.isArray(value) ? fromCanonical(value[2], value[1], value[0]) : value;
}

/**
 * One spool line as a store row (COLUMNS order). From the canonical layout
 * the row is made straight from the values: building the record object first
 * (dynamic keys, then read back by name) cost ~4× the JSON.parse itself.
 */
export function spoolLineRow(line: string, dialect: 'sqlite' | 'postgres'): unknown[] {
  const value = JSON.parse(line) as ChainedRecord | [string, string, unknown[]];
  return Array.isArray(value) ? canonicalRow(value[2], value[1], value[0], dialect) : toRow(value, dialect);
}

function parseSegment(file: string): { records: ChainedRecord[]; goodBytes: number; size: number } {
  const buf = readFileSync(file);
  const entries: Entry[] = [];
  const goodBytes = parseLines(buf, entries);
  return { records: entries.map((e) => e.record), goodBytes, size: statSync(file).size };
}

/**
 * Appends the whole lines of `buf` to `out`, parsed, and returns the bytes
 * they take. A line that does not parse ends it there: a torn write, at open;
 * while running only whole lines are written.
 */
function parseLines(buf: Buffer, out: Entry[]): number {
  let start = 0;
  for (let nl = buf.indexOf(0x0a); nl >= 0; nl = buf.indexOf(0x0a, start)) {
    const line = buf.toString('utf8', start, nl + 1);
    let record: ChainedRecord;
    try {
      record = parseSpoolLine(line);
    } catch {
      break;
    }
    out.push({ record, line });
    start = nl + 1;
  }
  return start;
}
