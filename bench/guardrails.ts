// Guardrails and quotas, what they cost:
//   1. guard(request)'s CPU time per call on 1, 10 and 100 KiB prompts with a
//      few planted values (redact everything; the injection classifier with its
//      normalization included), against JSON.parse + stringify of the same
//      body as the yardstick, as a ratio; the target is under 0.5 ms per 10 KiB;
//   2. requests/s through `warden start` with guardrails (request and
//      response redaction) and an in-memory quota on, versus the same
//      gateway with both off, interleaved rounds in one run, as a ratio.
//
//   node --import tsx bench/guardrails.ts       (BENCH_ROUNDS 3, BENCH_SECONDS 5, BENCH_CONNECTIONS 50)
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Guardrails } from '../src/guardrails/guard.js';
import { makeTempDir, removeDir } from '../test/helpers/tmp.js';
import { benchConfig } from './lib/config.js';
import type { LoadResult } from './lib/load.js';
import { runLoad, startListening, startUpstream, stopAll, tsx } from './lib/procs.js';
import { knob, median } from './lib/stats.js';

const ROUNDS = knob('BENCH_ROUNDS', 3);
const SECONDS = knob('BENCH_SECONDS', 5);
const CONNECTIONS = knob('BENCH_CONNECTIONS', 50);

// ---------------------------------------------------------------- 1. cost per KB

const PROSE = 'The quarterly review covers revenue, hiring and the roadmap for the next two releases, with notes from each team. ';
const PLANTED = ['write to alice@example.com', 'card 4111 1111 1111 1111', 'key AKIAIOSFODNN7EXAMPLE', 'call +1 415 555 2671'];

function prompt(kb: number): string {
  let s = '';
  let i = 0;
  while (s.length < kb * 1024) s += i++ % 8 === 0 ? `${PLANTED[(i >> 3) % PLANTED.length]}. ` : PROSE;
  return s.slice(0, kb * 1024);
}

/**
 * CPU time per call (process.cpuUsage: user + system of this process), not wall time: the machine
 * may be shared, and a call's wall time then counts other processes' turns. Each guard call is
 * awaited (guard(request) is async: the external guardrails' hook). The yardstick runs in the same
 * rounds, interleaved, so that both see the same CPU frequency and caches.
 */
function cpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

async function perKb(): Promise<{ kb: number; usPerCall: number; baseUsPerCall: number; ratio: number }[]> {
  const g = new Guardrails(
    { request: { pii: 'redact', secret: 'redact', injection: 'flag', custom: 'flag' }, response: {}, rules: [], detectors: [], injection: { threshold: 0.5 }, streamWindow: 64 },
    [],
    (p, m) => {
      throw new Error(`${p.join('.')}: ${m}`);
    },
  );
  const out = [];
  for (const kb of [1, 10, 100]) {
    const body = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: prompt(kb) }] }] });
    const n = Math.max(20, Math.round(2000 / kb));
    const guard = () => g.session({ route: 'r', principal: { groups: [], methods: [] } }).request(JSON.parse(body));
    const yardstick = () => JSON.stringify(JSON.parse(body));
    for (let i = 0; i < Math.min(n, 50); i++) {
      await guard();
      yardstick();
    }
    const rounds = { guard: [] as number[], base: [] as number[] };
    for (let r = 0; r < 5; r++) {
      let t0 = cpuUs();
      for (let i = 0; i < n; i++) await guard();
      rounds.guard.push((cpuUs() - t0) / n);
      t0 = cpuUs();
      for (let i = 0; i < n; i++) yardstick();
      rounds.base.push((cpuUs() - t0) / n);
    }
    const usPerCall = median(rounds.guard);
    const baseUsPerCall = median(rounds.base);
    out.push({ kb, usPerCall, baseUsPerCall, ratio: usPerCall / baseUsPerCall });
  }
  return out;
}

// ---------------------------------------------------------------- 2. requests/s on vs off

// Unpinned: the gateways, the upstream and the load generator share the machine's cores.
function load(url: string): Promise<LoadResult> {
  return runLoad(undefined, {
    url,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Hello, Warden. Please summarise the attached notes for alice@example.com.' }] }] }),
    connections: CONNECTIONS,
    duration: SECONDS,
  });
}

async function onVsOff(): Promise<{ off: number[]; on: number[] }> {
  const dir = makeTempDir('warden-bench-guard-');
  try {
    const upstream = (await startUpstream(undefined)).url;
    writeFileSync(join(dir, 'token.txt'), 'bench-token\n');
    const base = benchConfig({ name: 'bench', upstream, credential: 'bearer: {file: ./token.txt}' });
    const on = `${base}  guardrails:
    request: {pii: redact, secret: block, injection: block}
    response: {pii: redact, secret: redact}
  limits:
    rules:
      - {name: per-caller, by: [principal, model], requests: {limit: 100000000, per: 1h}, tokens: {limit: 1000000000, per: 1h}}
`;
    writeFileSync(join(dir, 'off.yaml'), base);
    writeFileSync(join(dir, 'on.yaml'), on);
    const urls: Record<'off' | 'on', string> = { off: '', on: '' };
    for (const k of ['off', 'on'] as const) {
      const w = await startListening(undefined, tsx('bench/guardrails-gateway.ts', join(dir, `${k}.yaml`)));
      urls[k] = w.url + '/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.0-flash:generateContent';
    }
    const rps = { off: [] as number[], on: [] as number[] };
    for (const k of ['off', 'on'] as const) await load(urls[k]); // warm-up
    for (let r = 0; r < ROUNDS; r++) {
      for (const k of (r % 2 ? ['on', 'off'] : ['off', 'on']) as ('on' | 'off')[]) {
        const res = await load(urls[k]);
        if (res.non2xx || res.errors) throw new Error(`${k}: ${res.non2xx} non-2xx, ${res.errors} errors`);
        rps[k].push(res.rps);
      }
    }
    return rps;
  } finally {
    await stopAll();
    removeDir(dir);
  }
}

const costs = await perKb();
console.log('guard(request) CPU time per call (process.cpuUsage, median of 5 rounds), redacting PII and secrets, injection classifier (normalization included):');
for (const c of costs) {
  const per10 = (c.usPerCall / c.kb) * 10 / 1000;
  console.log(`  ${String(c.kb).padStart(3)} KiB prompt: ${c.usPerCall.toFixed(0)} µs CPU = ${per10.toFixed(3)} ms per 10 KiB (target < 0.5)  ${c.ratio.toFixed(1)}× JSON.parse+stringify of the body (${c.baseUsPerCall.toFixed(0)} µs)`);
}
if (process.env['BENCH_COST_ONLY']) process.exit(0);
const { off, on } = await onVsOff();
console.log(`\nrequests/s through warden, ${ROUNDS} interleaved rounds of ${SECONDS}s, ${CONNECTIONS} connections:`);
console.log(`  guardrails+quotas off: ${median(off).toFixed(0)} req/s   (${off.map((x) => x.toFixed(0)).join(', ')})`);
console.log(`  guardrails+quotas on:  ${median(on).toFixed(0)} req/s   (${on.map((x) => x.toFixed(0)).join(', ')})`);
console.log(`  on/off: ${(median(on) / median(off)).toFixed(2)}`);
