// Guardrails and quotas, what they cost:
//   1. guard(request) per KB of prompt (1, 10 and 100 KB prompts with a few
//      planted values; redact everything; the injection classifier with its
//      normalization included), against JSON.parse + stringify of the same
//      body as the yardstick; the target is under 0.5 ms per 10 KiB;
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

function perKb(): { kb: number; usPerKb: number; ratio: number }[] {
  const g = new Guardrails(
    { request: { pii: 'redact', secret: 'redact', injection: 'flag', custom: 'flag' }, response: {}, rules: [], detectors: [], injection: { threshold: 0.5 }, streamWindow: 64 },
    [],
    (p, m) => {
      throw new Error(`${p.join('.')}: ${m}`);
    },
  );
  return [1, 10, 100].map((kb) => {
    const body = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: prompt(kb) }] }] });
    const n = Math.max(20, Math.round(4000 / kb));
    const time = (fn: () => unknown) => {
      for (let i = 0; i < Math.min(n, 50); i++) fn();
      const t0 = performance.now();
      for (let i = 0; i < n; i++) fn();
      return (performance.now() - t0) / n;
    };
    let pending: Promise<unknown> | undefined;
    const guard = time(() => {
      pending = g.session({ route: 'r', principal: { groups: [], methods: [] } }).request(JSON.parse(body));
    });
    void pending;
    const yardstick = time(() => JSON.stringify(JSON.parse(body)));
    return { kb, usPerKb: (guard * 1000) / kb, ratio: guard / yardstick };
  });
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

const costs = perKb();
console.log('guard(request) cost, redacting PII and secrets, injection classifier (normalization included):');
for (const c of costs) console.log(`  ${String(c.kb).padStart(3)} KB prompt: ${c.usPerKb.toFixed(1)} µs/KB = ${((c.usPerKb * 10) / 1000).toFixed(3)} ms per 10 KiB  (${c.ratio.toFixed(1)}× JSON.parse+stringify of the body)`);
if (process.env['BENCH_COST_ONLY']) process.exit(0);
const { off, on } = await onVsOff();
console.log(`\nrequests/s through warden, ${ROUNDS} interleaved rounds of ${SECONDS}s, ${CONNECTIONS} connections:`);
console.log(`  guardrails+quotas off: ${median(off).toFixed(0)} req/s   (${off.map((x) => x.toFixed(0)).join(', ')})`);
console.log(`  guardrails+quotas on:  ${median(on).toFixed(0)} req/s   (${on.map((x) => x.toFixed(0)).join(', ')})`);
console.log(`  on/off: ${(median(on) / median(off)).toFixed(2)}`);
