// The console's reads of the audit store, on a thread of their own: a search
// over a large SQLite log (a request id has no index) or a week of usage can
// take seconds, and better-sqlite3 reads synchronously — on the request
// thread that would stall the gateway's traffic. Messages are answered in
// order, each with its id; `verify` runs on a thread per run (verify-thread.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { openStore, type StoreSpec } from '../audit/config.js';
import type { AuditRecord } from '../audit/record.js';
import type { AuditFilter, AuditReader } from '../audit/sink.js';
import type { LimitsSpec } from '../config/schema.js';
import { quotaUse, usageReport, type UsageDimension } from './usage.js';

export type ReaderRequest = { id: number } & (
  | { op: 'search'; filter: AuditFilter }
  | { op: 'usage'; sinceMs: number; quotaSinceMs: number; nowMs: number; by: UsageDimension; maxRecords: number; limits?: LimitsSpec }
  | { op: 'close' }
);

const port = parentPort!;
const { store: spec } = workerData as { store: StoreSpec };
let store: AuditReader | undefined;

/** Opened on first use: a SQLite file exists only once the writer has made it. */
async function open(): Promise<AuditReader> {
  try {
    return (store ??= await openStore(spec, { readonly: true }));
  } catch (e) {
    throw new Error(`the audit store cannot be read yet: ${(e as Error).message}`);
  }
}

async function answer(m: ReaderRequest): Promise<unknown> {
  if (m.op === 'search') {
    const out = [];
    for await (const r of (await open()).records(m.filter)) {
      out.push(r);
      if (m.filter.limit && out.length >= m.filter.limit) break;
    }
    return out;
  }
  if (m.op === 'usage') {
    // One read serves both: the chart's range and the longest quota window.
    const quotaRecords: AuditRecord[] = [];
    const quotaSinceMs = m.quotaSinceMs;
    const since = new Date(Math.min(m.sinceMs, m.quotaSinceMs)).toISOString();
    // Newest first: a range cut short by maxRecords loses its oldest part, not the present.
    const records = (await open()).records({ since, limit: m.maxRecords, newestFirst: true });
    async function* keep(): AsyncIterable<AuditRecord> {
      for await (const r of records) {
        if (r.quota && Date.parse(r.time) >= quotaSinceMs) quotaRecords.push(r);
        yield r;
      }
    }
    const report = await usageReport(keep(), { sinceMs: m.sinceMs, nowMs: m.nowMs, by: m.by, truncatedAt: m.maxRecords });
    return { ...report, quotas: quotaUse(m.limits, quotaRecords, m.nowMs) };
  }
  await store?.close();
  store = undefined;
  return undefined;
}

port.on('message', (m: ReaderRequest) => {
  answer(m).then(
    (result) => port.postMessage({ id: m.id, result }),
    (e: Error) => port.postMessage({ id: m.id, error: e.message }),
  );
  if (m.op === 'close') port.close();
});
