// Shared by the audit tests: records to write, a real PostgreSQL server on a
// free loopback port, and waiting for the writer to drain.
import '../helpers/source.js';
import { execFile, spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chownSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { promisify } from 'node:util';
import { Chain } from '../../src/audit/chain.js';
import type { AuditRecord } from '../../src/audit/record.js';
import { SqliteAuditStore } from '../../src/audit/sqlite.js';
import type { AuditWriter } from '../../src/audit/writer.js';
import { devIssuerAuthentication } from '../../src/cli/demo.js';
import type { Logger } from '../../src/telemetry/log.js';
import { memoryLogger as keptLines } from '../helpers/logs.js';
import { freePort, stopProcess, until, waitForOutput } from '../helpers/process.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';

export function sampleRecord(i: number, over: Partial<AuditRecord> = {}): AuditRecord {
  return {
    time: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
    requestId: `req-${i}`,
    principal: `https://issuer.example/${i % 2 ? 'alice' : 'bob'}`,
    subject: i % 2 ? 'alice' : 'bob',
    issuer: 'https://issuer.example',
    groups: ['ml-engineers'],
    authMethods: ['jwt'],
    route: 'vertex',
    provider: 'vertex',
    model: i % 3 ? 'gemini-2.0-flash' : 'gemini-2.5-pro',
    operation: 'generateContent',
    operationClass: 'inference',
    stream: false,
    decision: i % 5 ? 'allow' : 'deny',
    auditMarks: [],
    reason: '',
    status: i % 5 ? 200 : 403,
    latencyMs: 1.25 + i / 1000,
    promptTokens: 10,
    outputTokens: 20,
    totalTokens: 30,
    requestSha256: 'ab'.repeat(32),
    ...over,
  };
}

/** A logger that keeps its lines for assertions (debug level). */
export function memoryLogger(): { log: Logger; lines: Record<string, unknown>[] } {
  return keptLines('debug');
}

export const drained = (w: AuditWriter) => until(() => w.status().pending === 0, 'the audit writer to drain');

const PG_BIN = '/usr/lib/postgresql/15/bin';

/** A throwaway PostgreSQL 15, run as the postgres user (see FIELD-NOTES.md). */
export class Postgres {
  private proc?: ChildProcess;
  private constructor(readonly dir: string, readonly port: number, private readonly ids: { uid: number; gid: number }) {}

  /** With `password`, connections over TCP must give it (SCRAM-SHA-256); without, anyone is trusted. */
  static async create(o: { password?: string } = {}): Promise<Postgres> {
    const ids = { uid: Number(execFileSync('id', ['-u', 'postgres']).toString()), gid: Number(execFileSync('id', ['-g', 'postgres']).toString()) };
    const dir = makeTempDir('warden-pg-');
    chownSync(dir, ids.uid, ids.gid);
    const auth = ['--auth=trust'];
    if (o.password !== undefined) {
      const pwfile = join(dir, 'pwfile');
      writeFileSync(pwfile, `${o.password}\n`);
      chownSync(pwfile, ids.uid, ids.gid);
      auth.push('--auth-host=scram-sha-256', `--pwfile=${pwfile}`);
    }
    execFileSync(`${PG_BIN}/initdb`, ['-D', join(dir, 'data'), '-U', 'postgres', ...auth, '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync'], { ...ids, stdio: 'ignore' });
    const pg = new Postgres(dir, await freePort(), ids);
    await pg.start();
    return pg;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  start(): Promise<void> {
    const proc = spawn(`${PG_BIN}/postgres`, ['-D', join(this.dir, 'data'), '-p', String(this.port), '-h', '127.0.0.1', '-k', this.dir, '-c', 'fsync=off'], {
      ...this.ids,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.proc = proc;
    return waitForOutput(proc, proc.stderr!, /ready to accept connections/, { what: 'postgres' }).then(() => undefined);
  }

  /** Fast shutdown: open connections are cut, as in an outage. */
  stop(): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    return proc ? stopProcess(proc, 'SIGINT') : Promise.resolve();
  }

  async destroy(): Promise<void> {
    await this.stop();
    removeDir(this.dir);
  }
}

/** The demo's routes and policies with the given `spec.audit` (and optional `spec.telemetry`), as YAML flow mappings. */
export function gatewayConfig(o: { emulatorUrl: string; issuer: string; audit: string; telemetry?: string; storePrompts?: boolean }): string {
  return `apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: audit-test}
spec:
  listen: {host: 127.0.0.1, port: 0}
  admin: {host: 127.0.0.1, port: 0}
  routes:
    - name: vertex
      provider: vertex
      upstream: ${o.emulatorUrl}
      credential: vertex-sa
      storePrompts: ${o.storePrompts ?? false}
  credentials:
    - name: vertex-sa
      google: {file: ./credentials/service-account.json}
  audit: ${o.audit}
${o.telemetry ? `  telemetry: ${o.telemetry}\n` : ''}---
${devIssuerAuthentication(o.issuer, 'warden')}---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ml-engineers}
spec:
  action: ALLOW
  rules:
    - when:
        - key: request.auth.claims[groups]
          values: [ml-engineers]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: watch-pro}
spec:
  action: AUDIT
  rules:
    - when:
        - key: request.model
          values: [gemini-2.5-pro]
`;
}

export const MODEL_PATH = '/v1/projects/emulator-project/locations/us-central1/publishers/google/models';
export const PROMPT = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Hello, Warden' }] }] });

/** Runs `warden …` in this process, capturing what it prints. */
export async function runCli(args: string[]): Promise<{ code: number; out: string }> {
  const { main } = await import('../../src/cli/main.js');
  let out = '';
  const log = console.log;
  const error = console.error;
  const write = process.stdout.write;
  console.log = (...a: unknown[]) => void (out += a.join(' ') + '\n');
  console.error = () => {};
  // The test runner reports to this process's stdout too (serialized, as bytes) whenever main() awaits:
  // bytes go on to it; the CLI writes text.
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) =>
    typeof chunk === 'string' ? ((out += chunk), true) : (write as (...a: unknown[]) => boolean).call(process.stdout, chunk, ...rest)) as typeof process.stdout.write;
  try {
    return { code: await main(args), out };
  } finally {
    console.log = log;
    console.error = error;
    process.stdout.write = write;
  }
}

/** What a store's `records` streams, as one array (the logs in these tests are small). */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of items) out.push(x);
  return out;
}

