// PostgreSQL store, for several replicas sharing one audit database: each
// replica writes its own chain; (chain, seq) is unique so that a batch
// replayed after an outage or a crash is stored once.
import pg from 'pg';
import { ADDED_COLUMNS, COLUMNS, columnType, fromRow, toRow, whereClause } from './columns.js';
import type { ChainedRecord, Checkpoint } from './record.js';
import { ChainConflictError, type AuditFilter, type AuditReader, type AuditSink, type StoredHead } from './sink.js';
import type { StoredRecord } from './verify.js';

export interface PostgresOptions {
  /** `postgres://user@host:port/db`; a password in it is never logged. */
  url: string;
  password?: string;
  table?: string;
  /** Rows per query when reading back (`warden audit`). */
  pageRows?: number;
}

/**
 * The URL with the password in it. pg lets what it parses from the URL win
 * over the options given beside it, and parses a URL without a password as
 * the password '', so a `password` option next to one is ignored. It goes in
 * as the `password` parameter, which pg reads first (also from a URL that
 * names no host, for a Unix socket, where a user-info password cannot go).
 */
function withPassword(url: string, password: string | undefined): string {
  if (password === undefined) return url;
  const end = url.includes('#') ? url.indexOf('#') : url.length;
  const base = url.slice(0, end);
  return `${base}${base.includes('?') ? '&' : '?'}password=${encodeURIComponent(password)}${url.slice(end)}`;
}

/**
 * pg's client, except that a failed connection attempt closes its socket.
 * After a failure of pg's own making (the server asks for a SCRAM password
 * and none was given) pg leaves the socket open, and the pool forgets the
 * client: the server holds it until its authentication_timeout (60 s), and
 * so does the process, which cannot exit that long after SIGTERM.
 */
class Client extends pg.Client {
  override connect(): Promise<pg.Client>;
  override connect(callback: (err: Error | null, client?: pg.Client) => void): void;
  override connect(callback?: (err: Error | null, client?: pg.Client) => void): Promise<pg.Client> | void {
    if (!callback) return super.connect();
    super.connect((err: Error | null) => {
      if (err) this.connection.stream.destroy();
      callback(err, this);
    });
  }
}

export class PostgresAuditStore implements AuditSink, AuditReader {
  readonly kind = 'postgres';
  private readonly pool: pg.Pool;
  private readonly table: string;
  private readonly pageRows: number;
  private ready?: Promise<void>;

  constructor(opts: PostgresOptions) {
    this.table = opts.table ?? 'warden_audit';
    this.pageRows = opts.pageRows ?? 5000;
    this.pool = new pg.Pool({ connectionString: withPassword(opts.url, opts.password), Client, max: 2, connectionTimeoutMillis: 5000 });
    // An outage surfaces as a failed append; an idle client's error must not crash the process.
    this.pool.on('error', () => {});
  }

  /** Creates the tables on first use, and again after a failure (the database may have been down). */
  private schema(): Promise<void> {
    this.ready ??= this.createSchema().then(
      () => undefined,
      (e: unknown) => {
        this.ready = undefined;
        throw e;
      },
    );
    return this.ready;
  }

