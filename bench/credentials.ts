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
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { startEmulator } from '../src/emulator/index.js';
import { makeTempDir, removeDir } from '../test/helpers/tmp.js';
import { benchConfig, GENERATE_PATH as PATH, PROMPT_BODY as BODY } from './lib/config.js';
import { cpus, pinning } from './lib/cpu.js';
import { freePort, runLoad, startUpstream, startWarden as startWardenProcess, stopAll } from './lib/procs.js';
import { fmt, knob, median } from './lib/stats.js';

const ROUNDS = knob('BENCH_ROUNDS', 3);
const SECONDS = knob('BENCH_SECONDS', 5);
const WARMUP = knob('BENCH_WARMUP_SECONDS', 2);
const CONNECTIONS = knob('BENCH_CONNECTIONS', 50);
const [WARDEN_CPU, OTHER_CPU] = [cpus[0], cpus[1]];

async function startWarden(dir: string, name: string, upstream: string, credential: string): Promise<string> {
  const [port, admin] = [await freePort(), await freePort()];
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, benchConfig({ name: `bench-${name}`, port, adminPort: admin, upstream, credential }));
  await startWardenProcess(WARDEN_CPU, file, `http://127.0.0.1:${admin}/readyz`);
  return `http://127.0.0.1:${port}`;
}

async function main(): Promise<void> {
  const dir = makeTempDir('warden-bench-credentials-');
  const emu = await startEmulator({ port: 0 });
  try {
    const files = await emu.writeCredentials(dir);
    writeFileSync(join(dir, 'static-token.txt'), 'bench-upstream-token\n');
    const upstream = (await startUpstream(OTHER_CPU)).url;
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
      const r = await runLoad(OTHER_CPU, { url: a.url + PATH, headers, body: BODY, connections: CONNECTIONS, duration: seconds });
      if (r.non2xx || r.errors) throw new Error(`${a.name}: ${r.non2xx} non-2xx and ${r.errors} errors under load`);
      return r.rps;
    };

    console.log(`credentials bench: ${ROUNDS} rounds × ${arms.length} arms × ${SECONDS} s, ${CONNECTIONS} connections; ${pinning ? `Warden on CPU ${WARDEN_CPU}, upstream and load on CPU ${OTHER_CPU}` : 'not pinned'}`);
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
    await stopAll();
    await emu.close();
    removeDir(dir);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
