// The load generator, run as its own (pinned) process. Prints one JSON line:
// {rps, p50, p99, total, non2xx, errors, cpuMs}. Latencies are kept at
// sub-millisecond precision.
//
//   closed loop  autocannon drives keep-alive connections as fast as they are
//                answered, for a fixed time
//   paced        open loop: request i is due at start + i/rate, evenly spaced,
//                whatever the answers do; its latency counts from when it was
//                due, so a stalled server is charged for the requests that
//                waited (no coordinated omission). The first second (a fifth
//                of a shorter run) opens the connections and warms both sides
//                at the same pace, and is not counted. h2load's --rps and
//                autocannon's overallRate send in bursts (every connection at
//                the same tick), which measures the burst's queue instead.
//
//   node --import tsx bench/lib/load.ts '{"url":…,"headers":…,"body":…,"connections":50,"duration":5}'
import autocannon from 'autocannon';
import { Pool } from 'undici';
import { percentile } from './stats.js';

export interface LoadSpec {
  url: string;
  headers: Record<string, string>;
  body: string;
  connections: number;
  /** Seconds. */
  duration: number;
  /** Paced (open loop): this many requests a second over all connections; absent: as fast as answered. */
  rate?: number;
}

export interface LoadResult {
  rps: number;
  /** Milliseconds. */
  p50: number;
  p99: number;
  total: number;
  non2xx: number;
  errors: number;
  /** CPU time the load generator itself used. */
  cpuMs: number;
}

const spec = JSON.parse(process.argv[2] ?? '') as LoadSpec;
const cpu0 = process.cpuUsage();

function report(latencies: number[], seconds: number, total: number, non2xx: number, errors: number): void {
  const sorted = Float64Array.from(latencies).sort();
  const cpu = process.cpuUsage(cpu0);
  const out: LoadResult = { rps: total / seconds, p50: percentile(sorted, 50), p99: percentile(sorted, 99), total, non2xx, errors, cpuMs: (cpu.user + cpu.system) / 1000 };
  process.stdout.write(JSON.stringify(out) + '\n');
}

function closedLoop(): void {
  const latencies: number[] = [];
  const instance = autocannon(
    { url: spec.url, method: 'POST', headers: spec.headers, body: spec.body, connections: spec.connections, duration: spec.duration },
    (err, r) => {
      if (err) throw err;
      report(latencies, r.duration, r.requests.total, r.non2xx, r.errors + r.timeouts);
    },
  );
  instance.on('response', (_client, _status, _bytes, ms) => {
    latencies.push(ms);
  });
}

async function openLoop(rate: number): Promise<void> {
  const url = new URL(spec.url);
  const pool = new Pool(url.origin, { connections: spec.connections, pipelining: 1, keepAliveTimeout: 60_000 });
  const warmup = Math.round(rate * Math.min(1, spec.duration / 5));
  const count = warmup + Math.round(rate * spec.duration);
  const gapNs = 1e9 / rate;
  const latencies: number[] = [];
  let non2xx = 0;
  let errors = 0;
  const path = url.pathname + url.search;
  const send = (i: number, dueNs: bigint) =>
    pool
      .request({ method: 'POST', path, headers: spec.headers, body: spec.body })
      .then(async (res) => {
        await res.body.dump();
        if (i >= warmup && (res.statusCode < 200 || res.statusCode > 299)) non2xx++;
      })
      .catch(() => i >= warmup && errors++)
      .finally(() => {
        if (i >= warmup) latencies.push(Number(process.hrtime.bigint() - dueNs) / 1e6);
      });
  const start = process.hrtime.bigint();
  let measuredFrom = start;
  let sent = 0;
  const inFlight: Promise<unknown>[] = [];
  await new Promise<void>((done) => {
    // Timers fire about every millisecond: each tick sends every request that has come due, stamped with its due time.
    const tick = () => {
      const now = process.hrtime.bigint();
      while (sent < count) {
        const due = start + BigInt(Math.round(sent * gapNs));
        if (due > now) break;
        if (sent === warmup) measuredFrom = due;
        inFlight.push(send(sent, due));
        sent++;
      }
      if (sent < count) setTimeout(tick, Math.max(0, Number(start + BigInt(Math.round(sent * gapNs)) - process.hrtime.bigint()) / 1e6 - 0.2));
      else done();
    };
    tick();
  });
  await Promise.all(inFlight);
  const seconds = Number(process.hrtime.bigint() - measuredFrom) / 1e9;
  await pool.close();
  report(latencies, seconds, count - warmup, non2xx, errors);
}

if (spec.rate) await openLoop(spec.rate);
else closedLoop();
