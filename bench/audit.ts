// Requests/s through Warden with the SQLite audit on versus off, in one run.
// Two gateways (`warden start`, one per config) take turns under the same
// load: interleaved rounds, medians, and the ratio — run-to-run noise here is
// ~15%, so only the ratio within one run means anything.
//
//   node --import tsx bench/audit.ts [--config demo|bare] [--seconds 5] [--rounds 3] [--connections 32] [--warmup 5] [--pin process|thread] [--cpu-prof DIR]
//
// --config demo (default): the gateway `npm start` runs (src/cli/demo.ts),
// with and without its SQLite audit — each request's bearer JWT verified
// (RS256, cached), the demo's AuthorizationPolicies, a Google access token
// minted once from the emulator and cached, an access log line per request
// (to /dev/null). --config bare: one route with a static bearer credential,
// no authentication, no policy, logs at warn (no access lines): the cheapest
// request there is, so the one the audit adds most to.
//
// Besides requests/s it reports the gateways' CPU time per request (user +
// system, all threads, from /proc), which a busy machine disturbs much less
// than the rate.
//
// The load generator is h2load --h1 (nghttp2-client: C, a fraction of a core)
// when installed, else an undici loop in this process (a whole core).
//
// With `taskset` present, the load generator and stub upstream share CPU 1,
// and the gateways get CPU 0:
//   --pin process  every thread of each gateway on CPU 0 (default): all the
//                  CPU the audit costs, SQLite's thread included, comes out
//                  of the one core that answers requests;
//   --pin thread   each gateway's main thread on CPU 0, its other threads
//                  (V8's GC and compiler helpers, the SQLite audit thread,
//                  all made before the main thread is moved) on CPU 1 with
//                  the load generator and the stub: a pod with more than one
//                  CPU, whose second one is busy too.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { makeTempDir, removeDir } from '../test/helpers/tmp.js';
import { demoConfig } from '../src/cli/demo.js';
import { startEmulator } from '../src/emulator/index.js';
import { benchConfig, PROMPT_BODY as BODY } from './lib/config.js';
import { cpus, cpuSeconds, pinning, pinThread, repin } from './lib/cpu.js';
import { h2load, installed, NGHTTP2_PACKAGES } from './lib/h2load.js';
import { freePort, startUpstream, startWarden, stopAll } from './lib/procs.js';
import { median } from './lib/stats.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '32' },
    config: { type: 'string', default: 'demo' },
    pin: { type: 'string', default: 'process' },
    warmup: { type: 'string', default: '5' },
    'cpu-prof': { type: 'string' },
  },
});
if (values.pin !== 'process' && values.pin !== 'thread') throw new Error(`--pin process|thread, not ${values.pin}`);
const PIN_THREAD = values.pin === 'thread';
if (values.config !== 'demo' && values.config !== 'bare') throw new Error(`--config demo|bare, not ${values.config}`);
const DEMO = values.config === 'demo';
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const CONNECTIONS = Number(values.connections);
const PATH = '/v1/projects/emulator-project/locations/us-central1/publishers/google/models/gemini-2.0-flash:generateContent';
const [GATEWAY_CPU, OTHER_CPU] = [cpus[0], cpus[1]];

/** The gateway's config: the demo's or the bare one, with the SQLite audit or without. */
function gatewayConfig(audit: boolean, port: number, adminPort: number, upstream: string): string {
  if (!DEMO) {
    const spec = audit ? '  audit: {sqlite: ./audit.db, hmacKeyFile: ./audit.key}\n' : '';
    return benchConfig({ name: 'bench', port, adminPort, upstream, credential: 'bearer: {file: ./token.txt}', spec });
  }
  const config = demoConfig({ port, adminPort, emulatorUrl: upstream, issuer: emu!.issuer, audience: 'warden' });
  const line = '  audit: {sqlite: ./audit.db}\n';
  if (!config.includes(line)) throw new Error('the demo config has no audit line to replace');
  return config.replace(line, audit ? '  audit: {sqlite: ./audit.db, hmacKeyFile: ./audit.key}\n' : '');
}

/** The load generator: h2load (C) when installed, else undici in this process. */
const H2LOAD = installed('h2load');
const bodyFile = (dir: string) => join(dir, 'body.json');

/**
 * CONNECTIONS HTTP/1.1 connections, one request in flight on each, for
 * `seconds`; every answer must be 200. h2load leaves most of CPU 1 free, where
 * a gateway's other threads (the audit's among them, with --pin thread) can
 * run; the undici loop takes all of it.
 */
