// The audit writer: links each record into this replica's chain, appends it
// to the local spool (durable before the caller is answered), and hands
// batches to the sink off the request path. When the sink is down, records
// wait in the spool and are replayed in order when it returns; when the spool
// is full too, the writer stops accepting (the gateway then refuses requests
// with 503) unless the operator chose fail-open.
import type { Logger } from '../telemetry/log.js';
import type { Metrics } from '../telemetry/metrics.js';
import { Backlog, lastSeq, type Batch, type SpoolChunk } from './backlog.js';
import { Chain, recordHash, type ChainHead } from './chain.js';
import type { AuditRecord, ChainedRecord } from './record.js';
import { isChainConflict, type AuditSink } from './sink.js';
import { Spool } from './spool.js';

const BATCH = 500;
// Records are durable in the spool before the sink sees them, so the sink can
// wait: 100 ms gathers ~250 rows per transaction at a few thousand requests/s,
// and SQLite's per-commit cost (~40 µs here) fades (see bench/audit.ts).
const FLUSH_MS = 100;
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 2000;

export interface AuditWriterOptions {
  sink: AuditSink;
  key: Buffer;
  /** Keys the chain may have been written with before `key` (audit.previousKeyFiles): a chain that goes on under a new key is not a mismatch. */
  previousKeys?: Buffer[];
  chain: string;
  spoolDir: string;
  /** Bytes of records not yet stored the spool may hold before the writer stops accepting. */
  spoolMaxBytes: number;
  /** Records kept in memory for the sink; beyond this they are read back from the spool. */
  maxQueue?: number;
  failOpen: boolean;
  checkpointMs: number;
  log: Logger;
  metrics?: Metrics;
}

export interface AuditStatus {
  sink: string;
  chain: string;
  sinkUp: boolean;
  /** Records written to the spool and not yet stored by the sink. */
  pending: number;
  /** Disk the spool takes, stored segments not yet deleted included. */
  spoolBytes: number;
  /** Bytes of spooled records the sink does not hold yet: what `spool.maxBytes` bounds. */
  spoolPendingBytes: number;
  /** False while the disk refuses the spool's writes (a full disk, an I/O error). */
  spoolWritable: boolean;
  /** The sink refuses this replica's records as another writer's chain (ChainConflictError). */
  chainConflict: boolean;
  accepting: boolean;
  dropped: number;
}

export class AuditWriter {
  private readonly chain: Chain;
  /** Records waiting for the sink, as the spool wrote them (and as objects, for a sink that takes records). */
  private readonly memory = new Backlog();
  /** The records of this turn's chunk, kept for a sink that takes records; none for one that takes spool lines (the SQLite thread). */
  private turnRecords?: ChainedRecord[];
  private readonly byLines: boolean;
  /** Records kept in memory for the sink at most (opts.maxQueue). */
  private readonly maxQueue: number;
  private waiting: (() => void)[] = [];
  /**
   * Turns' records the spool could not write (the disk refused), oldest
   * first. They are retried before anything newer, so the spool stays in
   * order, and are let go of once the sink holds them; meanwhile they exist
   * only in memory, and the writer takes no new record: as with a full
   * spool, the gateway refuses requests (fail-open, it serves them and keeps
   * up to maxQueue more records in memory for the sink, then drops loudly).
   */
  private unwritten: SpoolChunk[] = [];
  private spoolFailing = false;
  private flushing = false;
  private timer?: NodeJS.Timeout;
  private readonly checkpointTimer: NodeJS.Timeout;
  private pumping?: Promise<void>;
  private sinkUp = true;
  /** The sink refused a batch as another writer's (ChainConflictError): logged once until a batch is stored. */
  private conflict = false;
  private retryMs = RETRY_MIN_MS;
  private lastCheckpoint = 0;
  private checkpointed = 0;
  private dropped = 0;
  private closed = false;

