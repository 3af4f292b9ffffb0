// What the credential stage costs: the same small POST through two Warden
// processes that differ only in the route's upstream credential — a Google
// service-account key (JWT-bearer grant at the emulator's token endpoint,
// then the token cache) versus a static bearer file — in interleaved rounds
// of one run, reported as a ratio. With the cache the difference should be
// noise; the run also counts the Google mints (one expected).
//
//   node --import tsx bench/credentials.ts      (BENCH_ROUNDS 3, BENCH_SECONDS 5, BENCH_WARMUP_SECONDS 2, BENCH_CONNECTIONS 50)
//
// Warden runs pinned to CPU 0 (one process loaded at a time); the upstream
// (bench/upstream.ts) and the load generator (bench/lib/load.ts) share CPU 1.
// No caller authentication, no policy: only the credential differs.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '../src/emulator/index.js';
import type { LoadResult, LoadSpec } from './lib/load.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const PATH = '/v1/projects/bench/locations/us-central1/publishers/google/models/gemini-2.0-flash:generateContent';
const BODY = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Hello, Warden' }] }] });

const pinning = spawnSync('taskset', ['-c', '0,1', 'true']).status === 0;
const pinned = (cpu: number, argv: string[]): [string, string[]] => (pinning ? ['taskset', ['-c', String(cpu), ...argv]] : [argv[0]!, argv.slice(1)]);
const tsx = (file: string, ...args: string[]) => [process.execPath, '--import', 'tsx', join(ROOT, file), ...args];
const children: ChildProcess[] = [];

function startListening(cpu: number, argv: string[]): Promise<string> {
  const [cmd, args] = pinned(cpu, argv);
  const proc = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(proc);
  return new Promise((res, rej) => {
    let out = '';
    proc.once('exit', (code) => rej(new Error(`${argv.join(' ')} exited (${code})`)));
    proc.stdout!.on('data', (d: Buffer) => {
      const m = /listening (http:\/\/\S+)/.exec((out += d));
      if (!m) return;
      proc.removeAllListeners('exit');
      proc.stdout!.removeAllListeners('data').resume();
      res(m[1]!);
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

async function startWarden(dir: string, name: string, upstream: string, credential: string): Promise<string> {
  const port = await freePort();
  const admin = await freePort();
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: bench-${name}}
spec:
  listen: {host: 127.0.0.1, port: ${port}}
  admin: {host: 127.0.0.1, port: ${admin}}
  routes: [{name: vertex, provider: vertex, upstream: "${upstream}", credential: upstream}]
  credentials: [{name: upstream, ${credential}}]
`);
  const [cmd, args] = pinned(0, [process.execPath, join(ROOT, 'bin/warden.js'), 'start', '-c', file]);
  const proc = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(proc);
  for (let i = 0; i < 300; i++) {
    if (proc.exitCode !== null) throw new Error(`warden ${name} exited (${proc.exitCode})`);
    if (await fetch(`http://127.0.0.1:${admin}/readyz`).then((r) => r.ok, () => false)) return `http://127.0.0.1:${port}`;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`warden ${name} never became ready`);
}

function load(spec: LoadSpec): Promise<LoadResult> {
  const [cmd, args] = pinned(1, tsx('bench/lib/load.ts', JSON.stringify(spec)));
  return new Promise((res, rej) => {
    const proc = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => (out += d));
    proc.once('exit', (code) => (code === 0 ? res(JSON.parse(out.trim().split('\n').pop()!) as LoadResult) : rej(new Error(`load generator exited ${code}`))));
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-bench-credentials-'));
  const emu = await startEmulator({ port: 0 });
  try {
    const files = await emu.writeCredentials(dir);
    writeFileSync(join(dir, 'static-token.txt'), 'bench-upstream-token\n');
    const upstream = await startListening(1, tsx('bench/upstream.ts'));
    const arms = [
      { name: 'static bearer file', url: await startWarden(dir, 'static', upstream, 'bearer: {file: ./static-token.txt}'), runs: [] as number[] },
      { name: 'service account', url: await startWarden(dir, 'google', upstream, `google: {file: "${files.serviceAccount}"}`), runs: [] as number[] },
    ];
    const headers = { 'content-type': 'application/json' };
    for (const a of arms) {
      const res = await fetch(a.url + PATH, { method: 'POST', headers, body: BODY });
      if (res.status !== 200) throw new Error(`${a.name}: ${res.status} ${await res.text()}`);
    }
    const measure = async (a: (typeof arms)[number], seconds: number) => {
      const r = await load({ url: a.url + PATH, headers, body: BODY, connections: CONNECTIONS, duration: seconds });
      if (r.non2xx || r.errors) throw new Error(`${a.name}: ${r.non2xx} non-2xx and ${r.errors} errors under load`);
      return r.rps;
    };

    console.log(`credentials bench: ${ROUNDS} rounds × ${arms.length} arms × ${SECONDS} s, ${CONNECTIONS} connections; ${pinning ? 'Warden on CPU 0, upstream and load on CPU 1' : 'not pinned'}`);
    for (const a of arms) await measure(a, WARMUP);
    for (let r = 0; r < ROUNDS; r++) {
      for (let i = 0; i < arms.length; i++) {
        const a = arms[(i + r) % arms.length]!;
        const rps = await measure(a, SECONDS);
        a.runs.push(rps);
        console.log(`  round ${r + 1}  ${a.name.padEnd(18)} ${fmt(rps).padStart(7)} req/s`);
      }
    }
    const [fixed, google] = arms.map((a) => median(a.runs));
    const mints = emu.stats.byGrant['jwt-bearer'] ?? 0;
    console.log(`\nmedians: static bearer ${fmt(fixed!)} req/s, service account ${fmt(google!)} req/s`);
    console.log(`service account / static bearer: ${(google! / fixed!).toFixed(3)}× requests/s`);
    console.log(`Google token mints during the whole run: ${mints} (expected 1)`);
    if (mints !== 1) throw new Error(`expected exactly one mint, saw ${mints}`);
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    await Promise.all(children.map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((r) => c.once('exit', r)))));
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
