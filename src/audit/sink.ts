// What the audit writer needs from a store, and what `warden audit` needs to
// read one back. Stores are append-only from Warden's side.
import type { ChainHead } from './chain.js';
import type { ChainedRecord, Checkpoint } from './record.js';
import type { StoredRecord } from './verify.js';

export interface AuditSink {
  /** `sqlite`, `postgres` or `jsonl`: a bounded metric label. */
  readonly kind: string;
  /**
   * Store records of one chain, in order, all or nothing. Idempotent per
   * (chain, seq), so that a replay after a crash stores each record once.
   * Rejects when the store is unavailable.
   */
  append(records: ChainedRecord[]): Promise<void>;
  /**
   * The same for records given as their spool lines (`["hash","prevHash",
   * canonical]`, each ending in a newline), for a store that makes its rows
   * from those (the SQLite thread). The writer then holds the spool's own
   * Buffers for it, outside the heap, and no record object, which the
   * garbage collector would otherwise copy and promote (see docs/audit.md,
   * How records are written).
   */
  /** `lines` is handed over: the caller does not touch it again (a sink on another thread moves it there). */
  appendLines?(lines: Buffer): Promise<void>;
  checkpoint(c: Checkpoint): Promise<void>;
  /**
   * The last record of `chain` the store holds, to continue the chain after
   * a restart; with the record itself, so that the writer can check it was
   * sealed with the key it has.
   */
  head(chain: string): Promise<StoredHead | undefined>;
  close(): Promise<void>;
}

export type StoredHead = ChainHead & { record?: ChainedRecord };

/** Filters for `warden audit query` and `export`. All optional; all must hold. */
export interface AuditFilter {
  /** One request's record (its `x-request-id`): why was it refused? */
  requestId?: string;
  /** ISO times, inclusive `since`, exclusive `until`. */
  since?: string;
  until?: string;
  /** Matches the principal, subject or source principal exactly. */
  principal?: string;
  model?: string;
  decision?: string;
  route?: string;
  /** inference, training, admin or other: `training` finds every training event. */
  operationClass?: string;
  /** Records with a guardrail finding of this type (`EMAIL`, `PROMPT_INJECTION`, …). */
  finding?: string;
  /** Records whose caller was in this group. */
  group?: string;
  limit?: number;
  /** Newest first (the console's searches), so that `limit` keeps the newest N; default oldest first. */
  newestFirst?: boolean;
}

const CHAIN_CONFLICT = 'AUDIT_CHAIN_CONFLICT';

/** A ChainConflictError, also as it comes back from the SQLite thread (an Error carrying its code). */
export function isChainConflict(e: unknown): boolean {
  return (e as { code?: unknown } | undefined)?.code === CHAIN_CONFLICT;
}

/**
 * A store refuses a batch because it already holds one of the batch's
 * (chain, seq) with a different record: another writer numbers the same
 * chain (two replicas given one `audit.chain`, or one that lost its spool
 * and numbered from 1 again while the store was down), so storing would
 * lose one of the two records. A batch that only repeats records the store holds (a
 * replay after a crash) is no conflict.
 */
export class ChainConflictError extends Error {
  readonly code = CHAIN_CONFLICT;
  constructor(readonly chain: string, readonly seq: number, requestId: string | undefined) {
    super(`chain ${chain} already holds seq ${seq} as a different record than request ${requestId ?? '?'}: two writers number chain ${chain} ` +
      '(replicas given the same audit.chain, or a replica that lost its spool and started the chain over while the store was down; see docs/audit.md, Several replicas). ' +
      'These records wait in the spool and are not stored');
  }
}

export interface AuditReader {
  /**
   * Records in storage order, filtered, as the store reads them: a log of any
   * length is never held whole (`warden audit verify` reads millions).
   */
  records(filter?: AuditFilter): AsyncIterable<StoredRecord>;
  checkpoints(): Promise<Checkpoint[]>;
  close(): Promise<void>;
}

export function matchesFilter(r: ChainedRecord, f: AuditFilter): boolean {
  if (f.requestId && r.requestId !== f.requestId) return false;
  if (f.since && r.time < f.since) return false;
  if (f.until && r.time >= f.until) return false;
  if (f.principal && r.principal !== f.principal && r.subject !== f.principal && r.sourcePrincipal !== f.principal) return false;
  if (f.model && r.model !== f.model) return false;
  if (f.decision && r.decision !== f.decision) return false;
  if (f.route && r.route !== f.route) return false;
  if (f.operationClass && r.operationClass !== f.operationClass) return false;
  if (f.finding && !r.findings?.some((x) => x.type === f.finding)) return false;
  if (f.group && !r.groups?.includes(f.group)) return false;
  return true;
}