/** `warden audit …` as its own process (`nodeArgs` for node itself, e.g. a heap cap; `env` over this process's): exit code, stdout, stderr. */
export async function runAuditCli(args: string[], nodeArgs: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  const warden = join(import.meta.dirname, '../../bin/warden.js');
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [...nodeArgs, warden, 'audit', ...args], { maxBuffer: 1 << 20, env: { ...process.env, ...env } });
    return { code: 0, out: stdout, err: stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: x.code ?? -1, out: x.stdout ?? '', err: x.stderr ?? '' };
  }
}

/**
 * For the enclosing suite: a temp dir holding an SQLite log of `n` records
 * (chain replica-a, optionally with a checkpoint at its end) and its HMAC key
 * file, made before the suite's tests and removed after them.
 */
export function sqliteLogFixture(prefix: string, key: Buffer, n: number, o: { checkpoint?: boolean } = {}): { dir: string; db: string; keyFile: string } {
  const f = { dir: '', db: '', keyFile: '' };
  before(async () => {
    f.dir = makeTempDir(prefix);
    f.db = join(f.dir, 'audit.db');
    f.keyFile = join(f.dir, 'audit.key');
    writeFileSync(f.keyFile, key);
    const chain = new Chain('replica-a', key);
    const store = new SqliteAuditStore(f.db);
    for (let i = 0; i < n; i += 1000) {
      await store.append(Array.from({ length: Math.min(1000, n - i) }, (_, j) => chain.link(sampleRecord(i + j + 1))));
    }
    if (o.checkpoint) await store.checkpoint(chain.checkpoint(chain.position));
    await store.close();
  });
  after(() => removeDir(f.dir));
  return f;
}
