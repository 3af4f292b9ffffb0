// Assembles a running Warden from a loaded config: every part is compiled
// once here, and a problem anywhere is reported against the config file.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError, loadConfigFile, type LoadedConfig } from './config/load.js';
import { Credentials } from './credentials/index.js';
import { Identifier } from './identity/identify.js';
import { compilePolicies } from './policy/compile.js';
import { Authorizer } from './policy/evaluate.js';
import { getProvider } from './providers/index.js';
import { createHandler } from './proxy/pipeline.js';
import { Recorder } from './proxy/record.js';
import { buildRoute, type Route } from './proxy/route.js';
import { routeMatcher } from './proxy/routes.js';
import { SqliteAuditSink } from './audit/sqlite.js';
import type { AuditSink } from './audit/record.js';
import { createAdminServer } from './admin/server.js';
import { Metrics } from './telemetry/metrics.js';
import { createLogger, type Logger } from './telemetry/log.js';

export interface Parts {
  config: LoadedConfig;
  identifier: Identifier;
  authorizer: Authorizer;
  credentials: Credentials;
  routes: Route[];
}

/** Compile everything that can fail on bad config; collect problems instead of stopping at the first. */
export function compileConfig(config: LoadedConfig): Parts {
  const gw = config.gateway;
  const identifier = new Identifier(config.requestAuthentications.map((r) => r.value));
  config.requestAuthentications.forEach(({ value, report }) =>
    value.spec.jwtRules.forEach((rule, i) => {
      if (rule.jwks !== undefined) {
        try {
          const set = JSON.parse(rule.jwks) as { keys?: unknown };
          if (!Array.isArray(set.keys)) throw new Error('no "keys" array');
        } catch (e) {
          report(['spec', 'jwtRules', i, 'jwks'], `jwks is not a JSON Web Key Set: ${(e as Error).message}`, 'an inline JSON string: {"keys": [...]}');
        }
      }
    }),
  );
  const authorizer = new Authorizer(compilePolicies(config.authorizationPolicies));
  const credentials = gw ? new Credentials(gw.value.credentials, config.path, gw.report) : new Credentials([], config.path, () => {});
  const routes = gw ? gw.value.routes.map(buildRoute) : [];
  return { config, identifier, authorizer, credentials, routes };
}

/** Load and compile; throws ConfigError listing every problem. */
export function loadGateway(file: string): Parts {
  const config = loadConfigFile(file);
  if (config.problems.length) throw new ConfigError(config.problems);
  // The config is structurally valid: later stages may still report problems.
  const parts = compileConfig(config);
  if (config.problems.length) throw new ConfigError(config.problems);
  return parts;
}

export interface RunningGateway {
  url: string;
  adminUrl: string;
  metrics: Metrics;
  close(): Promise<void>;
}

export async function startGateway(parts: Parts, opts: { log?: Logger; listen?: { host?: string; port?: number }; admin?: { host?: string; port?: number } } = {}): Promise<RunningGateway> {
  const spec = parts.config.gateway.value;
  const log = opts.log ?? createLogger();
  const metrics = new Metrics();
  const sink: AuditSink | undefined = spec.audit.sqlite ? new SqliteAuditSink(parts.config.path(spec.audit.sqlite)) : undefined;
  const recorder = new Recorder(sink, metrics, log);
  const handler = createHandler({
    matchRoute: routeMatcher(parts.routes),
    identifier: parts.identifier,
    authorizer: parts.authorizer,
    credentials: parts.credentials,
    recorder,
    fallbackProvider: parts.routes[0]?.provider ?? getProvider('vertex'),
  });
  const server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, (req, res) => {
    handler(req, res).catch((e) => log.error({ err: e }, 'unhandled error in request pipeline'));
  });
  const admin = createAdminServer({ metrics, credentials: parts.credentials });
  const listen = { ...spec.listen, ...opts.listen };
  const adminListen = { ...spec.admin, ...opts.admin };
  await Promise.all([listenOn(server, listen.host, listen.port), listenOn(admin, adminListen.host, adminListen.port)]);
  const url = urlOf(server);
  const adminUrl = urlOf(admin);
  return {
    url,
    adminUrl,
    metrics,
    async close() {
      server.closeAllConnections();
      admin.closeAllConnections();
      await Promise.all([closeServer(server), closeServer(admin)]);
      await Promise.all(parts.routes.map((r) => r.pool.close()));
      await sink?.close();
    },
  };
}

function listenOn(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

function urlOf(server: Server): string {
  const a = server.address() as AddressInfo;
  const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  return `http://${host}:${a.port}`;
}
