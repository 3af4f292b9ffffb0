// The mesh's side: Warden as `meshConfig.extensionProviders` (gRPC and/or
// HTTP ext_authz), as an IstioOperator overlay — the same block goes in
// istiod's Helm `meshConfig`.
import type { GatewaySpec, RequestAuthenticationDoc } from '../../config/schema.js';
import { GRPC_PROVIDER, HTTP_PROVIDER, type Manifest, type Ports } from '../manifest.js';

/** Envoy sends at most this much body with a check (Warden's own buffer limit). */
const CHECK_BODY_BYTES = 1024 * 1024;
/**
 * Request headers Envoy must send with an HTTP check: those that can carry a caller's credential, and
 * MCP's (the session a call belongs to, and the 2026-07-28 method and name a call is decided on without its body).
 */
const CHECK_HEADERS = [
  'authorization', 'x-goog-api-key', 'x-api-key', 'cookie', 'content-type', 'x-forwarded-client-cert', 'x-request-id', 'traceparent', 'tracestate',
  'mcp-session-id', 'mcp-protocol-version', 'mcp-method', 'mcp-name',
];

export function meshConfig(serviceHost: string, spec: GatewaySpec, ports: Ports, ras: RequestAuthenticationDoc[]): Manifest {
  const body = { maxRequestBytes: CHECK_BODY_BYTES, allowPartialMessage: true, packAsBytes: true };
  const providers: Record<string, unknown>[] = [];
  if (ports.grpcExtAuthz) {
    providers.push({
      name: GRPC_PROVIDER,
      envoyExtAuthzGrpc: { service: serviceHost, port: ports.grpcExtAuthz, timeout: '0.2s', failOpen: false, includeRequestBodyInCheck: body },
    });
  }
  if (ports.httpExtAuthz) {
    providers.push({
      name: HTTP_PROVIDER,
      envoyExtAuthzHttp: {
        service: serviceHost,
        port: ports.httpExtAuthz,
        ...(spec.extAuthz?.http?.pathPrefix ? { pathPrefix: spec.extAuthz.http.pathPrefix } : {}),
        timeout: '0.2s',
        failOpen: false,
        includeRequestHeadersInCheck: CHECK_HEADERS,
        headersToUpstreamOnAllow: ['authorization', ...identityHeaders(spec, ras)],
        headersToDownstreamOnDeny: ['content-type', 'www-authenticate', 'retry-after', 'x-request-id'],
        includeRequestBodyInCheck: body,
      },
    });
  }
  return {
    apiVersion: 'install.istio.io/v1alpha1',
    kind: 'IstioOperator',
    metadata: { name: 'warden-extension-providers', namespace: 'istio-system' },
    spec: { meshConfig: { extensionProviders: providers } },
  };
}

/** Headers Warden sets upstream besides `authorization`: routes' identity tokens and jwtRules' outputs. */
function identityHeaders(spec: GatewaySpec, ras: RequestAuthenticationDoc[]): string[] {
  const out = new Set<string>();
  for (const r of spec.routes) if (r.identityToken) out.add(r.identityToken.header);
  for (const ra of ras) {
    for (const rule of ra.spec.jwtRules) {
      if (rule.outputPayloadToHeader) out.add(rule.outputPayloadToHeader.toLowerCase());
      for (const c of rule.outputClaimToHeaders ?? []) out.add(c.header.toLowerCase());
    }
  }
  return [...out];
}
