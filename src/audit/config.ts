// spec.audit → a plan (paths resolved, key checked) at load, so that
// `warden config check` reports problems; → a running writer at start; → a
// reader for `warden audit`.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import type { Reporter } from '../config/load.js';
import { durationMs, type AuditSpec } from '../config/schema.js';
import type { Logger } from '../telemetry/log.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { AuditReader, AuditSink } from './sink.js';
import { SqliteThreadSink } from './sqlite-sink.js';
import { AuditWriter } from './writer.js';

const MIN_KEY_BYTES = 32;

/** Why a key is too short to trust, if it is: `warden config check` and `warden audit verify --key` refuse the same keys. */
export function shortKey(file: string, key: Buffer): string | undefined {
  return key.length < MIN_KEY_BYTES ? `the HMAC key in ${file} is shorter than ${MIN_KEY_BYTES} bytes` : undefined;
}

export type StoreSpec =
  | { kind: 'sqlite'; file: string }
  | { kind: 'postgres'; url: string; passwordFile?: string; table: string }
  | { kind: 'jsonl'; file: string };

export interface AuditPlan {
  store: StoreSpec;
  keyFile: string;
  /** Keys the log was written with before keyFile (audit.previousKeyFiles). */
  previousKeyFiles: string[];
  /** No key file was configured: one is generated in the spool on first start. */
  generatedKey: boolean;
  chain: string;
  spoolDir: string;
  spoolMaxBytes: number;
  failOpen: boolean;
  checkpointMs: number;
}

/** Undefined when no store is configured (no audit). */
export function planAudit(spec: AuditSpec, resolvePath: (p: string) => string, report: Reporter): AuditPlan | undefined {
  const store: StoreSpec | undefined = spec.sqlite
    ? { kind: 'sqlite', file: resolvePath(spec.sqlite) }
    : spec.postgres
      ? { kind: 'postgres', url: spec.postgres.url, passwordFile: spec.postgres.passwordFile && resolvePath(spec.postgres.passwordFile), table: spec.postgres.table }
      : spec.jsonl
        ? { kind: 'jsonl', file: spec.jsonl === '-' ? '-' : resolvePath(spec.jsonl) }
        : undefined;
  if (!store) return undefined;
  const spoolDir = resolvePath(spec.spool.dir ?? (store.kind === 'sqlite' ? `${store.file}.spool` : 'warden-audit.spool'));
  if (store.kind === 'postgres' && !spec.hmacKeyFile) {
    report(['audit', 'hmacKeyFile'], 'a PostgreSQL audit store needs hmacKeyFile',
      'replicas sharing one database need one key that `warden audit verify` can check every chain with: mount the same secret file on each');
  }
  if (store.kind === 'postgres' && store.passwordFile) checkReadable(store.passwordFile, ['audit', 'postgres', 'passwordFile'], report);
  if (spec.hmacKeyFile) checkKeyFile(resolvePath(spec.hmacKeyFile), ['audit', 'hmacKeyFile'], report);
  spec.previousKeyFiles.forEach((f, i) => checkKeyFile(resolvePath(f), ['audit', 'previousKeyFiles', i], report));
  return {
    store,
    keyFile: spec.hmacKeyFile ? resolvePath(spec.hmacKeyFile) : join(spoolDir, 'hmac.key'),
    previousKeyFiles: spec.previousKeyFiles.map(resolvePath),
    generatedKey: !spec.hmacKeyFile,
    chain: spec.chain ?? hostname(),
    spoolDir,
    spoolMaxBytes: spec.spool.maxBytes,
    failOpen: spec.failOpen,
    checkpointMs: durationMs(spec.checkpointInterval),
  };
}

function checkKeyFile(file: string, path: (string | number)[], report: Reporter): void {
  try {
    const short = shortKey(file, readKeyFile(file));
    if (short) report(path, short, 'e.g. `openssl rand -hex 32 > FILE`');
  } catch (e) {
    report(path, `cannot read the HMAC key file: ${(e as Error).message}`, 'a secret file with at least 32 bytes, e.g. `openssl rand -hex 32 > FILE`');
  }
}

/** Each store's module (and its driver: better-sqlite3, pg) is loaded when a store of its kind is opened. */
export async function openStore(store: StoreSpec, opts: { readonly?: boolean } = {}): Promise<AuditSink & AuditReader> {
  switch (store.kind) {
    case 'sqlite': {
      if (!opts.readonly) mkdirSync(dirname(store.file), { recursive: true });
      const { SqliteAuditStore } = await import('./sqlite.js');
      return new SqliteAuditStore(store.file, opts);
    }
    case 'postgres': {
      const { PostgresAuditStore } = await import('./postgres.js');
      return new PostgresAuditStore({
        url: store.url,
        table: store.table,
        password: store.passwordFile ? readFileSync(store.passwordFile, 'utf8').trim() : undefined,
      });
    }
    case 'jsonl': {
      const { JsonlAuditStore } = await import('./jsonl.js');
      return new JsonlAuditStore(store.file);
    }
  }
}

/** The chain's key; a missing generated key is created (0600) on first use. */
export function loadKey(plan: AuditPlan, opts: { create: boolean }): Buffer {
  if (plan.generatedKey && opts.create && !existsSync(plan.keyFile)) {
    mkdirSync(dirname(plan.keyFile), { recursive: true, mode: 0o700 });
    writeFileSync(plan.keyFile, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  }
  return readKeyFile(plan.keyFile);
}

/** The writer's store: SQLite on its own thread, the others as they are (their I/O does not block). */
async function openSink(store: StoreSpec): Promise<AuditSink> {
  if (store.kind !== 'sqlite') return openStore(store);
  mkdirSync(dirname(store.file), { recursive: true });
  return new SqliteThreadSink(store.file);
}

export async function openAuditWriter(plan: AuditPlan, log: Logger, metrics: Metrics): Promise<AuditWriter> {
  const key = loadKey(plan, { create: true });
  if (plan.generatedKey) {
    log.warn({ keyFile: plan.keyFile }, 'audit.hmacKeyFile is not set: the hash chain uses a key generated next to the spool; keep a copy elsewhere for tamper evidence');
  }
  return AuditWriter.open({
    sink: await openSink(plan.store),
    key,
    previousKeys: plan.previousKeyFiles.map(readKeyFile),
    chain: plan.chain,
    spoolDir: join(plan.spoolDir, plan.chain),
    spoolMaxBytes: plan.spoolMaxBytes,
    failOpen: plan.failOpen,
    checkpointMs: plan.checkpointMs,
    log,
    metrics,
  });
}

/** The key file's bytes, without a trailing newline. */
export function readKeyFile(file: string): Buffer {
  const raw = readFileSync(file);
  let end = raw.length;
  while (end > 0 && (raw[end - 1] === 0x0a || raw[end - 1] === 0x0d || raw[end - 1] === 0x20)) end--;
  return raw.subarray(0, end);
}

function checkReadable(file: string, path: (string | number)[], report: Reporter): void {
  try {
    readFileSync(file);
  } catch (e) {
    report(path, `cannot read ${file}: ${(e as Error).message}`);
  }
}