  private constructor(private readonly opts: AuditWriterOptions, private readonly spool: Spool, head: ChainHead) {
    this.chain = new Chain(opts.chain, opts.key, head);
    this.byLines = typeof opts.sink.appendLines === 'function';
    this.maxQueue = opts.maxQueue ?? 10_000;
    this.lastCheckpoint = Date.now();
    // Also when traffic stops: the last batch gets its checkpoint too.
    this.checkpointTimer = setInterval(() => void this.pump(), opts.checkpointMs).unref();
  }

  /** Recovers the spool and the chain's head, then replays whatever the sink does not hold yet. */
  static async open(opts: AuditWriterOptions): Promise<AuditWriter> {
    const spool = Spool.open(opts.spoolDir, opts.spoolMaxBytes);
    let stored: ChainHead | undefined;
    let reachable = true;
    try {
      const last = await opts.sink.head(opts.chain);
      if (last) stored = { seq: last.seq, hash: last.hash };
      if (last?.record && recordHash(opts.key, last.record) !== last.hash) {
        const log = { sink: opts.sink.kind, chain: opts.chain, seq: last.seq, requestId: last.record.requestId };
        if (opts.previousKeys?.some((k) => recordHash(k, last.record!) === last.hash)) {
          opts.log.info(log, 'audit HMAC key changed: this chain goes on under audit.hmacKeyFile after seq `seq`; its records up to there verify with a key in audit.previousKeyFiles');
        } else {
          // Not refused: the chain links on, and nothing is lost. But `verify` fails this chain unless it is given the old key too.
          opts.log.error(log,
            'AUDIT KEY MISMATCH: the last stored record of this chain does not verify with audit.hmacKeyFile, nor with any key in audit.previousKeyFiles: ' +
            'the key changed since it was written (or the record was edited). Records from now on verify with the new key, those before with the old one: ' +
            'list the old key file in audit.previousKeyFiles, or `warden audit verify` reports this chain as tampered (see docs/audit.md, Changing the key)');
        }
      }
    } catch (e) {
      reachable = false;
      opts.log.warn({ sink: opts.sink.kind, err: (e as Error).message }, 'audit sink unavailable at start: records wait in the spool');
    }
    // What the sink holds needs no room in the spool: a spool full of it would refuse requests for nothing.
    // But the spool's records not known stored are let go of only when the sink ends at the spool's last
    // record, that very record: else some may be records the sink refused as another writer's seqs
    // (ChainConflictError), and they are replayed instead — stored once if they are the sink's, refused again, loudly, if not.
    const unsure = spool.last && spool.last.seq > spool.committed.seq;
    if (stored && stored.seq > spool.committed.seq && (!unsure || (stored.seq === spool.last!.seq && stored.hash === spool.last!.hash))) spool.commit(stored);
    const head = [spool.last, spool.committed, stored].reduce<ChainHead>((a, b) => (b && b.seq > a.seq ? b : a), { seq: 0, hash: '' });
    const writer = new AuditWriter(opts, spool, head);
    writer.sinkUp = reachable;
    opts.metrics?.watchAudit(() => writer.status());
    writer.schedule(0);
    return writer;
  }

  /** False while the spool is full or cannot be written (and not fail-open): the gateway refuses new requests then. */
  get accepting(): boolean {
    return this.opts.failOpen || this.room;
  }

  /** Whether a new record can be made durable: the spool has room, and the disk takes its writes. */
  private get room(): boolean {
    return !this.full && !this.unwritten.length;
  }

  /** The spool holds spoolMaxBytes of records the sink does not (records it holds do not count: they are let go of). */
  private get full(): boolean {
    return this.spool.pendingBytes >= this.opts.spoolMaxBytes;
  }

  /**
   * Whether a new record can be kept: made durable, or, fail-open while the
   * disk refuses the spool, held in memory for the sink (up to maxQueue of
   * them) rather than dropped.
   */
  private get canKeep(): boolean {
    if (this.room) return true;
    return this.opts.failOpen && !this.full && this.unwrittenRecords() < this.maxQueue;
  }

