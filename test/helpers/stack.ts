// A whole Warden on loopback for tests: the emulator (Google + dev OIDC
// issuer), credentials it wrote, a config file, and the gateway in-process.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { loadGateway, startGateway, type RunningGateway } from '../../src/gateway.js';
import { demoConfig } from '../../src/cli/demo.js';
import { createLogger } from '../../src/telemetry/log.js';

export interface Stack {
  emu: Emulator;
  gw: RunningGateway;
  dir: string;
  configFile: string;
  /** Access log lines the gateway wrote, parsed. */
  logs: Record<string, unknown>[];
  token(sub: string, groups: string[]): Promise<string>;
  close(): Promise<void>;
}

/** `config` gets the emulator's URL and issuer; by default the demo's config. */
export async function startStack(config?: (o: { emulatorUrl: string; issuer: string; dir: string }) => string): Promise<Stack> {
  const emu = await startEmulator({ port: 0 });
  const dir = mkdtempSync(join(tmpdir(), 'warden-test-'));
  try {
    return await startWarden(emu, dir, config);
  } catch (e) {
    // A gateway that failed to start must not leave the emulator listening: the test process would never exit.
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

async function startWarden(emu: Emulator, dir: string, config?: (o: { emulatorUrl: string; issuer: string; dir: string }) => string): Promise<Stack> {
  await emu.writeCredentials(join(dir, 'credentials'));
  const configFile = join(dir, 'warden.yaml');
  const text = config
    ? config({ emulatorUrl: emu.url, issuer: emu.issuer, dir })
    : demoConfig({ port: 0, adminPort: 0, emulatorUrl: emu.url, issuer: emu.issuer, audience: 'warden' });
  writeFileSync(configFile, text);
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split('\n')) if (line) logs.push(JSON.parse(line));
      cb();
    },
  });
  const gw = await startGateway(loadGateway(configFile), { log: createLogger({ destination: sink }), listen: { port: 0 }, admin: { port: 0 } });
  return {
    emu,
    gw,
    dir,
    configFile,
    logs,
    token: (sub, groups) => emu.mintIdToken({ sub, groups, aud: 'warden' }),
    async close() {
      await gw.close();
      await emu.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
