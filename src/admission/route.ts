import { Pool } from 'undici';
import type { RouteSpec } from '../config/schema.js';
import { durationMs } from '../config/schema.js';
import { getProvider, type Provider } from '../providers/index.js';
import { hostLocation } from '../providers/locations.js';
import { stateKey, type KeptState } from '../state.js';
import { MCP_HEADER_PREFIXES, MCP_HEADERS, requestHeaderAllowList } from './headers.js';
import { Failover } from './failover.js';

/** A configured route with everything the hot path needs prepared once. */
export interface Route {
  spec: RouteSpec;
  provider: Provider;
  pool: Pool;
  /** The upstream URL's path, prepended to the request path ('' for none). */
  basePath: string;
  /**
   * The route's `rewrite` of the request path (the path itself without one): what the upstream
   * gets after `basePath`, and what the provider classifies. Policy sees the caller's path.
   */
  upstreamPath(path: string): string;
  headerAllowList: ReadonlySet<string>;
  /** Header name prefixes forwarded too (MCP's `Mcp-Param-*`). */
  headerAllowPrefixes: readonly string[];
  timeoutMs: number;
  /** The upstream's host and port, for the forward span (OpenTelemetry's server.address, server.port). */
  server: { 'server.address': string; 'server.port': number };
  /** The Vertex location the upstream's host serves (`europe-west4-aiplatform.googleapis.com`), if it names one. */
  location?: string;
  /** The locations a Vertex route fails over between (spec.failover), with their connections. */
  failover?: Failover;
  /** FACT_* flags its policies, quotas and credential mapping need established (admission/facts.ts); set once the policies are compiled. */
  needs: number;
}

/** `state`: a reload keeps the route's upstream connections while its name and origin stay (state.ts). */
export function buildRoute(spec: RouteSpec, state?: KeptState): Route {
  const url = new URL(spec.upstream);
  const location = spec.provider === 'vertex' ? hostLocation(url.host) : undefined;
  return {
    ...(location !== undefined ? { location } : {}),
    ...(spec.failover ? { failover: failoverOf(spec.name, spec.failover, state) } : {}),
    spec,
    provider: getProvider(spec.provider),
    pool: state ? state.take(stateKey('pool', spec.name, url.origin), () => createPool(url.origin), (p) => p.close()) : createPool(url.origin),
    basePath: url.pathname.replace(/\/$/, ''),
    upstreamPath: rewriter(spec),
    headerAllowList: requestHeaderAllowList(spec.provider === 'mcp' ? [...MCP_HEADERS, ...spec.propagateHeaders] : spec.propagateHeaders),
    headerAllowPrefixes: spec.provider === 'mcp' ? MCP_HEADER_PREFIXES : [],
    timeoutMs: durationMs(spec.timeout),
    server: { 'server.address': url.hostname, 'server.port': Number(url.port || (url.protocol === 'https:' ? 443 : 80)) },
    needs: 0,
  };
}

function rewriter(spec: RouteSpec): (path: string) => string {
  const r = spec.rewrite;
  if (r?.prefix !== undefined) {
    // Envoy's prefix_rewrite: the matched prefix, replaced as written (mind the slashes: /openai → / makes //v1).
    const matched = spec.match.pathPrefix ?? '/';
    const to = r.prefix;
    return (path) => (path.startsWith(matched) ? to + path.slice(matched.length) : path);
  }
  if (r?.stripPrefix !== undefined) {
    const strip = r.stripPrefix.replace(/\/$/, '');
    return (path) => {
      if (!path.startsWith(strip)) return path;
      const rest = path.slice(strip.length);
      return rest.startsWith('/') ? rest : `/${rest}`;
    };
  }
  return (path) => path;
}

/** The route's upstream connections: keep-alive, opened on first use. */
function createPool(origin: string): Pool {
  return new Pool(origin, { connections: 128, keepAliveTimeout: 30_000, connectTimeout: 10_000 });
}

/** A route's failover: its circuits, retry budget and connections are kept across a reload while its name and locations stay. */
function failoverOf(name: string, spec: NonNullable<RouteSpec['failover']>, state?: KeptState): Failover {
  return state ? state.take(stateKey('failover', name, spec), () => new Failover(spec), (f) => f.close()) : new Failover(spec);
}
