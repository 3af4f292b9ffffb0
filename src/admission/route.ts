import { Pool } from 'undici';
import type { RouteSpec } from '../config/schema.js';
import { durationMs } from '../config/schema.js';
import { getProvider, type Provider } from '../providers/index.js';
import { stateKey, type KeptState } from '../state.js';
import { requestHeaderAllowList } from './headers.js';

/** A configured route with everything the hot path needs prepared once. */
export interface Route {
  spec: RouteSpec;
  provider: Provider;
  pool: Pool;
  /** The upstream URL's path, prepended to the request path ('' for none). */
  basePath: string;
  headerAllowList: ReadonlySet<string>;
  timeoutMs: number;
  /** The upstream's host and port, for the forward span (OpenTelemetry's server.address, server.port). */
  server: { 'server.address': string; 'server.port': number };
}

/** `state`: a reload keeps the route's upstream connections while its name and origin stay (state.ts). */
export function buildRoute(spec: RouteSpec, state?: KeptState): Route {
  const url = new URL(spec.upstream);
  return {
    spec,
    provider: getProvider(spec.provider),
    pool: state ? state.take(stateKey('pool', spec.name, url.origin), () => createPool(url.origin), (p) => p.close()) : createPool(url.origin),
    basePath: url.pathname.replace(/\/$/, ''),
    headerAllowList: requestHeaderAllowList(spec.propagateHeaders),
    timeoutMs: durationMs(spec.timeout),
    server: { 'server.address': url.hostname, 'server.port': Number(url.port || (url.protocol === 'https:' ? 443 : 80)) },
  };
}

/** The route's upstream connections: keep-alive, opened on first use. */
function createPool(origin: string): Pool {
  return new Pool(origin, { connections: 128, keepAliveTimeout: 30_000, connectTimeout: 10_000 });
}
