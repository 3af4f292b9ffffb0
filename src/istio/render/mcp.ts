// MCP servers outside the mesh, reached the way model calls are: workloads
// speak plain HTTP to the server's host, their sidecar sends it (mTLS) to the
// egress gateway, which asks Warden (the CUSTOM policy, ext_authz form) or
// streams the call through Warden (the EnvoyFilter, ext_proc form) and
// originates TLS to the server. The objects are the Vertex ones' twins
// (render/egress), named mcp-*, for the hosts the config's mcp routes name.
//
// One thing the Vertex hosts do not have: in the ext_authz form, a request of
// the 2026-07-28 revision (or later) carries its method and tool in
// `Mcp-Method` / `Mcp-Name`, and Warden decides it from those headers alone.
// Its VirtualService sends such a request (matched on `MCP-Protocol-Version`)
// down a route of its own, `mcp-headers-only`, on which an EnvoyFilter turns
// off the ext_authz filter's body buffering: the check goes at once, with
// the headers, and the body streams to the server unbuffered. Any other
// request (an older client) is checked with its body, as the provider asks.
//
// An upstream inside the mesh (`*.svc`, `*.svc.cluster.local`, a bare name or
// an address) never passes the egress gateway: nothing is rendered for it,
// and a note says so (callers reach such a server through Warden's own port).
import { isIP } from 'node:net';
import type { GatewaySpec } from '../../config/schema.js';
import { HEADERS_REVISION_PATTERN } from '../../mcp/jsonrpc.js';
import { wardenLabels, type Manifest, type RenderOptions } from '../manifest.js';

/** An MCP server's host as the mesh's workloads call it (port 80, plain HTTP), and where the gateway sends it. */
export interface McpServer {
  host: string;
  /** The upstream's port. */
  port: number;
  /** The gateway originates TLS to it (an https upstream). */
  tls: boolean;
}

/** The route name the headers-only requests take (Istio names the Envoy route after the VirtualService's http route). */
export const HEADERS_ONLY_ROUTE = 'mcp-headers-only';

/** The servers of the config's mcp routes outside the mesh, sorted by host; and the routes whose server is inside. */
export function mcpServers(spec: GatewaySpec): { servers: McpServer[]; inMesh: string[] } {
  const servers = new Map<string, McpServer>();
  const inMesh: string[] = [];
  for (const r of spec.routes) {
    if (r.provider !== 'mcp') continue;
    const url = new URL(r.upstream);
    const tls = url.protocol === 'https:';
    const port = Number(url.port || (tls ? 443 : 80));
    if (inTheMesh(url.hostname)) {
      inMesh.push(`${r.name} (${url.host})`);
      continue;
    }
    // Envoy routes by the host the caller named, and Warden picks the route by it: a route's match.host
    // (unless a wildcard, which Istio host names do not take in the middle) is such a host too.
    for (const host of [url.hostname, r.match.host]) {
      if (host && !host.includes('*')) servers.set(host.toLowerCase(), { host: host.toLowerCase(), port, tls });
    }
  }
  return { servers: [...servers.values()].sort((a, b) => a.host.localeCompare(b.host)), inMesh };
}

function inTheMesh(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return isIP(h) !== 0 || !h.includes('.') || /\.svc(\.|$)/.test(h) || h.endsWith('.cluster.local') || h === 'localhost';
}

/**
 * The egress objects for `servers`; `custom`: the ext_authz form (the CUSTOM policy, and the headers-only
 * route with its EnvoyFilter), else the ext_proc form (its EnvoyFilter enables the filter on these hosts).
 */
