#!/usr/bin/env node
// Runs Warden's compiled JavaScript in dist/, which `npm ci` builds (the
// `prepare` script, scripts/build.mjs), so that no TypeScript is compiled in
// the process. A build older than src/ (a file changed since: its fingerprint,
// ~200 stats) is built again first (about a second), so that `npx warden …`
// runs what is checked out; where dist/ cannot be written, the sources run
// through tsx. WARDEN_SOURCE=1 runs the sources through tsx always, as the
// tests do.
import { setFlagsFromString } from 'node:v8';
import { build, builtFingerprint, sourcesFingerprint } from '../scripts/build.mjs';

// V8 allocation-site pretenuring is off. Once the objects from some
// allocation site have mostly survived a young-generation collection (as
// they do while Warden starts and warms up), V8 allocates that site's
// objects in the old generation from then on. A request's objects then
// live in old space, and the young objects they point to survive every
// scavenge through them: at 1,000 requests/s about 10 KB a request was
// promoted, scavenges took 6–15 ms instead of 1–2, and the old generation
// grew until a full collection. Measured with ../shared/perf (bench/README.md,
// issue 20): about a fifth less CPU per request without it. Set before any
// of Warden's modules load; it applies to the whole process, threads too.
setFlagsFromString('--no-allocation-site-pretenuring');

async function fromSources() {
  const { register } = await import('tsx/esm/api');
  register();
  return (await import('../src/cli/main.ts')).main;
}

let main;
if (process.env.WARDEN_SOURCE === '1') {
  main = await fromSources();
} else {
  let built = true;
  const had = builtFingerprint();
  if (had !== sourcesFingerprint()) {
    try {
      const { modules } = await build();
      // stderr: stdout is the command's (`warden token`, `--version`).
      console.error(`warden: ${had ? 'src/ changed since the last build' : 'not built yet'}: built ${modules} modules into dist/`);
    } catch (e) {
      console.error(`warden: cannot build dist/ (${e?.message ?? e}): running the sources through tsx`);
      built = false;
    }
  }
  main = built ? (await import('../dist/cli/main.js')).main : await fromSources();
}
process.exitCode = await main(process.argv.slice(2));
