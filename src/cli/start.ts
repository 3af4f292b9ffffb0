import { parseArgs } from 'node:util';
import { SpoolInUseError } from '../audit/spool.js';
import { ConfigError, formatProblem } from '../config/load.js';
import { loadGateway, startGateway } from '../gateway.js';
import { ListenError } from '../listen.js';
import { createLogger } from '../telemetry/log.js';

export async function start(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help || !values.config) {
    // Asked for: usage on stdout, exit 0. A usage mistake: usage on stderr, exit 2.
    (values.help ? console.log : console.error)('usage: warden start -c FILE\n\nRuns the gateway described by FILE (a multi-document YAML config).');
    return values.help ? 0 : 2;
  }
  let parts;
  try {
    parts = await loadGateway(values.config);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    for (const p of e.problems) console.error(formatProblem(p));
    console.error(`\nnot started: ${e.problems.length} problem(s) in ${values.config} (see 'warden config check -c ${values.config}')`);
    return 1;
  }
  const log = createLogger();
  let gw;
  try {
    gw = await startGateway(parts, { log });
  } catch (e) {
    if (!(e instanceof ListenError || e instanceof SpoolInUseError)) throw e;
    console.error(`warden: not started: ${e.message}`);
    return 1;
  }
  // The handlers first: whoever reads the line below may signal at once, and until a listener is
  // set the kernel's default for SIGTERM ends the process outright, without draining.
  const stopped = untilSignal(gw);
  log.info({ url: gw.url, admin: gw.adminUrl }, 'warden listening');
  await stopped;
  return 0;
}

/** Resolve after SIGINT/SIGTERM, once in-flight work is closed and the audit flushed. */
export function untilSignal(...running: { close(): Promise<void> }[]): Promise<void> {
  return new Promise((resolve) => {
    const stop = async () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      await Promise.all(running.map((r) => r.close()));
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