async function load(url: string, seconds: number, dir: string, headers: Record<string, string>): Promise<{ rate: number; done: number }> {
  if (H2LOAD) {
    const h = Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
    const args = ['--h1', '-c', String(CONNECTIONS), '-m', '1', '-D', String(seconds), '-d', bodyFile(dir), ...h, url + PATH];
    const { counts } = await h2load(OTHER_CPU, args);
    if (counts.failed || counts.errored || counts.succeeded !== counts.done) throw new Error(`h2load against ${url}: ${JSON.stringify(counts)}`);
    return { rate: counts.succeeded / seconds, done: counts.succeeded };
  }
  const pool = new Pool(url, { connections: CONNECTIONS });
  const deadline = performance.now() + seconds * 1000;
  let done = 0;
  const worker = async () => {
    while (performance.now() < deadline) {
      const { statusCode, body } = await pool.request({ method: 'POST', path: PATH, headers, body: BODY });
      await body.dump();
      if (statusCode !== 200) throw new Error(`status ${statusCode}`);
      done++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  const rate = done / ((performance.now() - started) / 1000);
  await pool.close();
  return { rate, done };
}

// The load generator is this process: on CPU 1 with the stub, off the gateways' core.
repin(process.pid, OTHER_CPU);
const dir = makeTempDir('warden-bench-audit-');
// --config demo: the emulator in this process is the dev issuer (JWKS) and the token endpoint of the one mint.
const emu = DEMO ? await startEmulator({ port: 0 }) : undefined;
try {
  const stub = await startUpstream(OTHER_CPU);
  writeFileSync(join(dir, 'audit.key'), 'bench-audit-key-'.repeat(4));
  writeFileSync(bodyFile(dir), BODY);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (emu) {
    await emu.writeCredentials(join(dir, 'credentials'));
    headers.authorization = `Bearer ${await emu.mintIdToken({ sub: 'alice', groups: ['ml-engineers'], aud: 'warden', ttlSeconds: 3600 })}`;
  } else {
    // The stub upstream wants a bearer token: both gateways send the same static one.
    writeFileSync(join(dir, 'token.txt'), 'bench-token\n');
  }
  const gateways = { on: '', off: '' };
  const pids = { on: 0, off: 0 };
  for (const k of ['on', 'off'] as const) {
    const [port, adminPort] = [await freePort(), await freePort()];
    writeFileSync(join(dir, `${k}.yaml`), gatewayConfig(k === 'on', port, adminPort, stub.url));
    const prof = values['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', join(values['cpu-prof'], k)] : [];
    // demo: an access line per request, as deployed, to /dev/null; bare: logs at warn, no access lines.
    const output = DEMO ? {} : { stdio: 'inherit' as const, env: { ...process.env, WARDEN_LOG_LEVEL: 'warn' } };
    const proc = await startWarden(PIN_THREAD ? undefined : GATEWAY_CPU, join(dir, `${k}.yaml`), `http://127.0.0.1:${adminPort}/readyz`, { nodeArgs: prof, ...output });
    // Started on this process's CPU (1) and ready: the threads it has made so far (the audit thread
    // among them: it opens the store at start) stay there, the main thread goes to CPU 0.
    if (PIN_THREAD) pinThread(proc.pid!, GATEWAY_CPU);
    pids[k] = proc.pid!;
    gateways[k] = `http://127.0.0.1:${port}`;
    await load(gateways[k], Number(values.warmup), dir, headers); // warm-up: JIT (the first seconds run ~50% dearer), connections
  }
  const rates = { on: [] as number[], off: [] as number[] };
  /** Gateway CPU microseconds per request, per round: all threads, and the main thread alone. */
  const cpu = { on: [] as number[], off: [] as number[] };
  const mainCpu = { on: [] as number[], off: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const k of round % 2 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
      const before = cpuSeconds(pids[k]);
      const mainBefore = cpuSeconds(pids[k], pids[k]);
      const { rate, done } = await load(gateways[k], SECONDS, dir, headers);
      // The SQLite writer may still be storing the round's last batch: give it a moment before reading the clock.
      await new Promise((r) => setTimeout(r, 100));
      const after = cpuSeconds(pids[k]);
      const mainAfter = cpuSeconds(pids[k], pids[k]);
      rates[k].push(rate);
      if (!Number.isNaN(before) && !Number.isNaN(after)) {
        cpu[k].push(((after - before) * 1e6) / done);
        mainCpu[k].push(((mainAfter - mainBefore) * 1e6) / done);
      }
    }
  }
  const on = median(rates.on);
  const off = median(rates.off);
  const list = (xs: number[]) => xs.map((r) => r.toFixed(0)).join(', ');
  console.log(`load: ${H2LOAD ? 'h2load --h1' : `undici in the bench process (h2load is not installed: ${NGHTTP2_PACKAGES})`}, ${CONNECTIONS} connections, on CPU ${OTHER_CPU} with the stub upstream`);
  console.log(`audit off: ${off.toFixed(0)} req/s  (rounds: ${list(rates.off)})`);
  console.log(`audit on:  ${on.toFixed(0)} req/s  (rounds: ${list(rates.on)})`);
  console.log(`on/off = ${(on / off).toFixed(3)} (${((1 - on / off) * 100).toFixed(1)}% slower with the SQLite audit${pinning ? `; gateway ${PIN_THREAD ? 'main thread' : 'process'} pinned to CPU ${GATEWAY_CPU}` : ''})`);
  // Each round's two runs are adjacent in time: their ratio is not moved by what the machine did between rounds.
  const paired = rates.on.map((r, i) => r / rates.off[i]!);
  console.log(`on/off of each round: ${paired.map((r) => r.toFixed(3)).join(', ')}; median ${median(paired).toFixed(3)}`);
  if (cpu.on.length && cpu.off.length) {
    const cOn = median(cpu.on);
    const cOff = median(cpu.off);
    console.log(`gateway CPU per request: off ${cOff.toFixed(0)} µs (rounds: ${list(cpu.off)}), on ${cOn.toFixed(0)} µs (rounds: ${list(cpu.on)})`);
    console.log(`CPU per request on/off = ${(cOn / cOff).toFixed(3)} (the audit costs ${(cOn - cOff).toFixed(0)} µs per request)`);
    const [mOn, mOff] = [median(mainCpu.on), median(mainCpu.off)];
    console.log(`main thread alone (the one answering requests): off ${mOff.toFixed(0)} µs, on ${mOn.toFixed(0)} µs per request = ${(mOn / mOff).toFixed(3)} (the audit costs it ${(mOn - mOff).toFixed(0)} µs)`);
  }
  if (emu && emu.stats.byGrant['jwt-bearer'] !== 2) throw new Error(`each gateway should have minted one Google token, not ${emu.stats.byGrant['jwt-bearer']} in all`);
} finally {
  await stopAll();
  await emu?.close();
  removeDir(dir);
}
