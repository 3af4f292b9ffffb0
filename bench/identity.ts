// What authentication costs: the same small POST through one Warden process
// without a token (anonymous; no policy, so allowed) and with one RS256 JWT
// that the verified-token cache already holds, in interleaved rounds of one
// run, reported as a ratio. A second Warden with the cache switched off
// (`identity.jwt.cacheSize: 0`) shows what every request would pay without it.
//
//   node --import tsx bench/identity.ts      (BENCH_ROUNDS 3, BENCH_SECONDS 5, BENCH_WARMUP_SECONDS 2, BENCH_CONNECTIONS 50)
//
// Last, the identify stage alone, in this process: µs per call for the same
// request without a token, with the cached JWT, and with an API key.
//
// Warden runs pinned to CPU 0; the upstream (bench/upstream.ts) and the load
// generator (bench/lib/load.ts) share CPU 1. Keys are inline, so no network
// is involved; the route's upstream credential is a static bearer file.
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { parseConfig } from '../src/config/load.js';
import { buildIdentifier } from '../src/identity/build.js';
import type { RequestInfo } from '../src/types.js';
import { makeTempDir, removeDir } from '../test/helpers/tmp.js';
import { benchConfig, GENERATE_PATH as PATH, PROMPT_BODY as BODY } from './lib/config.js';
import { cpus, cpuSeconds, pinning } from './lib/cpu.js';
import { freePort, runLoad, startUpstream, startWarden as startWardenProcess, stopAll } from './lib/procs.js';
import { fmt, knob, median } from './lib/stats.js';

const ROUNDS = knob('BENCH_ROUNDS', 3);
const SECONDS = knob('BENCH_SECONDS', 5);
const WARMUP = knob('BENCH_WARMUP_SECONDS', 2);
const CONNECTIONS = knob('BENCH_CONNECTIONS', 50);
const ISSUER = 'https://issuer.bench';
const [WARDEN_CPU, OTHER_CPU] = [cpus[0], cpus[1]];

async function startWarden(dir: string, name: string, config: string): Promise<{ proc: ChildProcess; url: string }> {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, config);
  const port = Number(/port: (\d+)/.exec(config)![1]);
  const admin = Number(/admin: \{host: 127.0.0.1, port: (\d+)\}/.exec(config)![1]);
  const proc = await startWardenProcess(WARDEN_CPU, file, `http://127.0.0.1:${admin}/readyz`);
  return { proc, url: `http://127.0.0.1:${port}` };
}

