// PostgreSQL restarted under the replicas' feet, as an operator's upgrade or a
// failover does: three `warden start` processes, one chain each, keep serving
// while the database is cut off by fast shutdown (SIGINT: `57P01 terminating
// connection due to administrator command`) in the middle of their batches,
// three times over. No replica exits, every request answered 200 has its
// record once, and the log verifies. Also: replicas starting together on an
// empty database create its tables once, without failing on each other.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { PostgresAuditStore } from '../../src/audit/postgres.js';
import { verify } from '../../src/audit/verify.js';
import { AuditWriter } from '../../src/audit/writer.js';
import type { Emulator } from '../../src/emulator/index.js';
import { startEmulatorWithCredentials } from '../helpers/gateway.js';
import { stopProcess, until, waitForOutput } from '../helpers/process.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { collect, gatewayConfig, memoryLogger, MODEL_PATH, Postgres, PROMPT, runAuditCli, sampleRecord } from './helpers.js';

const KEY = 'pg-restart-test-key-'.repeat(4);
const REPLICAS = 3;
const RESTARTS = 3;

interface Replica {
  name: string;
  proc: ChildProcess;
  url: string;
  /** What it printed (its JSON log on stdout, a crash's stack on stderr). */
  out: () => string;
}

/** `warden start` as its own process, with what it prints kept for the assertions' messages. */
async function startReplica(dir: string, name: string): Promise<Replica> {
  const proc = spawn(process.execPath, ['bin/warden.js', 'start', '-c', join(dir, `${name}.yaml`)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stderr!.on('data', (d: Buffer) => void (out += d));
  const m = await waitForOutput(proc, proc.stdout!, /"url":"(http:\/\/[^"]+)"/, { what: name });
  proc.stdout!.on('data', (d: Buffer) => void (out += d));
  return { name, proc, url: m[1]!, out: () => out };
}

const alive = (r: Replica) => r.proc.exitCode === null && r.proc.signalCode === null;

/** Throws, with what it printed last, as soon as a replica has exited: no waiting for traffic it will never serve. */
function allAlive(replicas: Replica[]): true {
  const dead = replicas.find((r) => !alive(r));
  if (dead) assert.fail(`${dead.name} exited (${dead.proc.exitCode ?? dead.proc.signalCode}): ${dead.out().slice(-1500)}`);
  return true;
}

/** A client of the test's own; PostgreSQL's shutdown ends its connection too, which must not end the test. */
async function connect(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  c.on('error', () => {});
  await c.connect();
  return c;
}

let pgServer: Postgres;
before(async () => {
  pgServer = await Postgres.create();
});
after(async () => {
  await pgServer?.destroy();
});

describe('PostgreSQL restarted (fast shutdown) in the middle of batches from three replicas', () => {
  let emu: Emulator;
  let dir: string;
  const replicas: Replica[] = [];
  before(async () => {
    dir = makeTempDir('warden-pg-restart-');
    emu = await startEmulatorWithCredentials(dir);
    writeFileSync(join(dir, 'audit.key'), KEY);
    for (let i = 1; i <= REPLICAS; i++) {
      const audit = `{postgres: {url: "${pgServer.url}"}, hmacKeyFile: ./audit.key, chain: replica-${i}, spool: {dir: ./spool-${i}}}`;
      writeFileSync(join(dir, `replica-${i}.yaml`), gatewayConfig({ emulatorUrl: emu.url, issuer: emu.issuer, audit }));
    }
    replicas.push(...(await Promise.all(Array.from({ length: REPLICAS }, (_, i) => startReplica(dir, `replica-${i + 1}`)))));
  });
  after(async () => {
    await Promise.all(replicas.map((r) => stopProcess(r.proc, 'SIGKILL')));
    await emu?.close();
    removeDir(dir);
  });

  it('no replica exits, every request answered 200 is stored once, and the log verifies', async () => {
    const token = await emu.mintIdToken({ sub: 'alice', groups: ['ml-engineers'], aud: 'warden' });
    const served = replicas.map(() => [] as string[]);
    const failures: string[] = [];
    let loading = true;
    // Each replica gets requests one after another, all along, outages included.
    const load = replicas.map(async (r, i) => {
      for (let n = 0; loading; n++) {
        const id = `${r.name}-${n}`;
        try {
          const res = await fetch(`${r.url}${MODEL_PATH}/gemini-2.0-flash:generateContent`, {
            method: 'POST', body: PROMPT, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-request-id': id },
          });
          await res.arrayBuffer();
          if (res.status === 200) served[i].push(id);
          else failures.push(`${id}: ${res.status}`);
        } catch (e) {
          failures.push(`${id}: ${(e as Error).message}`);
          if (!alive(r)) return;
        }
      }
    });
    try {
      for (let round = 1; round <= RESTARTS; round++) {
        await until(() => allAlive(replicas) && served.every((s) => s.length >= 20 * round), `round ${round}: traffic on every replica`);
        // Every replica mid-batch: its INSERT sent after BEGIN, waiting on a lock the test holds, when the server goes.
        const [blocker, watch] = await Promise.all([connect(pgServer.url), connect(pgServer.url)]);
        await blocker.query('BEGIN');
        await blocker.query('LOCK TABLE warden_audit IN SHARE MODE');
        await until(async () => {
          const { rows } = await watch.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO warden_audit %'`);
          return rows[0].n === REPLICAS;
        }, `round ${round}: a batch of every replica waiting between BEGIN and COMMIT`);
        await pgServer.stop();
        await Promise.all([blocker.end().catch(() => {}), watch.end().catch(() => {})]);
        const then = served.map((s) => s.length);
        // Served while the store is down: the records wait in the spools.
        await until(() => allAlive(replicas) && served.every((s, i) => s.length >= then[i] + 10), `round ${round}: requests served during the outage`);
        await pgServer.start();
      }
      allAlive(replicas);
    } finally {
      loading = false;
      await Promise.all(load);
    }
    assert.deepEqual(failures, [], 'every request was answered 200');

    const ids = served.flat();
    const reader = new PostgresAuditStore({ url: pgServer.url });
    try {
      await until(async () => {
        const { length } = await collect(reader.records());
        return allAlive(replicas) && length >= ids.length;
      }, 'every record to be stored after the last restart', 30_000, 200);
      const records = await collect(reader.records());
      assert.deepEqual(records.map((r) => r.requestId).sort(), [...ids].sort(), 'each request answered 200 stored once, and nothing else');
      for (const r of replicas) assert.ok(r.out().includes('"msg":"audit sink unavailable: records wait in the spool"'), `${r.name} saw the outage`);
    } finally {
      await reader.close();
    }
    allAlive(replicas); // after the replay too
    // Stopped as Kubernetes stops them: each writes its last checkpoint and exits 0.
    await Promise.all(replicas.map((r) => stopProcess(r.proc)));
    assert.deepEqual(replicas.map((r) => r.proc.exitCode), replicas.map(() => 0));
    const check = await runAuditCli(['verify', '--postgres', pgServer.url, '--key', join(dir, 'audit.key')]);
    assert.equal(check.code, 0, check.out + check.err);
    assert.match(check.out, new RegExp(`^OK: ${ids.length} record\\(s\\) in ${REPLICAS} chain\\(s\\) verified`));
  });
});

describe('replicas starting together on an empty PostgreSQL database', () => {
  let dir: string;
  before(() => {
    dir = makeTempDir('warden-pg-first-start-');
  });
  after(() => removeDir(dir));

  it('create the tables once between them: each finds the store up at start, and their records verify', async () => {
    const key = Buffer.from(KEY);
    // A few tries, each on a database new to Warden (its own table): the race was lost most times, not every time.
    for (let attempt = 1; attempt <= 4; attempt++) {
      const table = `first_start_${attempt}`;
      const logs = Array.from({ length: REPLICAS }, () => memoryLogger());
      const writers = await Promise.all(logs.map((log, i) => AuditWriter.open({
        sink: new PostgresAuditStore({ url: pgServer.url, table }), key, chain: `replica-${i + 1}`, spoolDir: join(dir, table, `replica-${i + 1}`),
        spoolMaxBytes: 1 << 20, failOpen: false, checkpointMs: 60_000, log: log.log,
      })));
      try {
        const trouble = logs.flatMap((l, i) => l.lines.filter((x) => (x.level as number) >= 40).map((x) => `replica-${i + 1}: ${x.msg} ${x.err ?? ''}`));
        assert.deepEqual(trouble, [], `attempt ${attempt}: no replica found the store failing at start`);
        assert.ok(writers.every((w) => w.status().sinkUp));
        writers.forEach((w, i) => [1, 2, 3].forEach((n) => w.write(sampleRecord(n, { requestId: `r${i + 1}-${n}` }))));
      } finally {
        await Promise.all(writers.map((w) => w.close()));
      }
      const reader = new PostgresAuditStore({ url: pgServer.url, table });
      try {
        const records = await collect(reader.records());
        assert.equal(records.length, REPLICAS * 3);
        const result = verify(key, records, await reader.checkpoints());
        assert.equal(result.ok, true, result.problem?.message);
      } finally {
        await reader.close();
      }
    }
  });
});
