// MCP tool calls through Warden against the same server direct, paced (open
// loop) at BENCH_RATE calls/s: the latency Warden adds to a tools/call, at p50
// and p99, in one run. Targets (issue 24): under 1 ms at p50, 3 ms at p99, at
// 500 calls/s.
//
//   direct  the MCP server (bench/mcp-upstream.ts: the official SDK, JSON answers)
//   warden  `warden start` in front of it: an MCP route as an OAuth resource server
//           (RS256 JWT from the dev issuer's JWKS, RFC 8707 audience), the readers
//           policy of docs/mcp.md (per tool, a CEL condition on the arguments), the
//           session pinned to its caller, an SQLite audit record per call
//
// Each target keeps one session (initialized first) and every call is the same
// tools/call of read_file. Processes pinned as bench/run.ts pins them; rounds
// interleaved; medians of the rounds. Knobs: BENCH_RATE (500), BENCH_ROUNDS (3),
// BENCH_SECONDS (10), BENCH_WARMUP_SECONDS (3), BENCH_CONNECTIONS (16),
// BENCH_NODE_ARGS (node flags for Warden, e.g. --cpu-prof).
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../src/emulator/index.js';
import { auditRowCount } from '../test/helpers/audit-db.js';
import { READERS_POLICY } from '../test/mcp/stack.js';
import { makeTempDir, removeDir } from '../test/helpers/tmp.js';
import { cpus, cpuSeconds, pinning, repin } from './lib/cpu.js';
import type { LoadResult } from './lib/load.js';
import { freePort, runLoad, startListening, startWarden, stopAll, tsx } from './lib/procs.js';
import { fmt, knob, median } from './lib/stats.js';

const RATE = knob('BENCH_RATE', 500);
const ROUNDS = knob('BENCH_ROUNDS', 3);
const SECONDS = knob('BENCH_SECONDS', 10);
const WARMUP = knob('BENCH_WARMUP_SECONDS', 3);
const CONNECTIONS = knob('BENCH_CONNECTIONS', 16);

const PROXY_CPU = cpus[0];
const UPSTREAM_CPU = cpus[1];
const LOAD_CPU = cpus.length >= 3 ? cpus[2] : cpus[1];

const CALL = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'read_file', arguments: { path: '/etc/motd' } } });
const ACCEPT = 'application/json, text/event-stream';

interface Target {
  name: 'direct' | 'warden';
  url: string;
  headers: Record<string, string>;
  /** The process whose CPU per call is counted: the MCP server, or Warden. */
  pid: number;
  runs: (LoadResult & { cpuUs: number })[];
}

/** initialize + notifications/initialized; the session's headers. */
async function openSession(url: string, auth: Record<string, string>): Promise<Record<string, string>> {
  const base = { 'content-type': 'application/json', accept: ACCEPT, ...auth };
  const init = await fetch(url, {
    method: 'POST',
    headers: base,
    body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '1' } } }),
  });
  const session = init.headers.get('mcp-session-id');
  await init.text();
  if (!init.ok || !session) throw new Error(`initialize at ${url}: ${init.status}`);
  const headers = { ...base, 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' };
  const done = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
  await done.text();
  const probe = await fetch(url, { method: 'POST', headers, body: CALL });
  const answer = await probe.text();
  if (!answer.includes('contents of /etc/motd')) throw new Error(`tools/call at ${url} answered ${probe.status}: ${answer}`);
  return headers;
}

