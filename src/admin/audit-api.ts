// The console's audit: searches over the configured store (the query code
// behind `warden audit query`), one record's full detail, and the hash
// chain's verification (`warden audit verify`'s code, on a thread).
import { extname } from 'node:path';
import { Worker } from 'node:worker_threads';
import { openStore, type AuditPlan } from '../audit/config.js';
import type { AuditFilter, AuditReader } from '../audit/sink.js';
import type { StoredRecord, VerifyResult } from '../audit/verify.js';
import { OPERATION_CLASSES } from '../types.js';

export interface VerifyStatus {
  running: boolean;
  /** The last finished run. */
  last?: { startedAt: string; finishedAt: string; result?: VerifyResult; error?: string };
}

const MAX_RESULTS = 500;

// As for the SQLite thread: from source the thread is TypeScript, and registers tsx first.
const THREAD = new URL(`./verify-thread${extname(new URL(import.meta.url).pathname)}`, import.meta.url);
const ENTRY: [string | URL, { eval?: boolean }] = THREAD.pathname.endsWith('.ts')
  ? [`import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(THREAD.href)}); });`, { eval: true }]
  : [THREAD, {}];

export class AuditQueries {
  private reader?: AuditReader;
  private verifying?: Promise<void>;
  private status: VerifyStatus = { running: false };

  constructor(private readonly plan: AuditPlan) {}

  get store(): string {
    return this.plan.store.kind;
  }

  /** Records matching `f`, newest first, at most MAX_RESULTS. */
  async search(f: AuditFilter): Promise<StoredRecord[]> {
    const out: StoredRecord[] = [];
    const limit = Math.min(f.limit ?? 100, MAX_RESULTS);
    for await (const r of this.open().records({ ...f, limit, newestFirst: true })) {
      out.push(r);
      if (out.length >= limit) break;
    }
    return out;
  }

  /** Every record since `since` (oldest first), for usage charts; at most `max`. */
  async *since(since: string, max: number): AsyncIterable<StoredRecord> {
    let n = 0;
    for await (const r of this.open().records({ since })) {
      yield r;
      if (++n >= max) return;
    }
  }

  async byRequestId(requestId: string): Promise<StoredRecord | undefined> {
    return (await this.search({ requestId, limit: 1 }))[0];
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
    this.verifying = new Promise<{ result?: VerifyResult; error?: string }>((resolve) => {
      const worker = new Worker(ENTRY[0], { ...ENTRY[1], workerData: { store: this.plan.store, keyFiles }, name: 'warden-audit-verify' });
      worker.once('message', resolve);
      worker.once('error', (e) => resolve({ error: e.message }));
      worker.once('exit', (code) => resolve({ error: `the verification stopped (exit ${code})` }));
    }).then((outcome) => {
      this.status = { running: false, last: { startedAt, finishedAt: new Date().toISOString(), ...outcome } };
      this.verifying = undefined;
    });
  }

  /** Resolves when the running verification (if any) has finished: tests and shutdown. */
  async settled(): Promise<void> {
    await this.verifying;
  }

  async close(): Promise<void> {
    await this.verifying;
    await this.reader?.close().catch(() => {});
    this.reader = undefined;
  }

  /** Opened on first use: a SQLite file exists only once the writer has made it. */
  private open(): AuditReader {
    try {
      this.reader ??= openStore(this.plan.store, { readonly: true });
    } catch (e) {
      throw new Error(`the audit store cannot be read yet: ${(e as Error).message}`);
    }
    return this.reader;
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
