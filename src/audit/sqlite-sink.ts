// The gateway's SQLite audit store, on a thread of its own (sqlite-thread.ts).
// The request thread only hands each batch over, as the records' spool lines
// in one Buffer (copied whole; cloning the record objects cost ~3.5 µs a
// record, building and inserting a row costs ~10), so neither inserts nor WAL
// checkpoints stall the requests it is answering.
// The AuditSink contract holds: `append` resolves once the batch is
// committed and rejects when SQLite refused it; records meanwhile sit in
// the writer's spool. A thread that dies fails what it had in hand and is
// started again on the next call.
import { extname } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ChainedRecord, Checkpoint } from './record.js';
import type { AuditSink, StoredHead } from './sink.js';

export type SinkRequest = { id: number } & (
  | { op: 'append'; records: ChainedRecord[] }
  | { op: 'appendLines'; lines: Uint8Array }
  | { op: 'checkpoint'; checkpoint: Checkpoint }
  | { op: 'head'; chain: string }
  | { op: 'close' }
);

export interface SinkReply {
  id: number;
  error?: string;
  /** The error's `code`, if it had one (AUDIT_CHAIN_CONFLICT). */
  code?: string;
  head?: StoredHead;
}

type Op = SinkRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

// The thread runs the same kind of file as this one. From source that is
// TypeScript, and a worker does not inherit the tsx loader bin/warden.js
// registered (nor, on Node 20, take `--import` in its execArgv): a one-line
// bootstrap registers it in the thread first.
const THREAD = new URL(`./sqlite-thread${extname(new URL(import.meta.url).pathname)}`, import.meta.url);
const ENTRY: [string | URL, { eval?: boolean }] = THREAD.pathname.endsWith('.ts')
  ? [`import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(THREAD.href)}); });`, { eval: true }]
  : [THREAD, {}];

export class SqliteThreadSink implements AuditSink {
  readonly kind = 'sqlite';
  private worker?: Worker;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (r: SinkReply) => void; reject: (e: Error) => void }>();

  constructor(private readonly file: string) {}

  async append(records: ChainedRecord[]): Promise<void> {
    await this.call({ op: 'append', records });
  }

  /** `lines` is the sink's from here on: a Buffer of exactly its own bytes is moved to the thread, not copied. */
  async appendLines(lines: Buffer): Promise<void> {
    const own = lines.byteOffset === 0 && lines.byteLength === lines.buffer.byteLength;
    await this.call({ op: 'appendLines', lines }, own ? [lines.buffer as ArrayBuffer] : []);
  }

  async checkpoint(checkpoint: Checkpoint): Promise<void> {
    await this.call({ op: 'checkpoint', checkpoint });
  }

  async head(chain: string): Promise<StoredHead | undefined> {
    return (await this.call({ op: 'head', chain })).head;
  }

  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    await this.call({ op: 'close' }).catch(() => {});
    await worker.terminate();
  }

  private call(op: Op, transfer: ArrayBuffer[] = []): Promise<SinkReply> {
    const worker = (this.worker ??= this.start());
    const id = this.nextId++;
    // Referenced while an answer is awaited (the start of `warden start` awaits
    // `head` with nothing else keeping the process alive), not when idle.
    if (!this.waiting.size) worker.ref();
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage({ ...op, id }, transfer);
    });
  }

  private start(): Worker {
    const worker = new Worker(ENTRY[0], { ...ENTRY[1], workerData: { file: this.file }, name: 'warden-audit-sqlite' });
    worker.on('message', (r: SinkReply) => {
      const w = this.waiting.get(r.id);
      if (!w) return;
      this.waiting.delete(r.id);
      // Records wait in the spool, not here: an idle thread must not keep the process alive.
      if (!this.waiting.size) worker.unref();
      if (r.error) w.reject(Object.assign(new Error(r.error), r.code && { code: r.code }));
      else w.resolve(r);
    });
    const stopped = (why: string) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      for (const w of this.waiting.values()) w.reject(new Error(`the SQLite audit thread stopped: ${why}`));
      this.waiting.clear();
    };
    worker.on('error', (e) => stopped(e.message));
    worker.on('exit', (code) => stopped(`exit code ${code}`));
    return worker;
  }
}
