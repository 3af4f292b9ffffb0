// `npm run bench`: one run, three targets, the same small generateContent POST:
//   direct    the fixed-response upstream itself (bench/upstream.ts)
//   baseline  a bare Node proxy in front of it (bench/baseline-proxy.ts)
//   warden    Warden with the demo config (JWT verification + policy + cached Google
//             credential minted once from the emulator's token endpoint + SQLite audit)
// Every server is its own process, pinned with taskset; the load generator
// (bench/lib/load.ts, autocannon) is another. Rounds are interleaved and the
// medians reported, with the spread between rounds. See bench/README.md.
//
// Then, baseline and warden only, in interleaved rounds:
//   paced     open loop at BENCH_RATE requests/s, evenly spaced (bench/lib/load.ts):
//             p50 and p99, and Warden's p99 minus the baseline's in the same round
//   stream    streamGenerateContent?alt=sse answered with 200 events by the upstream, closed
//             loop on BENCH_STREAM_CONNECTIONS connections: events (chunks) per second passed
//
// Knobs (environment): BENCH_ROUNDS (3), BENCH_SECONDS (5), BENCH_WARMUP_SECONDS (2), BENCH_CONNECTIONS (50),
// BENCH_RATE (1000), BENCH_STREAM_CONNECTIONS (16).
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../src/emulator/index.js';
import { demoConfig } from '../src/cli/demo.js';
import { auditRowCount } from '../test/helpers/audit-db.js';
import { makeTempDir, removeDir } from '../test/helpers/tmp.js';
import { cpus, cpuSeconds, pinning, repin } from './lib/cpu.js';
import type { LoadResult, LoadSpec } from './lib/load.js';
import { children, freePort, runLoad, startListening, startWarden, stop, tsx } from './lib/procs.js';
import { fmt, knob, median, spread } from './lib/stats.js';

const ROUNDS = knob('BENCH_ROUNDS', 3);
const SECONDS = knob('BENCH_SECONDS', 5);
const WARMUP = knob('BENCH_WARMUP_SECONDS', 2);
const CONNECTIONS = knob('BENCH_CONNECTIONS', 50);
const PATH = '/v1/projects/emulator-project/locations/us-central1/publishers/google/models/gemini-2.0-flash:generateContent';
const BODY = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Hello, Warden' }] }], generationConfig: { maxOutputTokens: 64 } });
const RATE = knob('BENCH_RATE', 1000);
const PACED_CLIENTS = 50;
const STREAM_CONNECTIONS = knob('BENCH_STREAM_CONNECTIONS', 16);
const STREAM_PATH = PATH.replace(':generateContent', ':streamGenerateContent?alt=sse');
/** Events per streamed answer (bench/upstream.ts). */
const STREAM_CHUNKS = 200;

type TargetName = 'direct' | 'baseline' | 'warden';
interface Target {
  name: TargetName;
  url: string;
  /** The process whose core is the bottleneck under test. */
  server: ChildProcess;
  runs: (LoadResult & { serverCpu: number })[];
}

// ---------- cores ----------

// ≥3 cores: proxy | upstream | load generator each alone.
// 2 cores: the proxy under test alone on one; upstream and load generator share the other
// (for the direct target the upstream moves to the proxy core, which is idle then).
const PROXY_CPU = cpus[0];
const UPSTREAM_CPU = cpus[1];
const LOAD_CPU = cpus.length >= 3 ? cpus[2] : cpus[1];

const load = (spec: LoadSpec) => runLoad(LOAD_CPU, spec);

// ---------- statistics ----------

const cpuPerRequest = (m: LoadResult & { serverCpu: number }) => (m.serverCpu * 1e6) / m.rps;

// ---------- the run ----------

