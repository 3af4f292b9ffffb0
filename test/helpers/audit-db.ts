// Reading the SQLite audit table a gateway writes (read-only), and waiting
// for a record to land: the writer batches off the request path.
import Database from 'better-sqlite3';

type Row = Record<string, unknown>;

/** Opens the audit database read-only (it must exist), runs `fn`, closes it. */
export function readAuditDb<T>(file: string, fn: (db: Database.Database) => T): T {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

/** The request ids of every stored record, in the order they were stored. */
export function auditRequestIds(file: string): string[] {
  return readAuditDb(file, (db) => (db.prepare('SELECT request_id FROM audit ORDER BY id').all() as { request_id: string }[]).map((r) => r.request_id));
}

export function auditRowCount(file: string): number {
  return readAuditDb(file, (db) => (db.prepare('SELECT count(*) AS n FROM audit').get() as { n: number }).n);
}

/** The record of `requestId`, or undefined. */
export function auditRow<T = Row>(file: string, requestId: string): T | undefined {
  return readAuditDb(file, (db) => db.prepare('SELECT * FROM audit WHERE request_id = ?').get(requestId) as T | undefined);
}

/** Polls for the record of `requestId` (`tries` × `intervalMs`); undefined if it never lands. */
export async function waitForAuditRow<T = Row>(file: string, requestId: string, o: { tries?: number; intervalMs?: number } = {}): Promise<T | undefined> {
  const tries = o.tries ?? 100;
  for (let i = 0; i < tries; i++) {
    const row = auditRow<T>(file, requestId);
    if (row) return row;
    await new Promise((r) => setTimeout(r, o.intervalMs ?? 20));
  }
  return undefined;
}
