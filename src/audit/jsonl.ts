// JSON lines, for SIEM shippers: one record per line, to a file or stdout.
// Checkpoints are lines of their own: {"checkpoint": {...}}.
import { createReadStream, existsSync, fstatSync, openSync, statSync, writeSync, closeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { ChainedRecord, Checkpoint } from './record.js';
import { matchesFilter, type AuditFilter, type AuditReader, type AuditSink, type StoredHead } from './sink.js';
import type { StoredRecord } from './verify.js';

/** `-` is stdout. */
export class JsonlAuditStore implements AuditSink, AuditReader {
  readonly kind = 'jsonl';
  private fd?: number;

  constructor(private readonly file: string) {}

  async append(records: ChainedRecord[]): Promise<void> {
    this.write(records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  }

  async checkpoint(c: Checkpoint): Promise<void> {
    this.write(JSON.stringify({ checkpoint: c }) + '\n');
  }

  /** Read back from the file, so that a replay after a crash does not write a record twice. */
  async head(chain: string): Promise<StoredHead | undefined> {
    if (this.file === '-' || !existsSync(this.file)) return undefined;
    let head: StoredHead | undefined;
    for await (const { value } of this.lines()) {
      if ('seq' in value && value.chain === chain) head = { seq: value.seq, hash: value.hash, record: value };
    }
    return head;
  }

  async *records(filter: AuditFilter = {}): AsyncIterable<StoredRecord> {
    if (filter.newestFirst) return yield* this.newest(filter);
    let n = 0;
    for await (const { value, line } of this.lines()) {
      if (!('seq' in value) || !matchesFilter(value, filter)) continue;
      yield Object.assign(value, { storeId: `line ${line}` });
      if (filter.limit && ++n >= filter.limit) return;
    }
  }

  /** A file reads forwards only: the last `limit` matches are kept on the way (all of them without a limit), then given newest first. */
  private async *newest(filter: AuditFilter): AsyncIterable<StoredRecord> {
    const kept: StoredRecord[] = [];
    for await (const { value, line } of this.lines()) {
      if (!('seq' in value) || !matchesFilter(value, filter)) continue;
      kept.push(Object.assign(value, { storeId: `line ${line}` }));
      if (filter.limit && kept.length > filter.limit) kept.shift();
    }
    yield* kept.reverse();
  }

  async checkpoints(): Promise<Checkpoint[]> {
    const out: Checkpoint[] = [];
    for await (const { value } of this.lines()) if ('checkpoint' in value) out.push(value.checkpoint);
    return out;
  }

  async close(): Promise<void> {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private write(text: string): void {
    if (this.file === '-') {
      process.stdout.write(text);
      return;
    }
    // Rotated by renaming (logrotate's default `create`) or removed: the records go to a new file at the path, not after the old one.
    if (this.fd !== undefined && !this.stillAtPath(this.fd)) {
      closeSync(this.fd);
      this.fd = undefined;
    }
    this.fd ??= openSync(this.file, 'a', 0o640);
    // One write per batch: a crash leaves whole lines.
    writeSync(this.fd, text);
  }

  /** Whether the path still names the open file (one stat per batch, every ~100 ms at most). */
  private stillAtPath(fd: number): boolean {
    try {
      const at = statSync(this.file);
      const open = fstatSync(fd);
      return at.ino === open.ino && at.dev === open.dev;
    } catch {
      return false;
    }
  }

  private async *lines(): AsyncIterable<{ line: number; value: ChainedRecord | { checkpoint: Checkpoint } }> {
    if (this.file === '-') throw new Error('cannot read audit records back from stdout');
    const rl = createInterface({ input: createReadStream(this.file), crlfDelay: Infinity });
    let line = 0;
    for await (const text of rl) {
      line++;
      if (!text.trim()) continue;
      let value: Record<string, unknown>;
      try {
        value = JSON.parse(text) as Record<string, unknown>;
      } catch (e) {
        throw new Error(`line ${line} is not a JSON record (${(e as Error).message.replace(/, ".*$/s, '')})`);
      }
      // Absent fields were written as absent; the canonical form reads them as null either way.
      yield { line, value: value as unknown as ChainedRecord | { checkpoint: Checkpoint } };
    }
  }
}
