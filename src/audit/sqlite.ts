// SQLite audit sink: records are queued in memory and written in batches,
// one transaction per batch, off the request path (WAL, synchronous=NORMAL).
import Database from 'better-sqlite3';
import type { AuditRecord, AuditSink } from './record.js';

const BATCH = 200;
const FLUSH_MS = 50;

const COLUMNS = [
  'time', 'request_id', 'principal', 'groups', 'auth_methods', 'route', 'provider', 'project', 'location',
  'model', 'operation', 'operation_class', 'stream', 'decision', 'policy', 'reason', 'credential',
  'status', 'upstream_status', 'latency_ms', 'prompt_tokens', 'output_tokens', 'total_tokens',
] as const;

export class SqliteAuditSink implements AuditSink {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement;
  private readonly insertMany: (rows: AuditRecord[]) => void;
  private queue: AuditRecord[] = [];
  private timer?: NodeJS.Timeout;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS audit (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      time TEXT NOT NULL, request_id TEXT NOT NULL, principal TEXT, groups TEXT, auth_methods TEXT,
      route TEXT, provider TEXT, project TEXT, location TEXT, model TEXT, operation TEXT, operation_class TEXT,
      stream INTEGER NOT NULL, decision TEXT NOT NULL, policy TEXT, reason TEXT, credential TEXT,
      status INTEGER NOT NULL, upstream_status INTEGER, latency_ms REAL NOT NULL,
      prompt_tokens INTEGER, output_tokens INTEGER, total_tokens INTEGER)`);
    this.insert = this.db.prepare(
      `INSERT INTO audit (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((c) => `@${c}`).join(', ')})`,
    );
    this.insertMany = this.db.transaction((rows: AuditRecord[]) => {
      for (const r of rows) this.insert.run(toRow(r));
    });
  }

  write(record: AuditRecord): void {
    this.queue.push(record);
    if (this.queue.length >= BATCH) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  async close(): Promise<void> {
    this.flush();
    this.db.close();
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.queue.length) return;
    const rows = this.queue;
    this.queue = [];
    this.insertMany(rows);
  }
}

function toRow(r: AuditRecord): Record<(typeof COLUMNS)[number], unknown> {
  return {
    time: r.time, request_id: r.requestId, principal: r.principal ?? null, groups: JSON.stringify(r.groups),
    auth_methods: r.authMethods.join(','), route: r.route ?? null, provider: r.provider ?? null,
    project: r.project ?? null, location: r.location ?? null, model: r.model ?? null, operation: r.operation ?? null,
    operation_class: r.operationClass ?? null, stream: r.stream ? 1 : 0, decision: r.decision, policy: r.policy ?? null,
    reason: r.reason, credential: r.credential ?? null, status: r.status, upstream_status: r.upstreamStatus ?? null,
    latency_ms: r.latencyMs, prompt_tokens: r.promptTokens ?? null, output_tokens: r.outputTokens ?? null,
    total_tokens: r.totalTokens ?? null,
  };
}
