// Requests/s through Warden with the SQLite audit on versus off, in one run.
// Two gateways (`warden start`, one per config) take turns under the same
// load: interleaved rounds, medians, and the ratio — run-to-run noise here is
// ~15%, so only the ratio within one run means anything.
//
//   node --import tsx bench/audit.ts [--seconds 5] [--rounds 3] [--connections 32] [--cpu-prof DIR]
//
// Besides requests/s it reports the gateways' CPU time per request (user +
// system, from /proc), which a busy machine disturbs much less than the rate.
//
// With `taskset` present, the gateway under test runs on CPU 0 and the load
// generator and stub upstream share CPU 1.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '5' }, rounds: { type: 'string', default: '3' }, connections: { type: 'string', default: '32' }, 'cpu-prof': { type: 'string' } },
});
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const CONNECTIONS = Number(values.connections);
const PATH = '/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.0-flash:generateContent';
const BODY = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Hello, Warden' }] }] });
const pinned = spawnSync('taskset', ['-V']).status === 0;

const STUB = `require('node:http').createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const body = '{"candidates":[{"content":{"role":"model","parts":[{"text":"hi"}]}}],"usageMetadata":{"promptTokenCount":4,"candidatesTokenCount":1,"totalTokenCount":5}}';
    res.writeHead(200, {'content-type': 'application/json', 'content-length': Buffer.byteLength(body)}).end(body);
  });
}).listen(0, '127.0.0.1', function () { console.log(JSON.stringify({url: 'http://127.0.0.1:' + this.address().port})); });`;

/** Starts a process and resolves with the URL it prints as JSON (`{"url": …}`). */
function launch(cpu: string, args: string[]): Promise<{ proc: ChildProcess; url: string }> {
  const cmd = pinned ? 'taskset' : process.execPath;
  const proc = spawn(cmd, pinned ? ['-c', cpu, process.execPath, ...args] : args, { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d;
      const m = /"url":"(http:\/\/[^"]+)"/.exec(out);
      if (m) resolve({ proc, url: m[1] });
    });
    proc.once('exit', (code) => reject(new Error(`${args.join(' ')} exited (${code}): ${out}`)));
  });
}

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function waitListening(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`${url} never answered`);
}

function config(port: number, upstream: string, audit: string): string {
  return `apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: bench}
spec:
  listen: {host: 127.0.0.1, port: ${port}}
  admin: {host: 127.0.0.1, port: 0}
  routes:
    - {name: vertex, provider: vertex, upstream: "${upstream}"}
${audit}`;
}

/** CPU seconds (user + system) a process has used so far; undefined where /proc is missing. */
function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return undefined;
  }
}

async function load(url: string, seconds: number): Promise<{ rate: number; done: number }> {
  const pool = new Pool(url, { connections: CONNECTIONS });
  const deadline = performance.now() + seconds * 1000;
  let done = 0;
  const worker = async () => {
    while (performance.now() < deadline) {
      const { statusCode, body } = await pool.request({ method: 'POST', path: PATH, headers: { 'content-type': 'application/json' }, body: BODY });
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

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const dir = mkdtempSync(join(tmpdir(), 'warden-bench-audit-'));
const procs: ChildProcess[] = [];
try {
  const stub = await launch('1', ['-e', STUB]);
  procs.push(stub.proc);
  writeFileSync(join(dir, 'audit.key'), 'bench-audit-key-'.repeat(4));
  const gateways = { on: '', off: '' };
  const pids = { on: 0, off: 0 };
  for (const k of ['on', 'off'] as const) {
    const port = await freePort();
    writeFileSync(join(dir, `${k}.yaml`), config(port, stub.url, k === 'on' ? '  audit: {sqlite: ./audit.db, hmacKeyFile: ./audit.key}\n' : ''));
    // Logs at warn: the bench measures the gateway, not a pipe full of access lines.
    const cmd = pinned ? 'taskset' : process.execPath;
    const prof = values['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', join(values['cpu-prof'], k)] : [];
    const args = [...prof, 'bin/warden.js', 'start', '-c', join(dir, `${k}.yaml`)];
    const proc = spawn(cmd, pinned ? ['-c', '0', process.execPath, ...args] : args, { stdio: 'inherit', env: { ...process.env, WARDEN_LOG_LEVEL: 'warn' } });
    procs.push(proc);
    pids[k] = proc.pid!;
    gateways[k] = `http://127.0.0.1:${port}`;
    await waitListening(gateways[k]);
    await load(gateways[k], 2); // warm-up: JIT, connections
  }
  const rates = { on: [] as number[], off: [] as number[] };
  /** Gateway CPU microseconds per request, per round. */
  const cpu = { on: [] as number[], off: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const k of round % 2 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
      const before = cpuSeconds(pids[k]);
      const { rate, done } = await load(gateways[k], SECONDS);
      // The SQLite writer may still be storing the round's last batch: give it a moment before reading the clock.
      await new Promise((r) => setTimeout(r, 100));
      const after = cpuSeconds(pids[k]);
      rates[k].push(rate);
      if (before !== undefined && after !== undefined) cpu[k].push(((after - before) * 1e6) / done);
    }
  }
  const on = median(rates.on);
  const off = median(rates.off);
  const list = (xs: number[]) => xs.map((r) => r.toFixed(0)).join(', ');
  console.log(`audit off: ${off.toFixed(0)} req/s  (rounds: ${list(rates.off)})`);
  console.log(`audit on:  ${on.toFixed(0)} req/s  (rounds: ${list(rates.on)})`);
  console.log(`on/off = ${(on / off).toFixed(3)} (${((1 - on / off) * 100).toFixed(1)}% slower with the SQLite audit${pinned ? '; gateway pinned to CPU 0' : ''})`);
  if (cpu.on.length && cpu.off.length) {
    const cOn = median(cpu.on);
    const cOff = median(cpu.off);
    console.log(`gateway CPU per request: off ${cOff.toFixed(0)} µs (rounds: ${list(cpu.off)}), on ${cOn.toFixed(0)} µs (rounds: ${list(cpu.on)})`);
    console.log(`CPU per request on/off = ${(cOn / cOff).toFixed(3)} (the audit costs ${(cOn - cOff).toFixed(0)} µs per request)`);
  }
} finally {
  for (const p of procs) p.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
  rmSync(dir, { recursive: true, force: true });
}
