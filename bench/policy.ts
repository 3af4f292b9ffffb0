// Policy decision speed: decisions per second and p50/p99 decision time for
// 10, 100 and 1,000 AuthorizationPolicy documents, on one core (the script
// re-runs itself under `taskset -c 0` when taskset is there).
//
//   node --import tsx bench/policy.ts          (BENCH_POLICY_ITERATIONS, default 200000)
//
// Each policy set is realistic rather than trivial: a tenth DENY policies on
// group and operation class, the rest ALLOW policies with a requestPrincipals
// source, a method + path-template operation, and group + model conditions.
// The measured requests match only the last ALLOW policy (or none), so every
// decision walks every policy: the worst case for a linear evaluator.
import { spawnSync } from 'node:child_process';
import { parseConfig } from '../src/config/load.js';
import { buildAuthorizer } from '../src/policy/index.js';
import type { PolicyInput } from '../src/policy/attributes.js';
import { cpus, pinnedArgv, pinning } from './lib/cpu.js';
import { knob, percentile } from './lib/stats.js';

if (!process.env.BENCH_POLICY_PINNED && pinning) {
  const [cmd, args] = pinnedArgv(cpus[0], [process.execPath, ...process.execArgv, ...process.argv.slice(1)]);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, BENCH_POLICY_PINNED: String(cpus[0]) } });
  process.exit(r.status ?? 1);
}

const ITERATIONS = knob('BENCH_POLICY_ITERATIONS', 200_000);
const ISSUER = 'https://issuer.example';

function config(n: number): string {
  const docs = [`apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: bench}
spec:
  routes: [{name: vertex, provider: vertex, upstream: "http://127.0.0.1:1"}]
`];
  for (let i = 0; i < n; i++) {
    docs.push(
      i % 10 === 0
        ? `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: deny-${i}, namespace: ml}
spec:
  action: DENY
  rules:
    - when:
        - {key: "request.auth.claims[groups]", values: [blocked-${i}]}
        - {key: request.operation_class, values: [training]}
`
        : `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: allow-${i}, namespace: ml}
spec:
  rules:
    - from: [{source: {requestPrincipals: ["${ISSUER}/user-${i}-*"]}}]
      to: [{operation: {methods: [POST], paths: ["/v1/projects/{*}/locations/{*}/publishers/google/models/{**}"]}}]
      when:
        - {key: "request.auth.claims[groups]", values: [team-${i}, admins-${i}]}
        - {key: request.model, values: ["gemini*"]}
`,
    );
  }
  return docs.join('---\n');
}

function request(user: string, groups: string[]): PolicyInput {
  return {
    req: {
      id: 'bench',
      method: 'POST',
      path: '/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.0-flash:generateContent',
      query: '',
      host: 'warden.example.com',
      headers: { 'content-type': 'application/json', authorization: 'Bearer x' },
      sourceIp: '10.0.0.7',
      destinationPort: 8080,
    },
    principal: { requestPrincipal: `${ISSUER}/${user}`, issuer: ISSUER, subject: user, claims: { groups }, groups, methods: ['jwt'] },
    target: { provider: 'vertex', operation: 'generateContent', operationClass: 'inference', stream: false, project: 'p', location: 'us-central1', publisher: 'google', model: 'gemini-2.0-flash' },
    route: 'vertex',
  };
}

function measure(n: number): { n: number; perSecond: number; p50: number; p99: number; decisions: string } {
  const loaded = parseConfig(config(n), 'bench.yaml', '/tmp');
  if (loaded.problems.length) throw new Error(loaded.problems.map((p) => p.message).join('\n'));
  const authorizer = buildAuthorizer(loaded);
  const last = n - 1 - (((n - 1) % 10 === 0) ? 1 : 0);
  const inputs = [request(`user-${last}-a`, [`team-${last}`]), request('stranger', ['visitors'])];
  const outcomes = inputs.map((i) => authorizer.authorize(i).action).join('/');
  for (let i = 0; i < 20_000; i++) authorizer.authorize(inputs[i & 1]); // warm-up: let the JIT settle
  const iterations = Math.max(20_000, Math.round(ITERATIONS * Math.min(1, 100 / n)));
  const times = new Float64Array(iterations);
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    const t0 = process.hrtime.bigint();
    authorizer.authorize(inputs[i & 1]);
    times[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  const totalS = Number(process.hrtime.bigint() - start) / 1e9;
  times.sort();
  return { n, perSecond: iterations / totalS, p50: percentile(times, 50), p99: percentile(times, 99), decisions: outcomes };
}

console.log(`policy decisions, one core (${process.env.BENCH_POLICY_PINNED ? `pinned to CPU ${process.env.BENCH_POLICY_PINNED}` : 'not pinned'}), Node ${process.version}`);
console.log('policies  decisions/s   p50 µs   p99 µs   (allow/deny of the two requests)');
for (const n of [10, 100, 1000]) {
  const r = measure(n);
  console.log(`${String(r.n).padStart(8)}  ${Math.round(r.perSecond).toString().padStart(11)}  ${r.p50.toFixed(2).padStart(7)}  ${r.p99.toFixed(2).padStart(7)}   ${r.decisions}`);
}
