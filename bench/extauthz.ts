// ext_authz over gRPC: Check round trips per second and latency percentiles.
//
//   node --import tsx bench/extauthz.ts
//
// Warden (`warden start`, its own process, pinned to CPU 0) runs the mesh
// config of test/extauthz/mesh.ts: RS256 JWT verification against the dev
// issuer's JWKS, Istio-style policies with a SPIFFE source principal, the
// Google token minted once and cached, an access log line per check (to
// /dev/null). This process (pinned to CPU 1) is the emulator (issuer, token
// endpoint) and Envoy: a grpc-js client from Envoy's proto files replaying
// the CheckRequest of test/extauthz/mesh.ts.
//
//   paced   open loop at BENCH_RATE checks/s (1000) for BENCH_SECONDS (10):
//           latency percentiles at that rate (issue #7's target: p99 < 1 ms)
//   max     closed loop, BENCH_INFLIGHT (32) checks in flight: round trips/s
//
// Every answer must be OK with Warden's token, or the bench fails.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, credentials } from '@grpc/grpc-js';
import { authorizationService, type CheckRequest, type CheckResponse } from '../src/extauthz/proto.js';
import { MODEL_PATH, PROMPT, meshConfig, sidecarCheck } from '../test/extauthz/mesh.js';
import { startEmulatorWithCredentials } from '../test/helpers/gateway.js';
import { makeTempDir, removeDir } from '../test/helpers/tmp.js';
import { cpus, cpuSeconds, pinning as pinned, repin } from './lib/cpu.js';
import { freePort, ROOT, spawnPinned, stop } from './lib/procs.js';
import { knob, percentile } from './lib/stats.js';

const RATE = knob('BENCH_RATE', 1000);
const SECONDS = knob('BENCH_SECONDS', 10);
const INFLIGHT = knob('BENCH_INFLIGHT', 32);
const [SERVER_CPU, CLIENT_CPU] = [cpus[0], cpus[1]];

async function main(): Promise<void> {
  repin(process.pid, CLIENT_CPU);
  const dir = makeTempDir('warden-bench-extauthz-');
  const emu = await startEmulatorWithCredentials(dir);
  const port = await freePort();
  const config = meshConfig({ emulatorUrl: emu.url, issuer: emu.issuer }).replace('grpc: {port: 0}', `grpc: {port: ${port}}`).replace(/\n    http: \{port: 0.*\}/, '');
  writeFileSync(join(dir, 'warden.yaml'), config);
  const argv = [process.execPath, join(ROOT, 'bin/warden.js'), 'start', '-c', join(dir, 'warden.yaml')];
  const server = spawnPinned(SERVER_CPU, argv, { stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
    await new Promise<void>((ok, fail) => client.waitForReady(Date.now() + 15_000, (e) => (e ? fail(e) : ok())));
    const token = await emu.mintIdToken({ sub: 'alice', groups: ['ml-engineers'], aud: 'warden' });
    // Envoy encodes each CheckRequest in C++; the client here encodes it once,
    // so that the measurement is Warden's and not this process's protobuf work.
    const method = authorizationService().Check!;
    const request = method.requestSerialize(sidecarCheck({ path: `${MODEL_PATH}:generateContent`, token, body: PROMPT, requestId: 'bench' }) satisfies CheckRequest);
    const check = () =>
      new Promise<number>((ok, fail) => {
        const t0 = process.hrtime.bigint();
        client.makeUnaryRequest<Buffer, CheckResponse>(method.path, (b) => b, method.responseDeserialize, request, (err, res) => {
          if (err || !res) return fail(err ?? new Error('no response'));
          if (res.status.code !== 0 || !res.okResponse?.headers.some((h) => h.header.key === 'authorization')) {
            return fail(new Error(`check not allowed: ${JSON.stringify(res.status)}`));
          }
          ok(Number(process.hrtime.bigint() - t0) / 1e6);
        });
      });

    await closedLoop(check, 2); // warm-up: JIT, JWKS, the one token mint
    const cpu0 = cpuSeconds(server.pid!);
    const paced = await openLoop(check, RATE, SECONDS);
    const pacedCpu = (cpuSeconds(server.pid!) - cpu0) / SECONDS;
    const cpu1 = cpuSeconds(server.pid!);
    const max = await closedLoop(check, SECONDS);
    const maxCpu = (cpuSeconds(server.pid!) - cpu1) / SECONDS;
    if (emu.stats.byGrant['jwt-bearer'] !== 1) throw new Error(`expected one token mint, saw ${emu.stats.byGrant['jwt-bearer']}`);
    client.close();

    const ms = (x: number) => `${x.toFixed(3)} ms`;
    console.log(`ext_authz gRPC Check, Warden on ${pinned ? `CPU ${SERVER_CPU} (client on CPU ${CLIENT_CPU})` : 'unpinned CPUs'}, ${SECONDS} s per run`);
    console.log(`paced  ${paced.rate.toFixed(0)} checks/s: p50 ${ms(paced.p50)}  p90 ${ms(paced.p90)}  p99 ${ms(paced.p99)}  p99.9 ${ms(paced.p999)}  max ${ms(paced.max)}  server CPU ${(pacedCpu * 100).toFixed(0)} %`);
    console.log(`max    ${max.rate.toFixed(0)} checks/s with ${INFLIGHT} in flight: p50 ${ms(max.p50)}  p99 ${ms(max.p99)}  server CPU ${(maxCpu * 100).toFixed(0)} %`);
  } finally {
    await stop(server);
    await emu.close();
    removeDir(dir);
  }
}

interface Result {
  rate: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

function summarize(latencies: number[], seconds: number): Result {
  const sorted = Float64Array.from(latencies).sort();
  return {
    rate: latencies.length / seconds,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    p999: percentile(sorted, 99.9),
    max: sorted[sorted.length - 1] ?? 0,
  };
}

/** Starts checks on schedule whatever the answers do (as Envoy would), so slow answers show in the tail. */
async function openLoop(check: () => Promise<number>, rate: number, seconds: number): Promise<Result> {
  const latencies: number[] = [];
  const pending: Promise<void>[] = [];
  const start = performance.now();
  let sent = 0;
  const total = rate * seconds;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
    for (; sent < due; sent++) pending.push(check().then((l) => void latencies.push(l)));
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(pending);
  return summarize(latencies, (performance.now() - start) / 1000);
}

async function closedLoop(check: () => Promise<number>, seconds: number): Promise<Result> {
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  const start = performance.now();
  const worker = async () => {
    while (performance.now() < end) latencies.push(await check());
  };
  await Promise.all(Array.from({ length: INFLIGHT }, worker));
  return summarize(latencies, (performance.now() - start) / 1000);
}

await main();
