// SQLite store, the embedded default: WAL, synchronous=NORMAL, one
// transaction per batch. The gateway's writer reaches it on a thread of its
// own (sqlite-sink.ts); `warden audit` reads it directly.
import Database from 'better-sqlite3';
import { ADDED_COLUMNS, COLUMNS, columnType, fromRow, toRow, whereClause } from './columns.js';
import type { ChainedRecord, Checkpoint } from './record.js';
import { spoolLineRow } from './spool.js';
import { ChainConflictError, type AuditFilter, type AuditReader, type AuditSink, type StoredHead } from './sink.js';
import type { StoredRecord } from './verify.js';

const ROWS_PER_INSERT = 10;

export class SqliteAuditStore implements AuditSink, AuditReader {
  readonly kind = 'sqlite';
  private readonly db: Database.Database;
  /** Rows in COLUMNS order, in one transaction. */
  private readonly insertRows?: (rows: unknown[][]) => void;

  constructor(file: string, opts: { readonly?: boolean } = {}) {
    this.db = new Database(file, { readonly: !!opts.readonly, fileMustExist: !!opts.readonly });
    // Read-only (`warden audit`), a database from before the later columns is read as it is.
    if (opts.readonly) return;
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.migrate();
    const cols = COLUMNS.map((c) => c.column);
    const values = `(${cols.map(() => '?').join(', ')})`;
    // OR IGNORE: a record replayed after a crash is stored once (row by row, also in a multi-row INSERT).
    const insert = this.db.prepare(`INSERT OR IGNORE INTO audit (${cols.join(', ')}) VALUES ${values}`);
    // ROWS_PER_INSERT rows per statement: ~1 µs less per row than one statement each (fewer
    // statement steps and native calls); rows keep their order, and so their ids.
    const insertGroup = this.db.prepare(`INSERT OR IGNORE INTO audit (${cols.join(', ')}) VALUES ${Array(ROWS_PER_INSERT).fill(values).join(', ')}`);
    const width = cols.length;
    const storedHash = this.db.prepare('SELECT hash FROM audit WHERE chain = ? AND seq = ?').pluck();
    const [chain, seq, hash, requestId] = ['chain', 'seq', 'hash', 'requestId'].map((f) => COLUMNS.findIndex((c) => c.field === f));
    this.insertRows = this.db.transaction((rows: unknown[][]) => {
      let i = 0;
      let added = 0;
      if (rows.length >= ROWS_PER_INSERT) {
        const params = new Array<unknown>(width * ROWS_PER_INSERT);
        for (; i + ROWS_PER_INSERT <= rows.length; i += ROWS_PER_INSERT) {
          for (let j = 0; j < ROWS_PER_INSERT; j++) {
            const row = rows[i + j];
            for (let k = 0; k < width; k++) params[j * width + k] = row[k];
          }
          added += insertGroup.run(params).changes;
        }
      }
      for (; i < rows.length; i++) added += insert.run(rows[i]).changes;
      // A row ignored must be this very record, replayed; another writer's record there is a clash (the transaction is undone).
      if (added < rows.length) {
        const clash = rows.find((r) => storedHash.get(r[chain], r[seq]) !== r[hash]);
        if (clash) throw new ChainConflictError(clash[chain] as string, Number(clash[seq]), clash[requestId] as string);
      }
    });
  }

