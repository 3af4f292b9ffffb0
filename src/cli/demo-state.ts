// Where a running demo says how to reach it, so that `warden token` finds
// the demo's issuer without flags.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface DemoState {
  issuer: string;
  clientId: string;
  clientSecret: string;
  audience: string;
  gateway: string;
}

export const DEMO_DIR = resolve('.warden', 'demo');

export function writeDemoState(state: DemoState): void {
  mkdirSync(DEMO_DIR, { recursive: true });
  writeFileSync(join(DEMO_DIR, 'state.json'), JSON.stringify(state, null, 2));
}

export function readDemoState(): DemoState | undefined {
  try {
    return JSON.parse(readFileSync(join(DEMO_DIR, 'state.json'), 'utf8')) as DemoState;
  } catch {
    return undefined;
  }
}
