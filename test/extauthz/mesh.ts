// What the ext_authz tests share: a Warden config as a mesh would run it, and
// the CheckRequest an Istio sidecar sends (shape from istio.io's ext_authz
// task: SPIFFE principals on both peers, XFCC, pseudo-headers, request id).
import type { CheckRequest } from '../../src/extauthz/proto.js';
import { devIssuerAuthentication } from '../../src/cli/demo.js';

export const VERTEX_HOST = 'us-central1-aiplatform.googleapis.com';
export const MODEL_PATH = '/v1/projects/emulator-project/locations/us-central1/publishers/google/models/gemini-2.0-flash';
export const TRAINING_PATH = '/v1/projects/emulator-project/locations/us-central1/customJobs';
export const TRAINER = 'spiffe://cluster.local/ns/ml/sa/trainer';
export const GATEWAY = 'spiffe://cluster.local/ns/istio-system/sa/istio-egressgateway-service-account';
export const PROMPT = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Hello from the mesh' }] }] });

/** `audit`: a `spec.audit` flow mapping (none by default); `storePrompts` for the route. */
export function meshConfig(o: { emulatorUrl: string; issuer: string; audit?: string; storePrompts?: boolean }): string {
  return `apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: mesh, namespace: warden}
spec:
  listen: {host: 127.0.0.1, port: 0}
  admin: {host: 127.0.0.1, port: 0}
  # Istio's 100 ms default is too short for a first check on a loaded 2-core CI machine (the JWKS fetch, the warming mint).
  extAuthz:
    timeout: 2s
    grpc: {port: 0}
    http: {port: 0, pathPrefix: /check}
  routes:
    - name: vertex
      provider: vertex
      match: {host: ${VERTEX_HOST}}
      upstream: ${o.emulatorUrl}
      credential: vertex-sa
      storePrompts: ${o.storePrompts ?? false}
  credentials:
    - name: vertex-sa
      google: {file: ./credentials/service-account.json}
  # These cases send generations whose bodies Envoy cuts short: with owners tracked, such a body
  # (it may name another's context cache) is refused; test/admission/unknown-facts covers that.
  ownership: {enforce: off}
${o.audit ? `  audit: ${o.audit}\n  # The checks' log lines too (off by default beside an audit store).\n  telemetry: {accessLog: true}\n` : ''}---
${devIssuerAuthentication(o.issuer, 'warden')}---
# Workloads in namespace ml, for ML engineers, may call everything.
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ml-engineers}
spec:
  action: ALLOW
  rules:
    - from:
        - source: {principals: ["cluster.local/ns/ml/*"]}
      when:
        - key: request.auth.claims[groups]
          values: [ml-engineers]
---
# Analysts may generate text with Gemini; nothing else.
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: analysts-gemini}
spec:
  action: ALLOW
  rules:
    - when:
        - key: request.auth.claims[groups]
          values: [analysts]
        - key: request.operation
          values: [generateContent]
`;
}

/**
 * The CheckRequest an Istio egress gateway's Envoy sends for a call from `source`, with the body as
 * `warden istio render` asks for it (`packAsBytes`: `raw_body`). Envoy marks whether it sent the
 * whole body (`x-envoy-auth-partial-body`), as real Envoy does (test/extauthz/envoy.test.ts).
 */
export function sidecarCheck(o: {
  method?: string;
  path: string;
  token?: string;
  source?: string;
  body?: string;
  requestId: string;
  contextExtensions?: Record<string, string>;
}): CheckRequest {
  const method = o.method ?? 'POST';
  const headers: Record<string, string> = {
    ':authority': VERTEX_HOST,
    ':method': method,
    ':path': o.path,
    ':scheme': 'http',
    accept: '*/*',
    'content-type': 'application/json',
    'user-agent': 'curl/8.5.0',
    'x-envoy-attempt-count': '1',
    'x-forwarded-proto': 'http',
    'x-request-id': o.requestId,
    'x-forwarded-client-cert': `By=${GATEWAY};Hash=0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0;Subject="";URI=${o.source ?? TRAINER}`,
  };
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  if (o.body) {
    headers['content-length'] = String(Buffer.byteLength(o.body));
    headers['x-envoy-auth-partial-body'] = 'false';
  }
  return {
    attributes: {
      source: {
        address: { socketAddress: { address: '10.44.0.13', portValue: 52088 } },
        principal: o.source ?? TRAINER,
      },
      destination: {
        address: { socketAddress: { address: '10.44.3.30', portValue: 8080 } },
        principal: GATEWAY,
      },
      request: {
        http: {
          id: '8127384611395829760',
          method,
          headers,
          path: o.path,
          host: VERTEX_HOST,
          scheme: 'http',
          protocol: 'HTTP/1.1',
          size: o.body ? String(Buffer.byteLength(o.body)) : '0',
          ...(o.body ? { rawBody: Buffer.from(o.body) } : {}),
        },
      },
      contextExtensions: o.contextExtensions ?? { route: 'vertex' },
    },
  };
}
