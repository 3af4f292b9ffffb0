// CPU per request and memory, the figures a busy machine disturbs least: the
// bare Node proxy and one Warden per checkout given (default: this one), side
// by side in one run, each under closed-loop load in interleaved rounds; CPU
// seconds from /proc over each run, divided by the requests answered; RSS at
// idle (after ready) and at its peak (VmHWM) at the end.
//
//   node --import tsx bench/cpu.ts [CHECKOUT …]     e.g. ../main . (main's Warden beside this one)
//
// Warden's config is the one issue 20 measures with: one vertex route (a
// static bearer upstream), an Istio RequestAuthentication with an inline RS256
// key set, one ALLOW policy on a group claim, an SQLite audit; NODE_ENV=production.
// Everything under test and the upstream run on the first CPU, the load
// generator on the second, as in ../shared/perf.
//
// Knobs: BENCH_ROUNDS (5), BENCH_SECONDS (4), BENCH_WARMUP_SECONDS (3), BENCH_CONNECTIONS (64),
// BENCH_AUDIT=0 (Warden without an audit store).
import type { ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { makeTempDir, removeDir } from '../test/helpers/tmp.js';
import { cpus, cpuSeconds } from './lib/cpu.js';
import { children, freePort, runLoad, spawnPinned, startListening, stop, tsx, wardenEnv } from './lib/procs.js';
import { fmt, knob, median } from './lib/stats.js';

const ROUNDS = knob('BENCH_ROUNDS', 5);
const SECONDS = knob('BENCH_SECONDS', 4);
const WARMUP = knob('BENCH_WARMUP_SECONDS', 3);
const CONNECTIONS = knob('BENCH_CONNECTIONS', 64);
const AUDIT = process.env.BENCH_AUDIT !== '0';
const PATH = '/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.0-flash:generateContent';
const BODY = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Hello, Warden' }] }], generationConfig: { maxOutputTokens: 64 } });
const SUT_CPU = cpus[0];
const LOAD_CPU = cpus[1] ?? cpus[0];

interface Target {
  name: string;
  url: string;
  proc: ChildProcess;
  idleRssMb: number;
  runs: { cpuUs: number; upstreamUs: number }[];
}

const status = (pid: number, field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;

async function main(): Promise<void> {
  const checkouts = (process.argv.slice(2).length ? process.argv.slice(2) : ['.']).map((c) => resolve(c));
  const dir = makeTempDir('warden-bench-cpu-');
  try {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'bench', alg: 'RS256', use: 'sig' }] });
    const issuer = 'https://issuer.bench.test';
    const token = await new SignJWT({ groups: ['ml-engineers'] }).setProtectedHeader({ alg: 'RS256', kid: 'bench' }).setIssuer(issuer).setSubject('bench')
      .setAudience('warden').setIssuedAt().setExpirationTime('2h').sign(privateKey);
    writeFileSync(join(dir, 'bearer'), 'bench-upstream-token\n');

    const upstream = await startListening(SUT_CPU, tsx('bench/upstream.ts'));
    const baseline = await startListening(SUT_CPU, tsx('bench/baseline-proxy.ts', upstream.url), { env: { ...process.env, NODE_ENV: 'production' } });
    const targets: Target[] = [{ name: 'baseline', url: baseline.url, proc: baseline.proc, idleRssMb: 0, runs: [] }];
    for (const [i, checkout] of checkouts.entries()) {
      const [port, adminPort] = [await freePort(), await freePort()];
      const config = join(dir, `warden-${i}.yaml`);
      writeFileSync(config, `apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: bench}
spec:
  listen: {host: 127.0.0.1, port: ${port}}
  admin: {host: 127.0.0.1, port: ${adminPort}}
  routes: [{name: gemini, provider: vertex, upstream: "${upstream.url}", credential: static}]
  credentials: [{name: static, bearer: {file: ./bearer}}]
${AUDIT ? `  audit: {sqlite: ./audit-${i}.db}\n` : ''}---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: jwt}
spec:
  jwtRules: [{issuer: "${issuer}", audiences: [warden], jwks: '${jwks}'}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ml-engineers}
spec:
  action: ALLOW
  rules: [{from: [{source: {requestPrincipals: ["*"]}}], when: [{key: "request.auth.claims[groups]", values: [ml-engineers]}]}]
`);
      const proc = spawnPinned(SUT_CPU, [process.execPath, join(checkout, 'bin/warden.js'), 'start', '-c', config], { stdio: ['ignore', 'ignore', 'inherit'], env: wardenEnv() });
      const ready = `http://127.0.0.1:${adminPort}/readyz`;
      for (let t = 0; !(await fetch(ready).then((r) => r.ok, () => false)); t++) {
        if (proc.exitCode !== null || t > 300) throw new Error(`warden from ${checkout} did not become ready`);
        await new Promise((r) => setTimeout(r, 100));
      }
      targets.push({ name: `warden ${checkout}`, url: `http://127.0.0.1:${port}`, proc, idleRssMb: 0, runs: [] });
    }
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    await new Promise((r) => setTimeout(r, 1000));
    for (const t of targets) {
      t.idleRssMb = status(t.proc.pid!, 'VmRSS');
      const res = await fetch(t.url + PATH, { method: 'POST', headers, body: BODY });
      if (res.status !== 200 || !(await res.text()).includes('usageMetadata')) throw new Error(`${t.name}: ${res.status}`);
    }

    const measure = async (t: Target, seconds: number) => {
      const [c0, u0] = [cpuSeconds(t.proc.pid!), cpuSeconds(upstream.proc.pid!)];
      const r = await runLoad(LOAD_CPU, { url: t.url + PATH, headers, body: BODY, connections: CONNECTIONS, duration: seconds });
      if (r.non2xx || r.errors) throw new Error(`${t.name}: ${r.non2xx} non-2xx answers and ${r.errors} errors`);
      return { cpuUs: ((cpuSeconds(t.proc.pid!) - c0) * 1e6) / r.total, upstreamUs: ((cpuSeconds(upstream.proc.pid!) - u0) * 1e6) / r.total };
    };
    console.log(`CPU per request: ${targets.length} targets, ${ROUNDS} rounds of ${SECONDS} s, ${CONNECTIONS} connections; ${AUDIT ? 'SQLite audit' : 'no audit store'}; 1-min load average ${loadavg()[0]!.toFixed(2)}`);
    for (const t of targets) await measure(t, WARMUP);
    for (let r = 0; r < ROUNDS; r++) {
      for (const t of targets.map((_, i) => targets[(i + r) % targets.length]!)) {
        await measure(t, 1); // the target was idle while the others ran
        const m = await measure(t, SECONDS);
        t.runs.push(m);
        console.log(`  round ${r + 1} ${t.name.padEnd(30)} ${fmt(m.cpuUs, 1).padStart(7)} µs/request (upstream ${fmt(m.upstreamUs, 1)})`);
      }
    }
    const b = targets[0]!;
    const cpu = (t: Target) => median(t.runs.map((x) => x.cpuUs));
    const up = (t: Target) => median(t.runs.map((x) => x.upstreamUs));
    console.log('\n  target                          CPU µs/req (min)   + upstream   one-core ratio   idle RSS   peak RSS');
    for (const t of targets) {
      const ratio = (cpu(b) + up(b)) / (cpu(t) + up(t));
      console.log(
        `  ${t.name.padEnd(30)} ${`${fmt(cpu(t), 1)} (${fmt(Math.min(...t.runs.map((x) => x.cpuUs)), 1)})`.padStart(17)} ${fmt(up(t), 1).padStart(12)} ${ratio.toFixed(2).padStart(15)}× ${`${fmt(t.idleRssMb)} MB`.padStart(10)} ${`${fmt(status(t.proc.pid!, 'VmHWM'))} MB`.padStart(10)}`,
      );
    }
    console.log('one-core ratio: (baseline + upstream CPU) / (target + upstream CPU) per request, what requests/s of one core shared with the upstream would be');
    console.log(`1-min load average at end ${loadavg()[0]!.toFixed(2)}`);
  } finally {
    await Promise.all([...children].map(stop));
    removeDir(dir);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