  private async createSchema(): Promise<void> {
    await this.transaction(async (client) => {
      // Replicas starting together on an empty database would race: CREATE … IF NOT EXISTS is
      // not atomic against itself, and the loser fails on a catalog index (`duplicate key value
      // violates unique constraint "pg_type_typname_nsp_index"`). They take turns under a lock
      // named for the table, which goes with the transaction.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`warden audit schema ${this.table}`]);
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${this.table} (
          id bigserial PRIMARY KEY,
          ${COLUMNS.map((c) => `${c.column} ${columnType(c.kind, 'postgres')}`).join(',\n          ')},
          UNIQUE (chain, seq));
        CREATE INDEX IF NOT EXISTS ${this.table}_time ON ${this.table} (time);
        CREATE INDEX IF NOT EXISTS ${this.table}_request_id ON ${this.table} (request_id);
        CREATE TABLE IF NOT EXISTS ${this.table}_checkpoints (
          chain text NOT NULL, seq bigint NOT NULL, hash text NOT NULL, time text NOT NULL, signature text NOT NULL,
          PRIMARY KEY (chain, seq));`,
      );
      // A table from before the later fields gets their columns; its records keep verifying (see V1_FIELDS).
      // Looked up first, so that an up-to-date table takes no ALTER TABLE lock at every start.
      const { rows } = await client.query(
        `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1`,
        [this.table],
      );
      const have = new Set(rows.map((r: { column_name: string }) => r.column_name));
      const missing = ADDED_COLUMNS.filter((c) => !have.has(c.column));
      if (missing.length) {
        await client.query(
          missing.map((c) => `ALTER TABLE ${this.table} ADD COLUMN IF NOT EXISTS ${c.column} ${columnType(c.kind, 'postgres')};`).join('\n'),
        );
      }
    });
  }

  /**
   * Runs `work` in a transaction on a client of its own. While checked out, a
   * client has none of the pool's listeners: the server going away meanwhile
   * (a restart's fast shutdown, `57P01 terminating connection due to
   * administrator command`) would be an unhandled 'error' event, which ends
   * the process. Here it fails the transaction instead, the client is
   * dropped, and the caller's batch stays in the spool for the writer's retry.
   */
  private async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    const lost = (e: Error) => (broken ??= e);
    client.on('error', lost);
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (e) {
      // One that cannot roll back (its connection is gone) does not go back to the pool either.
      await client.query('ROLLBACK').catch(lost);
      throw e;
    } finally {
      client.off('error', lost);
      client.release(broken);
    }
  }

  async append(records: ChainedRecord[]): Promise<void> {
    if (!records.length) return;
    await this.schema();
    const n = COLUMNS.length;
    const params: unknown[] = [];
    const values = records.map((r, i) => {
      params.push(...toRow(r, 'postgres'));
      return `(${COLUMNS.map((_, j) => `$${i * n + j + 1}`).join(', ')})`;
    });
    // One transaction: a batch that clashes with another writer's records is stored not at all.
    await this.transaction(async (client) => {
      const { rows } = await client.query(
        `INSERT INTO ${this.table} (${COLUMNS.map((c) => c.column).join(', ')}) VALUES ${values.join(', ')} ON CONFLICT (chain, seq) DO NOTHING RETURNING seq`,
        params,
      );
      if (rows.length < records.length) await this.replayedOnly(client, records, rows.map((r: { seq: string }) => Number(r.seq)));
    });
  }

  /**
   * The records the store already held (not inserted) must be these very
   * records, replayed after a crash; one with another hash at the same
   * (chain, seq) was written by another writer of the chain.
   */
  private async replayedOnly(client: pg.PoolClient, records: ChainedRecord[], inserted: number[]): Promise<void> {
    const done = new Set(inserted);
    const held = records.filter((r) => !done.has(r.seq));
    const { rows } = await client.query(`SELECT seq, hash FROM ${this.table} WHERE chain = $1 AND seq = ANY($2::bigint[])`,
      [held[0].chain, held.map((r) => r.seq)]);
    const stored = new Map(rows.map((r: { seq: string; hash: string }) => [Number(r.seq), r.hash]));
    const clash = held.find((r) => stored.get(r.seq) !== r.hash);
    if (clash) throw new ChainConflictError(clash.chain, clash.seq, clash.requestId);
  }

  async checkpoint(c: Checkpoint): Promise<void> {
    await this.schema();
    await this.pool.query(
      `INSERT INTO ${this.table}_checkpoints (chain, seq, hash, time, signature) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
      [c.chain, c.seq, c.hash, c.time, c.signature],
    );
  }

  async head(chain: string): Promise<StoredHead | undefined> {
    await this.schema();
    const { rows } = await this.pool.query(`SELECT * FROM ${this.table} WHERE chain = $1 ORDER BY seq DESC LIMIT 1`, [chain]);
    if (!rows[0]) return undefined;
    const { storeId: _, ...record } = fromRow(rows[0]);
    return { seq: record.seq, hash: record.hash, record };
  }

  async *records(filter: AuditFilter = {}): AsyncIterable<StoredRecord> {
    const where = whereClause(filter, (i) => `$${i}`);
    const after = `$${where.params.length + 1}`;
    const desc = !!filter.newestFirst;
    const sql = `SELECT * FROM ${this.table} ${where.sql ? `${where.sql} AND` : 'WHERE'} id ${desc ? '<' : '>'} ${after} ORDER BY id${desc ? ' DESC' : ''} LIMIT `;
    // Page by page after the last id seen (the primary key's index): each page is one short query.
    let left = filter.limit ? Math.trunc(filter.limit) : Infinity;
    // From bigint's least value (greatest, newest first): a row put in by hand below id 1 is read (and judged) too.
    let last: unknown = desc ? '9223372036854775807' : '-9223372036854775808';
    while (left > 0) {
      const page = Math.min(this.pageRows, left);
      let rows: Record<string, unknown>[];
      try {
        ({ rows } = await this.pool.query(sql + page, [...where.params, last]));
      } catch (e) {
        // undefined_column: a table from before findings were recorded (read without migrating) has none.
        if (filter.finding && (e as { code?: string }).code === '42703') return;
        throw e;
      }
      for (const row of rows) yield fromRow(row);
      if (rows.length < page) return;
      last = rows.at(-1)!.id;
      left -= rows.length;
    }
  }

  async checkpoints(): Promise<Checkpoint[]> {
    const { rows } = await this.pool.query(`SELECT chain, seq, hash, time, signature FROM ${this.table}_checkpoints ORDER BY chain, seq`);
    return rows.map((r) => ({ ...r, seq: Number(r.seq) }) as Checkpoint);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