async function main(): Promise<void> {
  const started = Date.now();
  const load0 = loadavg()[0]!;
  const dir = makeTempDir('warden-bench-');
  // The orchestrator (with the emulator, idle after the first mint) lives on the load generator's core.
  if (pinning) repin(process.pid, LOAD_CPU);

  const emu = await startEmulator({ port: 0 });
  try {
    await emu.writeCredentials(join(dir, 'credentials'));
    const token = await emu.mintIdToken({ sub: 'alice', groups: ['ml-engineers'], aud: 'warden', ttlSeconds: 3600 });

    const upstream = await startListening(UPSTREAM_CPU, tsx('bench/upstream.ts'));
    const baseline = await startListening(PROXY_CPU, tsx('bench/baseline-proxy.ts', upstream.url));
    const [port, adminPort] = [await freePort(), await freePort()];
    const configFile = join(dir, 'warden.yaml');
    writeFileSync(configFile, demoConfig({ port, adminPort, emulatorUrl: upstream.url, issuer: emu.issuer, audience: 'warden' }));
    // Warden's access log (one JSON line per request) is written, to /dev/null.
    const warden = await startWarden(PROXY_CPU, configFile, `http://127.0.0.1:${adminPort}/readyz`);

    const targets: Target[] = [
      { name: 'direct', url: upstream.url, server: upstream.proc, runs: [] },
      { name: 'baseline', url: baseline.url, server: baseline.proc, runs: [] },
      { name: 'warden', url: `http://127.0.0.1:${port}`, server: warden, runs: [] },
    ];
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };

    // One checked request each: all three must answer 200 with the model's JSON.
    for (const t of targets) {
      const res = await fetch(t.url + PATH, { method: 'POST', headers, body: BODY });
      const text = await res.text();
      if (res.status !== 200 || !text.includes('usageMetadata')) throw new Error(`${t.name}: ${res.status} ${text}`);
    }

    let wardenRequests = 1;
    const measure = async (t: Target, seconds: number): Promise<LoadResult & { serverCpu: number }> => {
      const direct2 = t.name === 'direct' && cpus.length === 2;
      if (direct2) repin(upstream.proc.pid!, PROXY_CPU);
      try {
        const cpu0 = cpuSeconds(t.server.pid!);
        const r = await load({ url: t.url + PATH, headers, body: BODY, connections: CONNECTIONS, duration: seconds });
        const serverCpu = (cpuSeconds(t.server.pid!) - cpu0) / seconds;
        if (t.name === 'warden') wardenRequests += r.total;
        if (r.non2xx || r.errors) throw new Error(`${t.name}: ${r.non2xx} non-2xx answers and ${r.errors} errors under load`);
        return { ...r, serverCpu };
      } finally {
        if (direct2) repin(upstream.proc.pid!, UPSTREAM_CPU);
      }
    };

    const layout = pinning
      ? `proxy under test on CPU ${PROXY_CPU}; upstream on CPU ${UPSTREAM_CPU}${cpus.length === 2 ? ` (on CPU ${PROXY_CPU} for 'direct')` : ''}; load generator on CPU ${LOAD_CPU}`
      : 'not pinned (taskset missing or a single CPU)';
    console.log(`Warden bench: ${ROUNDS} rounds × 3 targets × ${SECONDS} s, ${CONNECTIONS} connections, POST ${BODY.length} B`);
    console.log(`  ${cpus.length || availableParallelism()} CPUs; ${layout}; 1-min load average at start ${load0.toFixed(2)}`);

    for (const t of targets) await measure(t, WARMUP); // JIT, connection pools, JWKS fetch, the one credential mint
    for (let r = 0; r < ROUNDS; r++) {
      const order = targets.map((_, i) => targets[(i + r) % targets.length]!);
      for (const t of order) {
        const m = await measure(t, SECONDS);
        t.runs.push(m);
        console.log(
          `  round ${r + 1} ${t.name.padEnd(8)} ${fmt(m.rps).padStart(7)} req/s  p50 ${m.p50.toFixed(2)} ms  p99 ${m.p99.toFixed(2)} ms  server CPU ${fmt(m.serverCpu * 100)}% (${fmt(cpuPerRequest(m))} µs/req)`,
        );
      }
    }

    // ---------- open loop at a fixed rate, and streams: baseline and warden ----------
    const pair = targets.filter((t) => t.name !== 'direct');
    const pace = async (t: Target, seconds: number) => {
      const r = await runLoad(LOAD_CPU, { url: t.url + PATH, headers, body: BODY, connections: PACED_CLIENTS, duration: seconds, rate: RATE });
      if (r.non2xx || r.errors) throw new Error(`${t.name} paced: ${JSON.stringify(r)}`);
      if (t.name === 'warden') wardenRequests += r.total;
      return { rate: r.rps, p50: r.p50, p99: r.p99 };
    };
    const paced: Record<string, { rate: number; p50: number; p99: number }[]> = { baseline: [], warden: [] };
    console.log(`\nopen loop at ${fmt(RATE)} requests/s (evenly spaced over ${PACED_CLIENTS} connections), ${SECONDS} s a run`);
    for (const t of pair) await pace(t, WARMUP);
    for (let r = 0; r < ROUNDS; r++) {
      for (const t of r % 2 ? [...pair].reverse() : pair) {
        const p = await pace(t, SECONDS);
        paced[t.name]!.push(p);
        console.log(`  round ${r + 1} ${t.name.padEnd(8)} ${fmt(p.rate).padStart(6)} req/s  p50 ${p.p50.toFixed(3)} ms  p99 ${p.p99.toFixed(3)} ms`);
      }
    }

    // One checked stream each: all events through, the usage at the end.
    for (const t of pair) {
      const res = await fetch(t.url + STREAM_PATH, { method: 'POST', headers, body: BODY });
      const text = await res.text();
      const events = text.split('\r\n\r\n').filter(Boolean).length;
      if (res.status !== 200 || events !== STREAM_CHUNKS || !text.includes('usageMetadata')) throw new Error(`${t.name} stream: ${res.status}, ${events} events`);
      if (t.name === 'warden') wardenRequests++;
    }
    const streamed: Record<string, { chunks: number; cpuPerChunk: number }[]> = { baseline: [], warden: [] };
    const streamRun = async (t: Target, seconds: number) => {
      const cpu0 = cpuSeconds(t.server.pid!);
      const r = await load({ url: t.url + STREAM_PATH, headers, body: BODY, connections: STREAM_CONNECTIONS, duration: seconds });
      const cpu = cpuSeconds(t.server.pid!) - cpu0;
      if (r.non2xx || r.errors) throw new Error(`${t.name} stream: ${r.non2xx} non-2xx answers and ${r.errors} errors under load`);
      if (t.name === 'warden') wardenRequests += r.total;
      return { chunks: r.rps * STREAM_CHUNKS, cpuPerChunk: (cpu * 1e6) / (r.total * STREAM_CHUNKS) };
    };
    console.log(`\nstreams: ${STREAM_CHUNKS} server-sent events an answer, ${STREAM_CONNECTIONS} connections, ${SECONDS} s a run`);
    for (const t of pair) await streamRun(t, WARMUP);
    for (let r = 0; r < ROUNDS; r++) {
      for (const t of r % 2 ? [...pair].reverse() : pair) {
        const m = await streamRun(t, SECONDS);
        streamed[t.name]!.push(m);
        console.log(`  round ${r + 1} ${t.name.padEnd(8)} ${fmt(m.chunks).padStart(8)} chunks/s  server CPU ${m.cpuPerChunk.toFixed(1)} µs/chunk`);
      }
    }

    await stop(warden);
    const audited = auditRowCount(join(dir, 'audit.db'));

    const row = (t: Target) => {
      const rps = median(t.runs.map((x) => x.rps));
      return {
        rps,
        p50: median(t.runs.map((x) => x.p50)),
        p99: median(t.runs.map((x) => x.p99)),
        cpu: median(t.runs.map((x) => x.serverCpu)),
        cpuPerReq: median(t.runs.map(cpuPerRequest)),
        spread: spread(t.runs.map((x) => x.rps)),
      };
    };
    const rows = Object.fromEntries(targets.map((t) => [t.name, row(t)])) as Record<TargetName, ReturnType<typeof row>>;
    console.log(`\nmedians of ${ROUNDS} rounds`);
    console.log('  target      req/s     p50 ms   p99 ms   server CPU   CPU µs/req   req/s spread (max-min)/median');
    for (const t of targets) {
      const x = rows[t.name];
      console.log(
        `  ${t.name.padEnd(8)} ${fmt(x.rps).padStart(8)} ${x.p50.toFixed(2).padStart(9)} ${x.p99.toFixed(2).padStart(8)} ${`${fmt(x.cpu * 100)}%`.padStart(12)} ${fmt(x.cpuPerReq).padStart(12)}   ${fmt(x.spread * 100)}%`,
      );
    }
    const w = rows.warden;
    const b = rows.baseline;
    const signed = (ms: number) => `${ms >= 0 ? '+' : '−'}${fmt(Math.abs(ms * 1000))} µs`;
    console.log(`\nwarden / baseline: ${(w.rps / b.rps).toFixed(2)}× requests/s; p50 ${signed(w.p50 - b.p50)}; p99 ${signed(w.p99 - b.p99)}`);
    console.log(
      `server CPU per request: baseline ${fmt(b.cpuPerReq)} µs, warden ${fmt(w.cpuPerReq)} µs (${(w.cpuPerReq / b.cpuPerReq).toFixed(2)}×; ` +
        `+${fmt(w.cpuPerReq - b.cpuPerReq)} µs for identity, policy, credential, audit and logging)`,
    );
    if (w.cpu < 0.9 || b.cpu < 0.9) console.log('note: a proxy used < 90 % of its core: other load on this machine (or the load generator) limited it; trust the CPU-per-request ratio more than req/s');
    if (paced.warden!.length) {
      const pm = (name: string, k: 'p50' | 'p99' | 'rate') => median(paced[name]!.map((x) => x[k]));
      const added = median(paced.warden!.map((x, i) => x.p99 - paced.baseline![i]!.p99));
      console.log(
        `open loop at ${fmt(pm('warden', 'rate'))} req/s: baseline p50 ${pm('baseline', 'p50').toFixed(3)} ms p99 ${pm('baseline', 'p99').toFixed(3)} ms; ` +
          `warden p50 ${pm('warden', 'p50').toFixed(3)} ms p99 ${pm('warden', 'p99').toFixed(3)} ms; warden p99 − baseline p99 (median of rounds) ${added >= 0 ? '+' : '−'}${Math.abs(added).toFixed(3)} ms (target ≤ +1 ms)`,
      );
    }
    const sm = (name: string, k: 'chunks' | 'cpuPerChunk') => median(streamed[name]!.map((x) => x[k]));
    console.log(
      `streams: baseline ${fmt(sm('baseline', 'chunks'))} chunks/s (${sm('baseline', 'cpuPerChunk').toFixed(1)} µs CPU a chunk), warden ${fmt(sm('warden', 'chunks'))} (${sm('warden', 'cpuPerChunk').toFixed(1)} µs): ` +
        `${(sm('warden', 'chunks') / sm('baseline', 'chunks')).toFixed(2)}× chunks/s, median of rounds ${median(streamed.warden!.map((x, i) => x.chunks / streamed.baseline![i]!.chunks)).toFixed(2)}× (target ≥ 0.9×)`,
    );
    console.log(`\nchecks: Google token minted ${emu.stats.byGrant['jwt-bearer'] ?? 0}× for ${fmt(wardenRequests)} Warden requests; audit rows written ${fmt(audited)}`);
    console.log(`took ${((Date.now() - started) / 1000).toFixed(0)} s; 1-min load average at end ${loadavg()[0]!.toFixed(2)}`);
    if (emu.stats.byGrant['jwt-bearer'] !== 1) throw new Error('Warden should have minted exactly one Google token');
    if (audited < wardenRequests) throw new Error(`audit has ${audited} rows for ${wardenRequests} completed requests`);
  } finally {
    await Promise.all([...children].map(stop));
    await emu.close();
    removeDir(dir);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