  private unwrittenRecords(): number {
    return this.unwritten.reduce((n, c) => n + c.ends.length, 0);
  }

  /**
   * Links the record (in place: `r` becomes the chained record, the caller
   * must not reuse it) and queues it for the spool; `durable` runs once it is
   * written there (within this event-loop turn; records finishing together
   * share one write), and the sink gets it later. False when it was dropped.
   */
  write(r: AuditRecord, durable?: () => void): boolean {
    if (!this.canKeep || this.closed) {
      durable?.();
      this.dropped++;
      this.opts.metrics?.auditDropped.inc();
      // Loud on purpose: this request is not in the audit trail.
      this.opts.log.error({ requestId: r.requestId, spoolBytes: this.spool.bytes, failOpen: this.opts.failOpen },
        this.unwritten.length ? 'AUDIT RECORD DROPPED: the audit spool cannot be written' : 'AUDIT RECORD DROPPED: the audit sink is down and the spool is full');
      return false;
    }
    const linked = this.chain.link(r);
    this.spool.append(linked, this.chain.lastCanonical);
    if (!this.byLines) (this.turnRecords ??= []).push(linked);
    if (durable) this.waiting.push(durable);
    if (!this.flushing) {
      this.flushing = true;
      setImmediate(() => this.flushSpool());
    }
    // A full spool refuses requests until the sink has stored what fills it: no waiting for the flush then.
    this.schedule(this.pendingCount() >= BATCH || this.full ? 0 : FLUSH_MS);
    return true;
  }

  status(): AuditStatus {
    return {
      sink: this.opts.sink.kind,
      chain: this.opts.chain,
      sinkUp: this.sinkUp,
      pending: this.pendingCount(),
      spoolBytes: this.spool.bytes,
      spoolPendingBytes: this.spool.pendingBytes,
      spoolWritable: !this.unwritten.length,
      chainConflict: this.conflict,
      accepting: this.accepting,
      dropped: this.dropped,
    };
  }