export function mcpEgress(name: string, servers: McpServer[], o: RenderOptions, provider: string, custom: boolean): Manifest[] {
  if (!servers.length) return [];
  const ns = o.egressNamespace;
  const egressService = `istio-egressgateway.${ns}.svc.${o.trustDomain}`;
  const labels = wardenLabels(name);
  const hosts = servers.map((s) => s.host);
  return [
    // One per server: its own port, plain HTTP from the workloads on 80.
    ...servers.map((s, i) => ({
      apiVersion: 'networking.istio.io/v1',
      kind: 'ServiceEntry',
      metadata: { name: `mcp-server-${i}`, namespace: ns, labels },
      spec: {
        hosts: [s.host],
        location: 'MESH_EXTERNAL',
        resolution: 'DNS',
        ports: [
          { number: 80, name: 'http', protocol: 'HTTP' },
          ...(s.tls ? [{ number: s.port, name: 'https', protocol: 'HTTPS' }] : s.port !== 80 ? [{ number: s.port, name: 'http-upstream', protocol: 'HTTP' }] : []),
        ],
      },
    })),
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'Gateway',
      metadata: { name: 'mcp-egress', namespace: ns, labels },
      spec: { selector: o.egressSelector, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts }] },
    },
    ...servers.map((s, i) => {
      // A tool call may act (delete, send, pay): no route retries one, by the caller's sidecar or the gateway
      // (Istio's default retries a 503 twice). Warden does not retry under Envoy either.
      const once = { attempts: 0 };
      const upstream = { route: [{ destination: { host: s.host, port: { number: s.port } } }], retries: once };
      return {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: `mcp-egress-${i}`, namespace: ns, labels },
        spec: {
          hosts: [s.host],
          gateways: ['mesh', 'mcp-egress'],
          http: [
            { match: [{ gateways: ['mesh'], port: 80 }], route: [{ destination: { host: egressService, port: { number: 80 } } }], retries: once },
            ...(custom
              ? [{ name: HEADERS_ONLY_ROUTE, match: [{ gateways: ['mcp-egress'], port: 80, headers: { 'mcp-protocol-version': { regex: HEADERS_REVISION_PATTERN } } }], ...upstream }]
              : []),
            { match: [{ gateways: ['mcp-egress'], port: 80 }], ...upstream },
          ],
        },
      };
    }),
    // One per server: a DestinationRule names one host. Visible only in the gateway's namespace, as the Vertex one.
    ...servers.flatMap((s, i) =>
      s.tls
        ? [{
            apiVersion: 'networking.istio.io/v1',
            kind: 'DestinationRule',
            metadata: { name: `mcp-tls-origination-${i}`, namespace: ns, labels },
            spec: { host: s.host, exportTo: ['.'], trafficPolicy: { portLevelSettings: [{ port: { number: s.port }, tls: { mode: 'SIMPLE' } }] } },
          }]
        : [],
    ),
    ...(custom
      ? [
          {
            // CUSTOM, scoped to the MCP hosts: like vertex-ext-authz, it denies nothing it does not match.
            apiVersion: 'security.istio.io/v1',
            kind: 'AuthorizationPolicy',
            metadata: { name: 'mcp-ext-authz', namespace: ns, labels },
            spec: { selector: { matchLabels: o.egressSelector }, action: 'CUSTOM', provider: { name: provider }, rules: [{ to: [{ operation: { hosts } }] }] },
          },
          headersOnlyFilter(name, hosts, o),
        ]
      : []),
  ];
}

/** What the headers-only route gets: ext_authz's check without waiting for, or carrying, the body. */
export function headersOnlyCheck(): Record<string, object> {
  return {
    'envoy.filters.http.ext_authz': {
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute',
      check_settings: { disable_request_body_buffering: true },
    },
  };
}

function headersOnlyFilter(name: string, hosts: string[], o: RenderOptions): Manifest {
  return {
    apiVersion: 'networking.istio.io/v1alpha3',
    kind: 'EnvoyFilter',
    metadata: { name: `${name}-mcp-headers-only`, namespace: o.egressNamespace, labels: wardenLabels(name) },
    spec: {
      workloadSelector: { labels: o.egressSelector },
      configPatches: hosts.map((host) => ({
        applyTo: 'HTTP_ROUTE',
        match: { context: 'GATEWAY', routeConfiguration: { vhost: { name: `${host}:80`, route: { name: HEADERS_ONLY_ROUTE } } } },
        patch: { operation: 'MERGE', value: { typed_per_filter_config: headersOnlyCheck() } },
      })),
    },
  };
}
