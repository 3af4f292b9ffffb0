// ext_authz over gRPC: Check round trips per second and latency percentiles.
//
//   node --import tsx bench/extauthz.ts
//
// Warden (`warden start`, its own process, pinned to CPU 0) runs the mesh
// config of test/extauthz/mesh.ts: RS256 JWT verification against the dev
// issuer's JWKS, Istio-style policies with a SPIFFE source principal, the
// Google token minted once and cached, an access log line per check (to
// /dev/null). This process (pinned to CPU 1) is the emulator (issuer, token
// endpoint) and Envoy: a lean HTTP/2 gRPC client (one connection, 200 ms
// deadline as Istio's provider sends) replaying the CheckRequest of
// test/extauthz/mesh.ts, encoded once from Envoy's proto files. The client's
// CPU and how late it sent checks are printed, so a saturated client shows.
// BENCH_NODE_ARGS adds node flags to Warden (e.g. --cpu-prof), and
// BENCH_SERVER_STDOUT=1 keeps its stdout.
//
//   paced   open loop at BENCH_RATE checks/s (1000) for BENCH_SECONDS (10):
//           latency percentiles at that rate (issue #7's target: p99 < 1 ms)
//   max     closed loop, BENCH_INFLIGHT (32) checks in flight: round trips/s
//
// Every answer must be OK with Warden's token, or the bench fails.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type IncomingHttpHeaders } from 'node:http2';
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
  const argv = [process.execPath, ...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []), join(ROOT, 'bin/warden.js'), 'start', '-c', join(dir, 'warden.yaml')];
  const server = spawnPinned(SERVER_CPU, argv, { stdio: ['ignore', process.env.BENCH_SERVER_STDOUT ? 'inherit' : 'ignore', 'inherit'] });
  try {
    const client = await connectWithin(`http://127.0.0.1:${port}`, 15_000);
    const token = await emu.mintIdToken({ sub: 'alice', groups: ['ml-engineers'], aud: 'warden' });
    // Envoy encodes each CheckRequest in C++; the client here encodes it once,
    // so that the measurement is Warden's and not this process's protobuf work.
    const method = authorizationService().Check!;
    const message = method.requestSerialize(sidecarCheck({ path: `${MODEL_PATH}:generateContent`, token, body: PROMPT, requestId: 'bench' }) satisfies CheckRequest);
    const check = (done: (ms: number) => void) => {
      const t0 = performance.now();
      client.call(method.path, message, (err, answer) => {
        // Past the deadline Envoy sent, grpc-js answers DEADLINE_EXCEEDED (Envoy then denies): counted, and in the tail.
        if (err && /^grpc-status 4\b/.test(err.message)) {
          timeouts++;
          return done(performance.now() - t0);
        }
        if (err) return fail(err);
        const res = method.responseDeserialize(answer!) as CheckResponse;
        if (res.status.code !== 0 || !res.okResponse?.headers.some((h) => h.header.key === 'authorization')) {
          return fail(new Error(`check not allowed: ${JSON.stringify(res.status)}`));
        }
        done(performance.now() - t0);
      });
    };

    // The first check fetches the JWKS: without a deadline, as Envoy would just retry.
    await new Promise<void>((ok, ko) => client.call(method.path, message, (err) => (err ? ko(err) : ok()), { deadline: false }));
    // Warm-up (JIT): answers late for the deadline while cold are not counted.
    const warm: Check = (done) => client.call(method.path, message, () => done(0));
    await closedLoop(warm, 2);
    const cpu0 = cpuSeconds(server.pid!);
    const own0 = process.cpuUsage();
    timeouts = 0;
    const paced = await openLoop(check, RATE, SECONDS);
    const pacedTimeouts = timeouts;
    const pacedCpu = (cpuSeconds(server.pid!) - cpu0) / SECONDS;
    const ownCpu = process.cpuUsage(own0);
    const clientCpu = (ownCpu.user + ownCpu.system) / 1e6 / SECONDS;
    const cpu1 = cpuSeconds(server.pid!);
    timeouts = 0;
    const max = await closedLoop(check, SECONDS);
    const maxTimeouts = timeouts;
    const maxCpu = (cpuSeconds(server.pid!) - cpu1) / SECONDS;
    if (emu.stats.byGrant['jwt-bearer'] !== 1) throw new Error(`expected one token mint, saw ${emu.stats.byGrant['jwt-bearer']}`);
    await client.close();

    const ms = (x: number) => `${x.toFixed(3)} ms`;
    console.log(`ext_authz gRPC Check, Warden on ${pinned ? `CPU ${SERVER_CPU} (client on CPU ${CLIENT_CPU})` : 'unpinned CPUs'}, ${SECONDS} s per run`);
    console.log(`paced  ${paced.rate.toFixed(0)} checks/s: p50 ${ms(paced.p50)}  p90 ${ms(paced.p90)}  p99 ${ms(paced.p99)}  p99.9 ${ms(paced.p999)}  max ${ms(paced.max)}  server CPU ${(pacedCpu * 100).toFixed(0)} % (${((pacedCpu * 1e6) / paced.rate).toFixed(0)} µs a check)`);
    console.log(`       client CPU ${(clientCpu * 100).toFixed(0)} %, checks sent late by p99 ${ms(paced.lateP99!)}, past the deadline ${pacedTimeouts}`);
    console.log(`max    ${max.rate.toFixed(0)} checks/s with ${INFLIGHT} in flight: p50 ${ms(max.p50)}  p99 ${ms(max.p99)}  server CPU ${(maxCpu * 100).toFixed(0)} % (${((maxCpu * 1e6) / max.rate).toFixed(0)} µs a check), past the deadline ${maxTimeouts}`);
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
  /** How late the client started checks (ms, p99): a client that cannot keep its schedule shows here. */
  lateP99?: number;
}

