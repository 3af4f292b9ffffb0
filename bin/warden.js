#!/usr/bin/env node
// Runs Warden's compiled JavaScript in dist/, which `npm ci` builds (the
// `prepare` script, scripts/build.mjs), so that no TypeScript is compiled in
// the process. A build older than src/ (a file changed since: its fingerprint,
// ~200 stats) is built again first (about a second), so that `npx warden …`
// runs what is checked out; where dist/ cannot be written, the sources run
// through tsx. WARDEN_SOURCE=1 runs the sources through tsx always, as the
// tests do.
import { build, builtFingerprint, sourcesFingerprint } from '../scripts/build.mjs';

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