async function main(): Promise<void> {
  const dir = makeTempDir('warden-bench-mcp-');
  if (pinning) repin(process.pid, LOAD_CPU);
  const emu = await startEmulator({ port: 0 });
  try {
    const upstream = await startListening(UPSTREAM_CPU, tsx('bench/mcp-upstream.ts'));
    const [port, adminPort] = [await freePort(), await freePort()];
    const resource = `http://127.0.0.1:${port}/mcp`;
    const configFile = join(dir, 'warden.yaml');
    writeFileSync(
      configFile,
      `apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: bench-mcp}
spec:
  listen: {host: 127.0.0.1, port: ${port}}
  admin: {host: 127.0.0.1, port: ${adminPort}}
  routes:
    - name: tools
      provider: mcp
      match: {pathPrefix: /mcp}
      upstream: ${upstream.url}
      mcp: {resource: "${resource}", authorizationServers: ["${emu.issuer}"]}
  audit: {sqlite: ./audit.db}
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: dev}
spec:
  jwtRules: [{issuer: "${emu.issuer}", jwksUri: "${emu.issuer}/jwks"}]
---
${READERS_POLICY}`,
    );
    // The access log (a JSON line per call) is written, to /dev/null.
    const nodeArgs = process.env.BENCH_NODE_ARGS?.split(/\s+/).filter(Boolean);
    const wardenProc = await startWarden(PROXY_CPU, configFile, `http://127.0.0.1:${adminPort}/readyz`, { nodeArgs });
    const token = await emu.mintIdToken({ sub: 'reader-agent', groups: ['readers'], aud: resource, ttlSeconds: 3600 });

    const targets: Target[] = [
      { name: 'direct', url: upstream.url, headers: await openSession(upstream.url, {}), pid: upstream.proc.pid!, runs: [] },
      { name: 'warden', url: resource, headers: await openSession(resource, { authorization: `Bearer ${token}` }), pid: wardenProc.pid!, runs: [] },
    ];
    const run = (t: Target, duration: number) => runLoad(LOAD_CPU, { url: t.url, headers: t.headers, body: CALL, connections: CONNECTIONS, duration, rate: RATE });
    for (const t of targets) await run(t, WARMUP);
    let calls = 0;
    for (let round = 0; round < ROUNDS; round++) {
      for (const t of round % 2 ? [...targets].reverse() : targets) {
        const cpu0 = cpuSeconds(t.pid);
        const r = await run(t, SECONDS);
        if (r.non2xx || r.errors) throw new Error(`${t.name}: ${r.non2xx} non-2xx answers, ${r.errors} errors`);
        t.runs.push({ ...r, cpuUs: ((cpuSeconds(t.pid) - cpu0) * 1e6) / r.total });
        if (t.name === 'warden') calls += r.total;
      }
    }
    // Every measured call through Warden was recorded (warm-up, sessions and probes besides).
    for (let i = 0; i < 100 && auditRowCount(join(dir, 'audit.db')) < calls; i++) await new Promise((r) => setTimeout(r, 100));
    const rows = auditRowCount(join(dir, 'audit.db'));
    if (rows < calls) throw new Error(`the audit holds ${rows} records for ${calls} measured calls`);

    const [direct, warden] = targets as [Target, Target];
    const added = (p: 'p50' | 'p99') => median(warden.runs.map((w, i) => w[p] - direct.runs[i]![p]));
    console.log(`MCP tools/call at ${RATE}/s paced, ${CONNECTIONS} connections, ${ROUNDS} rounds of ${SECONDS} s (medians of rounds); load average ${loadavg()[0]!.toFixed(2)}`);
    console.log('target   calls/s    p50 ms   p99 ms   CPU µs/call (server: the MCP server, or Warden alone)');
    for (const t of targets) {
      console.log(
        `${t.name.padEnd(8)} ${fmt(median(t.runs.map((r) => r.rps))).padStart(7)}   ${fmt(median(t.runs.map((r) => r.p50)), 3).padStart(6)}   ${fmt(median(t.runs.map((r) => r.p99)), 3).padStart(6)}   ${fmt(median(t.runs.map((r) => r.cpuUs))).padStart(6)}`,
      );
    }
    const [a50, a99] = [added('p50'), added('p99')];
    console.log(`added by Warden: p50 ${fmt(a50, 3)} ms (target < 1), p99 ${fmt(a99, 3)} ms (target < 3); ratio warden/direct p50 ${fmt(median(warden.runs.map((w, i) => w.p50 / direct.runs[i]!.p50)), 2)}, p99 ${fmt(median(warden.runs.map((w, i) => w.p99 / direct.runs[i]!.p99)), 2)}`);
    console.log(`audit: ${rows} records for ${calls} measured calls`);
  } finally {
    await stopAll();
    await emu.close();
    removeDir(dir);
  }
}

await main();
