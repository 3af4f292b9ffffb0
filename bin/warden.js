#!/usr/bin/env node
// Runs Warden's TypeScript sources directly through tsx's loader, so a fresh
// `npm ci` needs no build step and `npx warden …` always runs what is checked out.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