  private migrate(): void {
    const existing = this.db.prepare(`SELECT name FROM pragma_table_info('audit')`).all() as { name: string }[];
    if (existing.length && !existing.some((c) => c.name === 'hash')) {
      // A log from before the hash chain: kept aside, never mixed into a chain.
      this.db.exec(`ALTER TABLE audit RENAME TO audit_unchained_${Date.now()}`);
    }
    this.db.exec(`CREATE TABLE IF NOT EXISTS audit (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      ${COLUMNS.map((c) => `${c.column} ${columnType(c.kind, 'sqlite')}`).join(',\n      ')},
      UNIQUE (chain, seq))`);
    // A table from before the later fields gets their columns; its records keep verifying (see V1_FIELDS).
    const have = new Set((this.db.prepare(`SELECT name FROM pragma_table_info('audit')`).all() as { name: string }[]).map((c) => c.name));
    for (const c of ADDED_COLUMNS) {
      if (!have.has(c.column)) this.db.exec(`ALTER TABLE audit ADD COLUMN ${c.column} ${columnType(c.kind, 'sqlite')}`);
    }
    this.db.exec(`CREATE INDEX IF NOT EXISTS audit_time ON audit (time)`);
    // `warden audit query --request-id`: one record out of millions without a scan.
    this.db.exec(`CREATE INDEX IF NOT EXISTS audit_request_id ON audit (request_id)`);
    this.db.exec(`CREATE TABLE IF NOT EXISTS audit_checkpoints (
      chain TEXT NOT NULL, seq INTEGER NOT NULL, hash TEXT NOT NULL, time TEXT NOT NULL, signature TEXT NOT NULL,
      PRIMARY KEY (chain, seq))`);
  }

  async append(records: ChainedRecord[]): Promise<void> {
    this.writable(records.map((r) => toRow(r, 'sqlite')));
  }

  /** The same as `append` for records given as their spool lines (the gateway's audit thread gets these; a Buffer arrives there as a Uint8Array). */
  async appendLines(lines: Uint8Array): Promise<void> {
    const rows: unknown[][] = [];
    const buf = Buffer.from(lines.buffer, lines.byteOffset, lines.byteLength);
    for (let start = 0, nl = buf.indexOf(0x0a); nl >= 0; start = nl + 1, nl = buf.indexOf(0x0a, start)) {
      rows.push(spoolLineRow(buf.toString('utf8', start, nl), 'sqlite'));
    }
    this.writable(rows);
  }

  private writable(rows: unknown[][]): void {
    if (!this.insertRows) throw new Error('the audit store was opened read-only');
    this.insertRows(rows);
  }

  async checkpoint(c: Checkpoint): Promise<void> {
    this.db.prepare(`INSERT OR IGNORE INTO audit_checkpoints (chain, seq, hash, time, signature) VALUES (?, ?, ?, ?, ?)`)
      .run(c.chain, c.seq, c.hash, c.time, c.signature);
  }

  async head(chain: string): Promise<StoredHead | undefined> {
    const row = this.db.prepare(`SELECT * FROM audit WHERE chain = ? ORDER BY seq DESC LIMIT 1`).get(chain) as Record<string, unknown> | undefined;
    if (!row) return undefined;
    const { storeId: _, ...record } = fromRow(row);
    return { seq: record.seq, hash: record.hash, record };
  }

  async *records(filter: AuditFilter = {}): AsyncIterable<StoredRecord> {
    // Read-only on a log from before findings were recorded: none has one.
    if (filter.finding && !this.hasColumn('findings')) return;
    const where = whereClause(filter, () => '?');
    const limit = filter.limit ? ` LIMIT ${Math.trunc(filter.limit)}` : '';
    // Row by row from SQLite's cursor (a caller that stops early closes it).
    for (const row of this.db.prepare(`SELECT * FROM audit ${where.sql} ORDER BY id${filter.newestFirst ? ' DESC' : ''}${limit}`).iterate(...where.params)) {
      yield fromRow(row as Record<string, unknown>);
    }
  }

  private hasColumn(name: string): boolean {
    return this.db.prepare(`SELECT 1 FROM pragma_table_info('audit') WHERE name = ?`).get(name) !== undefined;
  }

  async checkpoints(): Promise<Checkpoint[]> {
    return this.db.prepare(`SELECT chain, seq, hash, time, signature FROM audit_checkpoints ORDER BY chain, seq`).all() as Checkpoint[];
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
