// Warden as an OAuth 2.1 resource server for MCP routes: the Protected
// Resource Metadata document (RFC 9728) at the route's well-known path, the
// `WWW-Authenticate` challenge that points a client to it, and the resource
// indicator (RFC 8707) a caller's token must name.
//
//   resource  https://gw.example.com/mcp
//   metadata  https://gw.example.com/.well-known/oauth-protected-resource/mcp
import type { RouteSpec } from '../config/schema.js';
import type { Decision, RequestInfo, Target } from '../types.js';

export const WELL_KNOWN = '/.well-known/oauth-protected-resource';

/** The MCP server's canonical URI as callers see it: configured, or the request's scheme and host with the route's path prefix. */
export function resourceUri(route: RouteSpec, req: RequestInfo): string {
  const configured = route.mcp?.resource;
  if (configured) return configured;
  const scheme = req.tls ? 'https' : 'http';
  const prefix = (route.match.pathPrefix ?? '/').replace(/\/$/, '');
  return `${scheme}://${req.host}${prefix}`;
}

/** Where the route's metadata is served (RFC 9728 §3.1: the well-known segment goes before the resource's path). */
export function metadataUrl(route: RouteSpec, req: RequestInfo): string {
  const u = new URL(resourceUri(route, req));
  const path = u.pathname === '/' ? '' : u.pathname.replace(/\/$/, '');
  return `${u.origin}${WELL_KNOWN}${path}`;
}

/** Whether the route acts as an OAuth resource server: it names its authorization servers. */
export function isResourceServer(route: RouteSpec): boolean {
  return (route.mcp?.authorizationServers.length ?? 0) > 0;
}

/**
 * The Bearer challenge of a 401 on an MCP route: the metadata URL (and scopes) for a route that
 * names authorization servers; `error` for a token that was presented and refused.
 */
export function challenge(route: RouteSpec, req: RequestInfo, error?: { code: string; description: string }): string {
  const params: string[] = [];
  if (isResourceServer(route)) {
    params.push(`resource_metadata="${metadataUrl(route, req)}"`);
    const scopes = route.mcp!.scopes;
    if (scopes.length) params.push(`scope="${scopes.join(' ')}"`);
  } else {
    params.push('realm="warden"');
  }
  if (error) params.push(`error="${error.code}"`, `error_description="${error.description.replace(/["\\]/g, '')}"`);
  return `Bearer ${params.join(', ')}`;
}

export interface MetadataAnswer {
  route: RouteSpec;
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Answers GETs for the metadata of the MCP routes that are resource servers: the path after the
 * well-known segment is the resource's path (configured, or the route's path prefix); the bare
 * well-known path answers for the one route whose resource is at the root, or when there is one
 * such route only.
 */
export function metadataAnswerer(routes: readonly RouteSpec[]): ((req: RequestInfo) => MetadataAnswer | undefined) | undefined {
  const servers = routes.filter((r) => r.provider === 'mcp' && isResourceServer(r));
  if (!servers.length) return undefined;
  return (req) => {
    if (!req.path.startsWith(WELL_KNOWN)) return undefined;
    const rest = req.path.slice(WELL_KNOWN.length);
    if (rest !== '' && !rest.startsWith('/')) return undefined;
    const candidates = servers.filter((r) => hostMatches(r, req.host) && resourcePath(r) === (rest === '' ? '' : rest.replace(/\/$/, '')));
    const route = candidates[0] ?? (rest === '' && servers.length === 1 && hostMatches(servers[0], req.host) ? servers[0] : undefined);
    if (!route) return undefined;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return { route, status: 405, headers: { allow: 'GET, HEAD', 'content-type': 'application/json' }, body: '{"error":"method_not_allowed"}' };
    }
    return { route, status: 200, headers: METADATA_HEADERS, body: JSON.stringify(document(route, req)) };
  };
}

/** What a front door records for a metadata document it served (never forwarded: Warden answers it). */
export const METADATA_TARGET: Target = Object.freeze({ provider: 'mcp', operation: 'resource_metadata', operationClass: 'other', stream: false }) as Target;
export const METADATA_DECISION: Decision = Object.freeze({ action: 'allow', reason: 'public metadata (RFC 9728)' }) as Decision;

/** The answer's body (none for HEAD) and its headers, with the length of the document. */
export function metadataResponse(m: MetadataAnswer, method: string, requestId: string): { body: Buffer; headers: Record<string, string> } {
  const body = Buffer.from(method === 'HEAD' ? '' : m.body);
  return { body, headers: Object.assign({}, m.headers, { 'x-request-id': requestId, 'content-length': String(Buffer.byteLength(m.body)) }) };
}

/** Public metadata: any origin may read it (browser-based MCP clients discover through it). */
const METADATA_HEADERS = { 'content-type': 'application/json', 'cache-control': 'public, max-age=300', 'access-control-allow-origin': '*' };

function document(route: RouteSpec, req: RequestInfo): Record<string, unknown> {
  const mcp = route.mcp!;
  const doc: Record<string, unknown> = {
    resource: resourceUri(route, req),
    authorization_servers: mcp.authorizationServers,
    bearer_methods_supported: ['header'],
  };
  if (mcp.scopes.length) doc.scopes_supported = mcp.scopes;
  if (mcp.resourceName) doc.resource_name = mcp.resourceName;
  return doc;
}

/** The resource's path without a trailing slash ('' at the root). */
function resourcePath(route: RouteSpec): string {
  const configured = route.mcp?.resource;
  const path = configured ? new URL(configured).pathname : (route.match.pathPrefix ?? '/');
  return path === '/' ? '' : path.replace(/\/$/, '');
}

function hostMatches(route: RouteSpec, host: string): boolean {
  const pattern = route.match.host?.toLowerCase();
  if (!pattern) return true;
  const h = host.replace(/:\d+$/, '');
  return pattern.startsWith('*.') ? h.endsWith(pattern.slice(1)) : h === pattern;
}

/**
 * RFC 8707: a token presented to this resource must have been issued for it. Its `aud` must name
 * the resource URI (exactly, or without a trailing slash).
 */
export function audienceMatches(route: RouteSpec, req: RequestInfo, audiences: readonly string[] | undefined): boolean {
  const resource = resourceUri(route, req).replace(/\/$/, '');
  return (audiences ?? []).some((a) => a.replace(/\/$/, '') === resource);
}
