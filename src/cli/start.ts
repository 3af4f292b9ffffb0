import { parseArgs } from 'node:util';
import { SpoolInUseError } from '../audit/spool.js';
import { ConfigError, formatProblem } from '../config/load.js';
import { loadGateway, startGateway, type RunningGateway } from '../gateway.js';
import { ListenError } from '../listen.js';
import { createLogger } from '../telemetry/log.js';
import { buildInfo } from '../version.js';
import { catchSignals, type Signals } from './signals.js';

export async function start(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help || !values.config) {
    // Asked for: usage on stdout, exit 0. A usage mistake: usage on stderr, exit 2.
    (values.help ? console.log : console.error)(`usage: warden start -c FILE

Runs the gateway described by FILE (a multi-document YAML config).
SIGTERM or SIGINT: drain and stop (spec.shutdown); a second one stops at once.
SIGHUP, or a change of FILE: reload it (a config with problems is refused, the running one stays).

Environment: WARDEN_PRESTOP_SECONDS=N says that the pod's preStop hook waits N
seconds before Kubernetes sends SIGTERM; Warden's own drainDelay after SIGTERM
is shortened by them (warden istio render and the Helm chart set both).`);
    return values.help ? 0 : 2;
  }
  const signals = catchSignals();
  try {
    let parts;
    try {
      parts = loadGateway(values.config);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      for (const p of e.problems) console.error(formatProblem(p));
      console.error(`\nnot started: ${e.problems.length} problem(s) in ${values.config} (see 'warden config check -c ${values.config}')`);
      return 1;
    }
    const log = createLogger();
    const preStop = preStopSeconds(process.env.WARDEN_PRESTOP_SECONDS);
    if (preStop === undefined) {
      console.error(`warden: not started: WARDEN_PRESTOP_SECONDS must be a whole number of seconds, not "${process.env.WARDEN_PRESTOP_SECONDS}"`);
      return 2;
    }
    let gw;
    try {
      gw = await startGateway(parts, { log, preStopSeconds: preStop });
    } catch (e) {
      if (!(e instanceof ListenError || e instanceof SpoolInUseError)) throw e;
      console.error(`warden: not started: ${e.message}`);
      return 1;
    }
    const b = buildInfo();
    // Every listener's address, as bound (a port 0 in the config is chosen here).
    const listeners = {
      ...(gw.extAuthz?.grpc ? { extAuthzGrpc: gw.extAuthz.grpc.address } : {}),
      ...(gw.extAuthz?.http ? { extAuthzHttp: gw.extAuthz.http.url } : {}),
      ...(gw.extProc ? { extProc: gw.extProc.address } : {}),
    };
    log.info({ url: gw.url, admin: gw.adminUrl, ...listeners, version: b.version, commit: b.commit, node: b.node, config: values.config, configHash: gw.config.hash }, 'warden listening');
    await serveUntilStopped(signals, gw);
    return 0;
  } finally {
    signals.release();
  }
}

/** WARDEN_PRESTOP_SECONDS: unset is 0; anything but a whole number of seconds is undefined (refused). */
function preStopSeconds(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return 0;
  return /^\d{1,5}$/.test(value) ? Number(value) : undefined;
}

/** SIGHUP reloads; the first SIGTERM or SIGINT drains and stops, a second one cuts what is left; then `after` (the demo's emulator). */
export async function serveUntilStopped(signals: Signals, gw: RunningGateway, after?: () => Promise<void>): Promise<void> {
  signals.onHangup(() => void gw.reload('SIGHUP'));
  const signal = await signals.stopped;
  signals.onAgain(() => void gw.close());
  await gw.shutdown(signal);
  await after?.();
}
