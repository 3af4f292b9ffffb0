import { Pool } from 'undici';
import type { RouteSpec } from '../config/schema.js';
import { durationMs } from '../config/schema.js';
import { getProvider, type Provider } from '../providers/index.js';
import { hostLocation } from '../providers/locations.js';
import { MCP_HEADER_PREFIXES, MCP_HEADERS, requestHeaderAllowList } from './headers.js';
import { Failover } from '../proxy/failover.js';

/** A configured route with everything the hot path needs prepared once. */
export interface Route {
  spec: RouteSpec;
  provider: Provider;
  pool: Pool;
  /** The upstream URL's path, prepended to the request path ('' for none). */
  basePath: string;
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

export function buildRoute(spec: RouteSpec): Route {
  const url = new URL(spec.upstream);
  const location = spec.provider === 'vertex' ? hostLocation(url.host) : undefined;
  return {
    ...(location !== undefined ? { location } : {}),
    ...(spec.failover ? { failover: new Failover(spec.failover) } : {}),
    spec,
    provider: getProvider(spec.provider),
    pool: createPool(url.origin),
    basePath: url.pathname.replace(/\/$/, ''),
    headerAllowList: requestHeaderAllowList(spec.provider === 'mcp' ? [...MCP_HEADERS, ...spec.propagateHeaders] : spec.propagateHeaders),
    headerAllowPrefixes: spec.provider === 'mcp' ? MCP_HEADER_PREFIXES : [],
    timeoutMs: durationMs(spec.timeout),
    server: { 'server.address': url.hostname, 'server.port': Number(url.port || (url.protocol === 'https:' ? 443 : 80)) },
    needs: 0,
  };
}

/** The route's upstream connections: keep-alive, opened on first use. */
function createPool(origin: string): Pool {
  return new Pool(origin, { connections: 128, keepAliveTimeout: 30_000, connectTimeout: 10_000 });
}
