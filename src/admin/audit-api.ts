// The console's audit: searches over the configured store (the query code
// behind `warden audit query`), one record's full detail, usage, and the hash
// chain's verification (`warden audit verify`'s code). Every read runs off
// the request thread: searches and usage on a reader thread, each
// verification on a thread of its own.
import { extname } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { AuditPlan } from '../audit/config.js';
import type { AuditFilter } from '../audit/sink.js';
import type { StoredRecord, VerifyResult } from '../audit/verify.js';
import type { LimitsSpec } from '../config/schema.js';
import { OPERATION_CLASSES } from '../types.js';
import type { ReaderRequest } from './reader-thread.js';
import type { QuotaUse, UsageDimension, UsageReport } from './usage.js';

export interface VerifyStatus {
  running: boolean;
  /** The last finished run. */
  last?: { startedAt: string; finishedAt: string; result?: VerifyResult; error?: string };
}

const MAX_RESULTS = 500;

type ReaderOp = ReaderRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/**
 * A module of this folder as a worker's entry. From source it is TypeScript,
 * and a worker does not inherit the tsx loader bin/warden.js registered: a
 * one-line bootstrap registers it in the thread first (as the SQLite sink's).
 */
function threadEntry(name: string): [string | URL, { eval?: boolean }] {
  const file = new URL(`./${name}${extname(new URL(import.meta.url).pathname)}`, import.meta.url);
  return file.pathname.endsWith('.ts')
    ? [`import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(file.href)}); });`, { eval: true }]
    : [file, {}];
}

export class AuditQueries {
  private reader?: Worker;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private verifying?: Promise<void>;
  private status: VerifyStatus = { running: false };

  constructor(private readonly plan: AuditPlan) {}

  get store(): string {
    return this.plan.store.kind;
  }

  /** Records matching `f`, newest first, at most MAX_RESULTS. */
  search(f: AuditFilter): Promise<StoredRecord[]> {
    return this.call({ op: 'search', filter: { ...f, limit: Math.min(f.limit ?? 100, MAX_RESULTS), newestFirst: true } }) as Promise<StoredRecord[]>;
  }

  async byRequestId(requestId: string): Promise<StoredRecord | undefined> {
    return (await this.search({ requestId, limit: 1 }))[0];
  }

  /** Usage since `sinceMs` and quota use of the windows since `quotaSinceMs`, from at most `maxRecords` records. */
  usage(o: { sinceMs: number; quotaSinceMs: number; nowMs: number; by: UsageDimension; maxRecords: number; limits?: LimitsSpec }): Promise<UsageReport & { quotas: QuotaUse[] }> {
    return this.call({ op: 'usage', ...o }) as Promise<UsageReport & { quotas: QuotaUse[] }>;
  }

  verification(): VerifyStatus {
    return this.status;
  }

  /** Starts a verification unless one runs; its outcome lands in verification(). */
  startVerify(): void {
    if (this.verifying) return;
    const startedAt = new Date().toISOString();
    this.status = { ...this.status, running: true };
    const keyFiles = [this.plan.keyFile, ...this.plan.previousKeyFiles];
    const [entry, opts] = threadEntry('verify-thread');
    this.verifying = new Promise<{ result?: VerifyResult; error?: string }>((resolve) => {
      const worker = new Worker(entry, { ...opts, workerData: { store: this.plan.store, keyFiles }, name: 'warden-audit-verify' });
      worker.once('message', resolve);
      worker.once('error', (e) => resolve({ error: e.message }));
      worker.once('exit', (code) => resolve({ error: `the verification stopped (exit ${code})` }));
    }).then((outcome) => {
      this.status = { running: false, last: { startedAt, finishedAt: new Date().toISOString(), ...outcome } };
      this.verifying = undefined;
    });
  }

  async close(): Promise<void> {
    await this.verifying;
    const reader = this.reader;
    if (!reader) return;
    await this.call({ op: 'close' }).catch(() => {});
    await reader.terminate();
  }

  private call(op: ReaderOp): Promise<unknown> {
    const worker = (this.reader ??= this.startReader());
    const id = this.nextId++;
    if (!this.waiting.size) worker.ref();
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage({ ...op, id });
    });
  }

  private startReader(): Worker {
    const [entry, opts] = threadEntry('reader-thread');
    const worker = new Worker(entry, { ...opts, workerData: { store: this.plan.store }, name: 'warden-audit-reader' });
    worker.on('message', (m: { id: number; result?: unknown; error?: string }) => {
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      // An idle reader must not keep the process alive.
      if (!this.waiting.size) worker.unref();
      if (m.error !== undefined) w.reject(new Error(m.error));
      else w.resolve(m.result);
    });
    const stopped = (why: string) => {
      if (this.reader !== worker) return;
      this.reader = undefined;
      for (const w of this.waiting.values()) w.reject(new Error(`the audit reader thread stopped: ${why}`));
      this.waiting.clear();
    };
    worker.on('error', (e) => stopped(e.message));
    worker.on('exit', (code) => stopped(`exit code ${code}`));
    return worker;
  }
}

/** The console's search form → a store filter; a string says what is wrong. */
export function filterOf(q: URLSearchParams): AuditFilter | string {
  const f: AuditFilter = {};
  for (const k of ['since', 'until'] as const) {
    const v = q.get(k);
    if (!v) continue;
    const t = new Date(v);
    if (Number.isNaN(t.getTime())) return `${k}: "${v}" is not a time`;
    f[k] = t.toISOString();
  }
  const text = (k: string) => q.get(k)?.trim() || undefined;
  f.principal = text('principal');
  f.group = text('group');
  f.model = text('model');
  f.route = text('route');
  f.requestId = text('requestId');
  const decision = text('decision')?.toLowerCase();
  if (decision && decision !== 'allow' && decision !== 'deny') return `decision: "${decision}" is neither allow nor deny`;
  f.decision = decision;
  const cls = text('class')?.toLowerCase();
  if (cls && !(OPERATION_CLASSES as readonly string[]).includes(cls)) return `class: "${cls}" is not one of ${OPERATION_CLASSES.join(', ')}`;
  f.operationClass = cls;
  const limit = text('limit');
  if (limit) {
    if (!/^[1-9]\d{0,5}$/.test(limit)) return `limit: "${limit}" is not a positive whole number`;
    f.limit = Number(limit);
  }
  for (const k of Object.keys(f) as (keyof AuditFilter)[]) if (f[k] === undefined) delete f[k];
  return f;
}