async function main(): Promise<void> {
  const dir = makeTempDir('warden-bench-identity-');
  try {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'bench', alg: 'RS256' }] });
    const token = await new SignJWT({ groups: ['ml-engineers'] })
      .setProtectedHeader({ alg: 'RS256', kid: 'bench' })
      .setIssuer(ISSUER).setSubject('alice').setAudience('warden').setIssuedAt().setExpirationTime('2h')
      .sign(privateKey);
    writeFileSync(join(dir, 'upstream-token.txt'), 'bench-upstream-token\n');

    const upstream = await startUpstream(OTHER_CPU);
    const config = async (cacheSize?: number) =>
      benchConfig({
        name: 'bench-identity',
        port: await freePort(),
        adminPort: await freePort(),
        upstream: upstream.url,
        credential: 'bearer: {file: ./upstream-token.txt}',
        spec: cacheSize === undefined ? '' : `  identity: {jwt: {cacheSize: ${cacheSize}}}\n`,
        docs: `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: bench}
spec:
  jwtRules: [{issuer: "${ISSUER}", audiences: [warden], jwks: '${jwks}'}]
`,
      });
    const cached = await startWarden(dir, 'cached', await config());
    const uncached = await startWarden(dir, 'uncached', await config(0));

    const json = { 'content-type': 'application/json' };
    const withToken = { ...json, authorization: `Bearer ${token}` };
    const arms = [
      { name: 'no authentication', warden: cached, headers: json, runs: [] as { rps: number; cpuUs: number }[] },
      { name: 'JWT, cached', warden: cached, headers: withToken, runs: [] as { rps: number; cpuUs: number }[] },
      { name: 'JWT, cache off', warden: uncached, headers: withToken, runs: [] as { rps: number; cpuUs: number }[] },
    ];
    for (const a of arms) {
      const res = await fetch(a.warden.url + PATH, { method: 'POST', headers: a.headers, body: BODY });
      if (res.status !== 200) throw new Error(`${a.name}: ${res.status} ${await res.text()}`);
    }
    const measure = async (a: (typeof arms)[number], seconds: number) => {
      const cpu0 = cpuSeconds(a.warden.proc.pid!);
      const r = await runLoad(OTHER_CPU, { url: a.warden.url + PATH, headers: a.headers, body: BODY, connections: CONNECTIONS, duration: seconds });
      const cpu = cpuSeconds(a.warden.proc.pid!) - cpu0;
      if (r.non2xx || r.errors) throw new Error(`${a.name}: ${r.non2xx} non-2xx and ${r.errors} errors under load`);
      return { rps: r.rps, cpuUs: (cpu * 1e6) / r.total };
    };

    console.log(`identity bench: ${ROUNDS} rounds × ${arms.length} arms × ${SECONDS} s, ${CONNECTIONS} connections; ${pinning ? `Warden on CPU ${WARDEN_CPU}, upstream and load on CPU ${OTHER_CPU}` : 'not pinned'}`);
    for (const a of arms) await measure(a, WARMUP);
    for (let r = 0; r < ROUNDS; r++) {
      for (let i = 0; i < arms.length; i++) {
        const a = arms[(i + r) % arms.length]!;
        const m = await measure(a, SECONDS);
        a.runs.push(m);
        console.log(`  round ${r + 1}  ${a.name.padEnd(18)} ${fmt(m.rps).padStart(7)} req/s   ${fmt(m.cpuUs).padStart(4)} µs CPU/req`);
      }
    }
    await identifyAlone(config, token);
    const [none, hot, cold] = arms.map((a) => ({ rps: median(a.runs.map((x) => x.rps)), cpuUs: median(a.runs.map((x) => x.cpuUs)) }));
    console.log(`\nmedians: no auth ${fmt(none!.rps)} req/s, cached JWT ${fmt(hot!.rps)} req/s, cache off ${fmt(cold!.rps)} req/s`);
    console.log(`cached JWT / no auth: ${(hot!.rps / none!.rps).toFixed(3)}× requests/s (authentication costs ${((1 - hot!.rps / none!.rps) * 100).toFixed(1)} %; target < 10 %)`);
    console.log(`cache off / no auth:  ${(cold!.rps / none!.rps).toFixed(3)}× requests/s`);
    console.log(
      `Warden CPU per request: no auth ${fmt(none!.cpuUs)} µs, cached JWT ${fmt(hot!.cpuUs)} µs (${(hot!.cpuUs / none!.cpuUs).toFixed(3)}×), ` +
        `cache off ${fmt(cold!.cpuUs)} µs (${(cold!.cpuUs / none!.cpuUs).toFixed(3)}×) — steadier than req/s on a busy machine`,
    );
  } finally {
    await stopAll();
    removeDir(dir);
  }
}

/** The identify stage in process: interleaved batches, medians of µs per call. */
async function identifyAlone(config: () => Promise<string>, token: string): Promise<void> {
  const key = 'wk_bench_0123456789abcdef';
  const keyHash = (await import('node:crypto')).createHash('sha256').update(key).digest('hex');
  const text = (await config()).replace('\n---', `\n  identity: {apiKeys: {keys: [{name: bench, sha256: ${keyHash}}]}}\n---`);
  const loaded = parseConfig(text, 'bench.yaml', tmpdir());
  const identifier = buildIdentifier(loaded);
  if (loaded.problems.length) throw new Error(loaded.problems.map((p) => p.message).join('\n'));
  const req = (headers: Record<string, string>): RequestInfo => ({
    id: 'r', method: 'POST', path: PATH, query: '', host: '127.0.0.1', headers: { 'content-type': 'application/json', ...headers }, sourceIp: '127.0.0.1',
  });
  const cases = [
    { name: 'no token', req: req({}), us: [] as number[] },
    { name: 'JWT, cached', req: req({ authorization: `Bearer ${token}` }), us: [] as number[] },
    { name: 'API key', req: req({ 'x-api-key': key }), us: [] as number[] },
  ];
  const N = 20_000;
  for (let round = 0; round < 7; round++) {
    for (const c of cases) {
      const t0 = performance.now();
      for (let i = 0; i < N; i++) await identifier.identify(c.req);
      if (round > 0) c.us.push(((performance.now() - t0) * 1000) / N); // round 0 warms up (and fills the cache)
    }
  }
  console.log(`\nidentify() alone, in process: ${cases.map((c) => `${c.name} ${median(c.us).toFixed(2)} µs`).join(', ')}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
