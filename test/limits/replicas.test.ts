// Three Warden processes (`warden start`, as deployed) sharing one real Redis
// hold one global limit; Redis is killed mid-traffic (local fallback, shown
// on /readyz and in metrics) and restarted (shared counting resumes).
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Emulator } from '../../src/emulator/index.js';
import { startEmulatorWithCredentials } from '../helpers/gateway.js';
import { freePort, spawnWarden, stopProcess, until as poll } from '../helpers/process.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { startRedis, type RedisProcess } from './redis-server.js';

const LIMIT = 30;
const SHARE = 0.2; // each replica enforces 6 on its own while Redis is down
const MODEL = '/v1/projects/emulator-project/locations/us-central1/publishers/google/models/gemini-2.0-flash:generateContent';

interface Replica {
  url: string;
  admin: string;
  child: ChildProcess;
}

/** Polls `cond` every 50 ms (a rejection counts as not yet). */
const until = (cond: () => Promise<boolean>, ms = 15_000) => poll(() => cond().catch(() => false), 'the replicas', ms, 50);

const readyz = async (r: Replica) => {
  const res = await fetch(`${r.admin}/readyz`);
  return `${res.status} ${await res.text()}`;
};

describe('quotas across three replicas sharing Redis', () => {
  let redis: RedisProcess;
  let emu: Emulator;
  let dir: string;
  const replicas: Replica[] = [];

  before(async () => {
    dir = makeTempDir('warden-replicas-');
    [redis, emu] = await Promise.all([startRedis(), startEmulatorWithCredentials(dir)]);
    const prefix = `replicas-${process.pid}-${Date.now()}:`;
    for (let i = 0; i < 3; i++) {
      const [port, adminPort] = [await freePort(), await freePort()];
      const file = join(dir, `warden-${i}.yaml`);
      writeFileSync(file, `apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: replica-${i}}
spec:
  listen: {host: 127.0.0.1, port: ${port}}
  admin: {host: 127.0.0.1, port: ${adminPort}}
  routes:
    - {name: vertex, provider: vertex, upstream: '${emu.url}', credential: vertex-sa}
  credentials:
    - {name: vertex-sa, google: {file: ./credentials/service-account.json}}
  limits:
    store:
      redis: {url: '${redis.url}', keyPrefix: '${prefix}', timeout: 200ms, unavailable: local, localShare: ${SHARE}}
    rules:
      - {name: global, requests: {limit: ${LIMIT}, per: 1h}}
`);
      const child = spawnWarden(file, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, WARDEN_LOG_LEVEL: 'warn' } });
      replicas.push({ url: `http://127.0.0.1:${port}`, admin: `http://127.0.0.1:${adminPort}`, child });
    }
    await Promise.all(replicas.map((r) => until(async () => (await readyz(r)).includes('redis up'), 30_000)));
  });

  after(async () => {
    await Promise.all(replicas.map((r) => stopProcess(r.child)));
    await redis?.stop();
    await emu?.close();
    removeDir(dir);
  });

  /** `n` requests spread round-robin over the replicas, eight at a time; the status of each. */
  async function traffic(n: number): Promise<Response[]> {
    const out: Response[] = [];
    let next = 0;
    const worker = async () => {
      while (next < n) {
        const i = next++;
        const res = await fetch(replicas[i % 3]!.url + MODEL, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}',
        });
        await res.arrayBuffer();
        out.push(res);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    return out;
  }
  const ok = (rs: Response[]) => rs.filter((r) => r.status === 200).length;

  it('hold one global limit exactly', async () => {
    const rs = await traffic(2 * LIMIT);
    assert.equal(ok(rs), LIMIT);
    const refused = rs.filter((r) => r.status === 429);
    assert.equal(refused.length, LIMIT);
    assert.ok(refused.every((r) => Number(r.headers.get('retry-after')) > 0 && r.headers.get('x-ratelimit-remaining-requests') === '0'));
  });

  it('fall back to local limits when Redis dies, and share again once it is back', async () => {
    await redis.stop();
    await Promise.all(replicas.map((r) => until(async () => (await readyz(r)) === '200 ready\nwarm-up: done\nlimits: redis unreachable (local fallback)\n')));
    const during = await traffic(30);
    assert.equal(ok(during), 3 * Math.floor(LIMIT * SHARE), 'each replica enforces its share on its own');
    const metrics = await (await fetch(`${replicas[0]!.admin}/metrics`)).text();
    assert.match(metrics, /warden_limits_store_up 0/);
    assert.match(metrics, /warden_limits_local_fallback_total 10/);

    redis = await startRedis(redis.port);
    await Promise.all(replicas.map((r) => until(async () => (await readyz(r)).includes('redis up'))));
    // The new Redis kept nothing (no persistence): a fresh shared window.
    const afterwards = await traffic(LIMIT + 6);
    assert.equal(ok(afterwards), LIMIT);
  });
});
