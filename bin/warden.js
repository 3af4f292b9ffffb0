#!/usr/bin/env node
// Runs Warden from plain JavaScript compiled from the checked-out sources
// (dist/server/, rebuilt by scripts/build-server.mjs whenever src/ changed),
// so `npx warden …` always runs what is checked out, without a loader in the
// process. Where dist/ cannot be written, the sources run through tsx.
import { ensureServerBuild } from '../scripts/build-server.mjs';

const built = await ensureServerBuild();
let main;
if (built) {
  ({ main } = await import(new URL(`file://${built}/cli/main.js`).href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
