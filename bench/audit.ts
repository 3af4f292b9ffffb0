// Requests/s through Warden with the SQLite audit on versus off, in one run.
// Two gateways (`warden start`, one per config) take turns under the same
// load: interleaved rounds, medians, and the ratio — run-to-run noise here is
// ~15%, so only the ratio within one run means anything.
//
//   node --import tsx bench/audit.ts [--seconds 5] [--rounds 3] [--connections 32]
//
// With `taskset` present, the gateway under test runs on CPU 0 and the load
// generator and stub upstream share CPU 1.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, rounds: { type: 'string', default: '3' }, connections: { type: 'string', default: '32' } } });
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

function launch(cpu: string, args: string[]): Promise<{ proc: ChildProcess; url: string }> {
  const cmd = pinned ? 'taskset' : process.execPath;
  const proc = spawn(cmd, pinned ? ['-c', cpu, process.execPath, ...args] : args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, WARDEN_LOG_LEVEL: 'warn' } });
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

function config(upstream: string, audit: string): string {
  return `apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: bench}
spec:
  listen: {host: 127.0.0.1, port: 0}
  admin: {host: 127.0.0.1, port: 0}
  routes:
    - {name: vertex, provider: vertex, upstream: "${upstream}"}
${audit}`;
}

async function load(url: string, seconds: number): Promise<number> {
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
  return rate;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const dir = mkdtempSync(join(tmpdir(), 'warden-bench-audit-'));
const procs: ChildProcess[] = [];
try {
  const stub = await launch('1', ['-e', STUB]);
  procs.push(stub.proc);
  writeFileSync(join(dir, 'audit.key'), 'bench-audit-key-'.repeat(4));
  writeFileSync(join(dir, 'on.yaml'), config(stub.url, '  audit: {sqlite: ./audit.db, hmacKeyFile: ./audit.key}\n'));
  writeFileSync(join(dir, 'off.yaml'), config(stub.url, ''));
  const gateways = { on: '', off: '' };
  for (const k of ['on', 'off'] as const) {
    const gw = await launch('0', ['bin/warden.js', 'start', '-c', join(dir, `${k}.yaml`)]);
    procs.push(gw.proc);
    gateways[k] = gw.url;
    await load(gw.url, 2); // warm-up: JIT, connections, first token paths
  }
  const rates = { on: [] as number[], off: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const k of round % 2 ? (['off', 'on'] as const) : (['on', 'off'] as const)) rates[k].push(await load(gateways[k], SECONDS));
  }
  const on = median(rates.on);
  const off = median(rates.off);
  console.log(`audit off: ${off.toFixed(0)} req/s  (rounds: ${rates.off.map((r) => r.toFixed(0)).join(', ')})`);
  console.log(`audit on:  ${on.toFixed(0)} req/s  (rounds: ${rates.on.map((r) => r.toFixed(0)).join(', ')})`);
  console.log(`on/off = ${(on / off).toFixed(3)} (${((1 - on / off) * 100).toFixed(1)}% slower with the SQLite audit${pinned ? '; gateway pinned to CPU 0' : ''})`);
} finally {
  for (const p of procs) p.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
  rmSync(dir, { recursive: true, force: true });
}