type Check = (done: (ms: number) => void) => void;

/** Checks answered DEADLINE_EXCEEDED (past the 200 ms Envoy allows). */
let timeouts = 0;

/** The first failed check: the loops stop and the bench fails. */
let failure: Error | undefined;
function fail(e: Error): void {
  failure ??= e;
}

function summarize(latencies: Float64Array, seconds: number): Result {
  const sorted = latencies.sort();
  return {
    rate: latencies.length / seconds,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    p999: percentile(sorted, 99.9),
    max: sorted[sorted.length - 1] ?? 0,
  };
}

/**
 * Starts checks on schedule whatever the answers do (as Envoy would), so slow
 * answers show in the tail. Latency counts from the moment a check is sent;
 * how late the client sent it is reported apart (lateP99).
 */
function openLoop(check: Check, rate: number, seconds: number): Promise<Result> {
  const total = Math.round(rate * seconds);
  const latencies = new Float64Array(total);
  const late = new Float64Array(total);
  let sent = 0;
  let answered = 0;
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const finish = () => {
      const r = summarize(latencies, (performance.now() - start) / 1000);
      r.lateP99 = percentile(late.sort(), 99);
      resolve(r);
    };
    const tick = () => {
      if (failure) return reject(failure);
      const now = performance.now();
      const due = Math.min(total, Math.floor(((now - start) / 1000) * rate) + 1);
      for (; sent < due; sent++) {
        late[sent] = now - (start + (sent * 1000) / rate);
        const i = sent;
        check((ms) => {
          latencies[i] = ms;
          if (++answered === total) finish();
        });
      }
      if (sent < total) setTimeout(tick, 1);
      else if (answered < total) setTimeout(() => failure && reject(failure), 5_000).unref();
    };
    tick();
  });
}

/** INFLIGHT checks always outstanding: how many round trips per second Warden answers. */
function closedLoop(check: Check, seconds: number): Promise<Result> {
  const latencies: number[] = [];
  const start = performance.now();
  const end = start + seconds * 1000;
  return new Promise((resolve, reject) => {
    let running = INFLIGHT;
    const next = (ms?: number) => {
      if (ms !== undefined) latencies.push(ms);
      if (failure) return reject(failure);
      if (performance.now() < end) return check(next);
      if (--running === 0) resolve(summarize(Float64Array.from(latencies), (performance.now() - start) / 1000));
    };
    for (let i = 0; i < INFLIGHT; i++) check(next);
  });
}

async function connectWithin(url: string, ms: number): ReturnType<typeof grpcClient> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      return await grpcClient(url);
    } catch (e) {
      if (Date.now() > end) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/**
 * A minimal unary gRPC client over one HTTP/2 connection, as Envoy's is: the
 * request message is framed once, the answer's message bytes are handed back
 * with grpc-status checked. grpc-js's own client costs several times as much
 * CPU and garbage per call, and its GC pauses showed in the measured tail.
 */
async function grpcClient(url: string): Promise<{ call(path: string, message: Buffer, cb: (err: Error | null, answer?: Buffer) => void, o?: { deadline: boolean }): void; close(): Promise<void> }> {
  // Room for a backlog when Warden falls behind (Node's default, 10 MB, refuses streams with ENHANCE_YOUR_CALM).
  const session = connect(url, { maxSessionMemory: 1000 });
  await new Promise<void>((ok, ko) => {
    session.once('connect', () => ok());
    session.once('error', ko);
  });
  session.on('error', (e) => fail(e));
  return {
    call(path, message, cb, o = { deadline: true }) {
      const frame = Buffer.allocUnsafe(5 + message.length);
      frame[0] = 0;
      frame.writeUInt32BE(message.length, 1);
      message.copy(frame, 5);
      // Istio's ext_authz provider timeout is 0.2 s: Envoy sends it as the deadline.
      const headers: Record<string, string> = { ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers' };
      if (o.deadline) headers['grpc-timeout'] = '200m';
      const stream = session.request(headers);
      const chunks: Buffer[] = [];
      let grpcStatus: string | undefined;
      let grpcMessage: string | undefined;
      const status = (h: IncomingHttpHeaders) => {
        grpcStatus = (h['grpc-status'] as string | undefined) ?? grpcStatus;
        grpcMessage = (h['grpc-message'] as string | undefined) ?? grpcMessage;
      };
      stream.on('response', status); // a trailers-only answer (an error) has them here
      stream.on('trailers', status);
      stream.on('data', (d: Buffer) => chunks.push(d));
      stream.on('error', (e) => cb(e));
      stream.on('end', () => {
        if (grpcStatus !== '0') return cb(new Error(`grpc-status ${grpcStatus}: ${grpcMessage ?? ''}`));
        const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
        cb(null, body.subarray(5, 5 + body.readUInt32BE(1)));
      });
      stream.end(frame);
    },
    close: () => new Promise<void>((ok) => session.close(() => ok())),
  };
}

await main();