  /** Stores what it can (waiting up to `timeoutMs` for a working sink), checkpoints, and releases everything. */
  async close(timeoutMs = 5000): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    clearInterval(this.checkpointTimer);
    this.flushSpool();
    // While the sink is up, wait for it; when it is down, what is pending stays in the spool for the next start.
    const deadline = Date.now() + timeoutMs;
    await this.pump();
    while (this.sinkUp && this.pendingCount() > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      await this.pump();
    }
    if (this.pendingCount() === 0) await this.checkpoint().catch(() => {});
    this.spool.close();
    await this.opts.sink.close();
  }

  /** Writes this turn's records to the spool (after any it could not write before), and keeps them for the sink. */
  private flushSpool(): void {
    this.flushing = false;
    const waiting = this.waiting;
    this.waiting = [];
    const chunk = this.spool.take();
    if (chunk) {
      this.memory.push(chunk, this.turnRecords);
      this.turnRecords = undefined;
      this.unwritten.push(chunk);
    }
    this.writeUnwritten();
    // Beyond maxQueue the spool has them (never while some exist only in memory).
    if (this.memory.size > this.maxQueue && !this.unwritten.length) this.memory.clear();
    // The answers still go out: their records wait in memory for the sink, and new requests are refused meanwhile.
    for (const done of waiting) done();
  }

  private writeUnwritten(): void {
    while (this.unwritten.length) {
      try {
        this.spool.write(this.unwritten[0]);
      } catch (e) {
        if (!this.spoolFailing) {
          // Loud, once until a write succeeds: these records are in memory only, and requests are refused.
          this.opts.log.error({ err: (e as Error).message, records: this.unwrittenRecords(), failOpen: this.opts.failOpen },
            'AUDIT SPOOL WRITE FAILED: records are not durable until the sink stores them, and new records are refused until the spool can be written');
        }
        this.spoolFailing = true;
        return;
      }
      this.unwritten.shift();
      if (this.spoolFailing) this.opts.log.warn({}, 'audit spool writable again');
      this.spoolFailing = false;
    }
  }

  private pendingCount(): number {
    return this.chain.position.seq - this.spool.committed.seq;
  }

  /** Pumps in `ms`, unless a pump is due already; one due later gives way to `0`, but not a retry's back-off while the sink is down. */
  private schedule(ms: number): void {
    if (this.closed) return;
    if (this.timer) {
      if (ms > 0 || !this.sinkUp) return;
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.pump();
    }, ms);
    this.timer.unref();
  }

  private pump(): Promise<void> {
    this.pumping ??= this.drain().finally(() => (this.pumping = undefined));
    return this.pumping;
  }

  private async drain(): Promise<void> {
    for (;;) {
      const batch = this.nextBatch();
      if (!batch) break;
      const started = performance.now();
      try {
        if (this.byLines) await this.opts.sink.appendLines!(batch.lines());
        else await this.opts.sink.append(batch.records!);
      } catch (e) {
        if (isChainConflict(e)) {
          // Not an outage: retrying will not help, and the records pile up in the spool until someone renames a chain.
          if (!this.conflict) this.opts.log.error({ sink: this.opts.sink.kind, chain: this.opts.chain, err: (e as Error).message }, 'AUDIT CHAIN CONFLICT: the sink refuses this replica\'s records');
          this.conflict = true;
        } else if (this.sinkUp) {
          this.opts.log.warn({ sink: this.opts.sink.kind, err: (e as Error).message }, 'audit sink unavailable: records wait in the spool');
        }
        this.sinkUp = false;
        this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
        this.schedule(this.retryMs);
        return;
      }
      this.opts.metrics?.auditWriteSeconds.observe({ sink: this.opts.sink.kind }, (performance.now() - started) / 1000);
      if (!this.sinkUp) this.opts.log.info({ sink: this.opts.sink.kind, pending: this.pendingCount() }, 'audit sink is back: replaying the spool');
      this.sinkUp = true;
      this.conflict = false;
      this.retryMs = RETRY_MIN_MS;
      this.spool.commit(batch.last);
      // What could not be spooled but is stored now needs the spool no more.
      this.unwritten = this.unwritten.filter((c) => lastSeq(c) > batch.last.seq);
      // Straight on only with a full batch waiting (a backlog after an outage, or
      // more than BATCH records a flush period) or a full spool; otherwise the timer gathers the
      // next one: sent as soon as the last was stored, batches stayed ~50 rows at
      // 6,000 requests/s, and each batch's fixed cost (handover, commit) with them.
      if (this.pendingCount() < BATCH && !this.full) {
        if (this.pendingCount() > 0) this.schedule(FLUSH_MS);
        break;
      }
    }
    if (Date.now() - this.lastCheckpoint >= this.opts.checkpointMs) await this.checkpoint().catch(() => {});
  }

  /** The next records for the sink, from memory when it holds them, else read back from the spool. */
  private nextBatch(): Batch | undefined {
    this.flushSpool(); // this turn's records too, in order
    const from = this.spool.committed.seq + 1;
    this.memory.dropBefore(from);
    if (this.memory.firstSeq === from) return this.memory.peek(BATCH);
    const { records, lines } = this.spool.read(from, BATCH);
    const last = records.at(-1);
    return last && { last: { seq: last.seq, hash: last.hash }, lines: () => Buffer.from(lines.join('')), records };
  }

  /** A signed statement of how far the chain has been stored; a removed tail cannot hide behind it. */
  private async checkpoint(): Promise<void> {
    const at = this.spool.committed;
    if (at.seq === 0 || at.seq === this.checkpointed) return;
    this.lastCheckpoint = Date.now();
    await this.opts.sink.checkpoint(this.chain.checkpoint(at));
    this.checkpointed = at.seq;
  }
}
