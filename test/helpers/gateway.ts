// A gateway in this process, started from a YAML string: the config is written
// to a file in `dir` (relative paths in it resolve there), the gateway listens
// on free loopback ports, and its access log is kept (or dropped).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { loadGateway, startGateway, type RunningGateway } from '../../src/gateway.js';
import type { Logger } from '../../src/telemetry/log.js';
import { memoryLogger, quietLogger } from './logs.js';

export interface YamlGateway {
  gw: RunningGateway;
  configFile: string;
  /** Access log lines the gateway wrote, parsed (empty with a `log` of your own or `quiet`). */
  logs: Record<string, unknown>[];
}

export async function startGatewayFromYaml(
  yaml: string,
  o: { dir: string; file?: string; quiet?: boolean; log?: Logger },
): Promise<YamlGateway> {
  const configFile = join(o.dir, o.file ?? 'warden.yaml');
  writeFileSync(configFile, yaml);
  let logs: Record<string, unknown>[] = [];
  let log = o.log;
  if (!log && o.quiet) log = quietLogger();
  if (!log) ({ log, lines: logs } = memoryLogger());
  const gw = await startGateway(await loadGateway(configFile), { log, listen: { port: 0 }, admin: { port: 0 } });
  return { gw, configFile, logs };
}

/** The emulator on a free port, with the credential files it issues written to `<dir>/credentials`. */
export async function startEmulatorWithCredentials(dir: string, opts: Parameters<typeof startEmulator>[0] = { port: 0 }): Promise<Emulator> {
  const emu = await startEmulator(opts);
  try {
    await emu.writeCredentials(join(dir, 'credentials'));
  } catch (e) {
    await emu.close();
    throw e;
  }
  return emu;
}
