// Record ⇄ SQL row, for the SQLite and PostgreSQL stores. Columns are the
// record's fields in snake_case, plus the chain's own: chain, seq, prev_hash, hash.
// `list` and `json` fields are stored as JSON text.
import { FIELDS, V1_FIELDS, type FieldKind } from './record.js';
import type { AuditFilter } from './sink.js';
import type { StoredRecord } from './verify.js';

export interface Column {
  field: string;
  column: string;
  kind: FieldKind;
}

export const COLUMNS: Column[] = [
  { field: 'chain', column: 'chain', kind: 'text' },
  { field: 'seq', column: 'seq', kind: 'int' },
  { field: 'prevHash', column: 'prev_hash', kind: 'text' },
  { field: 'hash', column: 'hash', kind: 'text' },
  ...FIELDS.map(([field, kind]) => ({ field, column: field.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`), kind })),
];

/** Columns of fields added after the first release: a table created before them gets them on startup (ALTER TABLE … ADD COLUMN). */
export const ADDED_COLUMNS: Column[] = COLUMNS.slice(4 + V1_FIELDS);

/** SQL type names per dialect. */
export function columnType(kind: FieldKind, dialect: 'sqlite' | 'postgres'): string {
  if (dialect === 'sqlite') return { text: 'TEXT', int: 'INTEGER', real: 'REAL', bool: 'INTEGER', list: 'TEXT', json: 'TEXT' }[kind];
  return { text: 'text', int: 'bigint', real: 'double precision', bool: 'boolean', list: 'text', json: 'text' }[kind];
}

const FIELD_NAMES = COLUMNS.map((c) => c.field);
const KINDS = COLUMNS.map((c) => c.kind);

/** One value per column, in COLUMNS order (a plain loop: this runs once per stored record). */
export function toRow(r: StoredRecord, dialect: 'sqlite' | 'postgres'): unknown[] {
  const rec = r as unknown as Record<string, unknown>;
  const row = new Array<unknown>(FIELD_NAMES.length);
  for (let i = 0; i < FIELD_NAMES.length; i++) row[i] = cell(rec[FIELD_NAMES[i]], KINDS[i], dialect);
  return row;
}

/**
 * The row of a record given as its canonical values (`canonical()`'s array:
 * chain, seq, then FIELDS in order) and its links: the same row `toRow` makes
 * of that record, without building the record object in between. A record
 * read back from its canonical text has its list fields defaulted to `[]`
 * (`fromCanonical`); absent ones are stored as `[]` here for the same row.
 */
export function canonicalRow(values: readonly unknown[], prevHash: string, hash: string, dialect: 'sqlite' | 'postgres'): unknown[] {
  const row = new Array<unknown>(FIELD_NAMES.length);
  row[0] = values[0];
  row[1] = values[1];
  row[2] = prevHash;
  row[3] = hash;
  for (let i = 4; i < FIELD_NAMES.length; i++) {
    const v = values[i - 2];
    row[i] = v == null && KINDS[i] === 'list' ? '[]' : cell(v, KINDS[i], dialect);
  }
  return row;
}

function cell(v: unknown, kind: FieldKind, dialect: 'sqlite' | 'postgres'): unknown {
  if (v === undefined || v === null) return null;
  if (kind === 'list' || kind === 'json') return JSON.stringify(v);
  if (kind === 'bool') return dialect === 'sqlite' ? (v ? 1 : 0) : v;
  return v;
}

export function fromRow(row: Record<string, unknown>): StoredRecord {
  const r: Record<string, unknown> = { storeId: row.id === undefined ? undefined : Number(row.id) };
  for (const { field, column, kind } of COLUMNS) {
    const v = row[column];
    if (v === null || v === undefined) continue;
    if (kind === 'list' || kind === 'json') r[field] = JSON.parse(String(v));
    else if (kind === 'bool') r[field] = v === true || v === 1;
    else if (kind === 'int' || kind === 'real') r[field] = Number(v); // pg hands bigint and double back as strings
    else r[field] = v;
  }
  r.groups ??= [];
  r.authMethods ??= [];
  r.auditMarks ??= [];
  return r as unknown as StoredRecord;
}

/** WHERE clause and parameters for a filter; `param(i)` renders the i-th placeholder. */
export function whereClause(f: AuditFilter, param: (i: number) => string): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  const add = (sql: (p: string) => string, v: unknown) => {
    params.push(v);
    parts.push(sql(param(params.length)));
  };
  if (f.requestId) add((p) => `request_id = ${p}`, f.requestId);
  if (f.since) add((p) => `time >= ${p}`, f.since);
  if (f.until) add((p) => `time < ${p}`, f.until);
  if (f.principal) {
    const ps = [0, 1, 2].map(() => (params.push(f.principal), param(params.length)));
    parts.push(`(principal = ${ps[0]} OR subject = ${ps[1]} OR source_principal = ${ps[2]})`);
  }
  if (f.model) add((p) => `model = ${p}`, f.model);
  if (f.decision) add((p) => `decision = ${p}`, f.decision);
  if (f.route) add((p) => `route = ${p}`, f.route);
  if (f.operationClass) add((p) => `operation_class = ${p}`, f.operationClass);
  // Matches the serialized `"type":"T"` inside the findings JSON (a quote inside a location would be escaped).
  if (f.finding) add((p) => `findings LIKE ${p} ESCAPE '\\'`, `%${likeEscape(JSON.stringify({ type: f.finding }).slice(1, -1))}%`);
  // One element of the groups list, as JSON text writes it: `"name"` between `[`/`,` and `,`/`]`.
  if (f.group) add((p) => `groups LIKE ${p} ESCAPE '\\'`, `%${likeEscape(JSON.stringify(f.group))}%`);
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
}

function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (m) => `\\${m}`);
}
