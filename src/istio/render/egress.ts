// Model egress: workloads speak plain HTTP to the Vertex host, their sidecar
// sends it (mTLS) to the egress gateway, whose CUSTOM policy asks Warden, and
// the gateway originates TLS to Google. ServiceEntries, the egress Gateway,
// VirtualServices, the TLS-originating DestinationRule and the CUSTOM policy.
import type { GatewaySpec } from '../../config/schema.js';
import { VERTEX_REPEATABLE_PATHS } from '../../providers/vertex.js';
import { GRPC_PROVIDER, HTTP_PROVIDER, wardenLabels, type Manifest, type RenderOptions } from '../manifest.js';

/**
 * Vertex AI's regional hosts the config's vertex routes name. Istio host
 * names only take a leading `*.` wildcard, so `*-aiplatform.googleapis.com`
 * is written out as the hosts in use. A config whose vertex routes name none
 * (an emulator, a private endpoint) gets us-central1's; one without vertex
 * routes (MCP servers, OpenAI-compatible upstreams only) gets none: a CUSTOM
 * policy on a Vertex host Warden has no route for would refuse every call
 * there (NO_ROUTE).
 */
export function vertexHosts(spec: GatewaySpec): string[] {
  const hosts = new Set<string>();
  for (const r of spec.routes) {
    if (r.provider !== 'vertex') continue;
    for (const h of [r.match.host, new URL(r.upstream).hostname]) {
      if (h && /^([a-z0-9-]+-)?aiplatform\.googleapis\.com$/.test(h)) hosts.add(h);
    }
  }
  if (!hosts.size && spec.routes.some((r) => r.provider === 'vertex')) hosts.add('us-central1-aiplatform.googleapis.com');
  return [...hosts].sort();
}

/** `custom`: the CUSTOM policy that asks Warden by ext_authz (left out in the ext_proc form). */
export function egress(name: string, hosts: string[], spec: GatewaySpec, o: RenderOptions, custom = true): Manifest[] {
  const ns = o.egressNamespace;
  const egressService = `istio-egressgateway.${ns}.svc.${o.trustDomain}`;
  const labels = wardenLabels(name);
  const provider = spec.extAuthz?.grpc ? GRPC_PROVIDER : HTTP_PROVIDER;
  const tokenServices: Manifest = {
    // Warden's own calls for tokens (and to Vertex AI when it is the gateway) are already TLS.
    apiVersion: 'networking.istio.io/v1',
    kind: 'ServiceEntry',
    metadata: { name: 'google-token-services', namespace: o.namespace, labels },
    spec: {
      hosts: ['oauth2.googleapis.com', 'sts.googleapis.com', 'iamcredentials.googleapis.com'],
      location: 'MESH_EXTERNAL',
      resolution: 'DNS',
      ports: [{ number: 443, name: 'tls', protocol: 'TLS' }],
    },
  };
  if (!hosts.length) return [tokenServices];
  return [
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'ServiceEntry',
      metadata: { name: 'vertex-ai', namespace: ns, labels },
      spec: {
        hosts,
        location: 'MESH_EXTERNAL',
        resolution: 'DNS',
        ports: [
          { number: 80, name: 'http', protocol: 'HTTP' },
          { number: 443, name: 'https', protocol: 'HTTPS' },
        ],
      },
    },
    tokenServices,
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'Gateway',
      metadata: { name: 'vertex-egress', namespace: ns, labels },
      spec: {
        selector: o.egressSelector,
        servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts }],
      },
    },
    ...hosts.map((host, i) => ({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: `vertex-egress-${i}`, namespace: ns, labels },
      spec: {
        hosts: [host],
        gateways: ['mesh', 'vertex-egress'],
        // Calls safe to repeat keep the mesh's retry policy (Istio's default retries a 503 twice); any
        // other call (an interaction's, a cache's or a job's creation, training, admin) is never sent
        // twice, by the caller's sidecar or the gateway: attempts 0. Warden does not retry under Envoy.
        http: [
          { match: [{ gateways: ['mesh'], port: 80, uri: { regex: VERTEX_REPEATABLE_PATHS } }], route: [{ destination: { host: egressService, port: { number: 80 } } }] },
          { match: [{ gateways: ['mesh'], port: 80 }], route: [{ destination: { host: egressService, port: { number: 80 } } }], retries: { attempts: 0 } },
          { match: [{ gateways: ['vertex-egress'], port: 80, uri: { regex: VERTEX_REPEATABLE_PATHS } }], route: [{ destination: { host, port: { number: 443 } } }] },
          { match: [{ gateways: ['vertex-egress'], port: 80 }], route: [{ destination: { host, port: { number: 443 } } }], retries: { attempts: 0 } },
        ],
      },
    })),
    {
      // Visible only in the gateway's namespace, so that Warden's own HTTPS is not wrapped twice.
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'vertex-tls-origination', namespace: ns, labels },
      spec: {
        host: '*.googleapis.com',
        exportTo: ['.'],
        trafficPolicy: { portLevelSettings: [{ port: { number: 443 }, tls: { mode: 'SIMPLE' } }] },
      },
    },
    ...(custom
      ? [
          {
            // The gateway's one policy from Warden: CUSTOM (which, unlike ALLOW, denies nothing it does not
            // match) and only for the Vertex hosts, so that the rest of the mesh's egress is left alone.
            apiVersion: 'security.istio.io/v1',
            kind: 'AuthorizationPolicy',
            metadata: { name: 'vertex-ext-authz', namespace: ns, labels },
            spec: {
              selector: { matchLabels: o.egressSelector },
              action: 'CUSTOM',
              provider: { name: provider },
              rules: [{ to: [{ operation: { hosts } }] }],
            },
          },
        ]
      : []),
  ];
}
