// The load generator, run as its own (pinned) process: autocannon drives
// keep-alive connections for a fixed time; every response's latency is kept at
// sub-millisecond precision (autocannon's own histogram rounds to whole ms).
// Prints one JSON line: {rps, p50, p99, total, non2xx, errors, cpuMs}.
//
//   node --import tsx bench/lib/load.ts '{"url":…,"headers":…,"body":…,"connections":50,"duration":5}'
import autocannon from 'autocannon';
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
const latencies: number[] = [];
const cpu0 = process.cpuUsage();
const instance = autocannon(
  { url: spec.url, method: 'POST', headers: spec.headers, body: spec.body, connections: spec.connections, duration: spec.duration, ...(spec.rate ? { overallRate: spec.rate } : {}) },
  (err, r) => {
    if (err) throw err;
    const sorted = Float64Array.from(latencies).sort();
    const cpu = process.cpuUsage(cpu0);
    const out: LoadResult = {
      rps: r.requests.total / r.duration,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      total: r.requests.total,
      non2xx: r.non2xx,
      errors: r.errors + r.timeouts,
      cpuMs: (cpu.user + cpu.system) / 1000,
    };
    process.stdout.write(JSON.stringify(out) + '\n');
  },
);
instance.on('response', (_client, _status, _bytes, ms) => {
  latencies.push(ms);
});
