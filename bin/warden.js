#!/usr/bin/env node
// Runs Warden's compiled JavaScript in dist/, which `npm ci` builds (the
// `prepare` script, scripts/build.mjs): nothing is compiled at run time.
// WARDEN_SOURCE=1 runs the TypeScript sources through tsx instead, as the
// tests do, so that they never run a build older than the sources.
let main;
if (process.env.WARDEN_SOURCE === '1') {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
} else {
  try {
    ({ main } = await import('../dist/cli/main.js'));
  } catch (e) {
    if (e?.code !== 'ERR_MODULE_NOT_FOUND' || !String(e.url ?? e.message).includes('dist/cli/main.js')) throw e;
    console.error('warden: not built yet: run `npm run build` (`npm ci` builds it)');
    process.exit(1);
  }
}
process.exitCode = await main(process.argv.slice(2));
