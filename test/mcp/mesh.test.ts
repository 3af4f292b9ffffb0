// MCP in the mesh, ext_authz form, as `warden istio render` sets it up, with
// real Envoy: the ext_authz filter istiod builds from the rendered extension
// providers (gRPC and HTTP, the body sent with each check), the rendered
// VirtualService's route for the 2026-07-28 revision (matched on
// MCP-Protocol-Version) carrying the rendered EnvoyFilter's per-route
// setting (no body buffered for its check), and Envoy forwarding to the
// official SDK's server, which serves both eras. A 2026-07-28 client (SDK v2)
// is decided per tool from Mcp-Method / Mcp-Name alone (its record says
// `source: headers`: Warden never had the body); an older client (SDK v1)
// from its body, refused with a JSON-RPC error for its call.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from '@modelcontextprotocol/client';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { parseConfig } from '../../src/config/load.js';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import type { RunningGateway } from '../../src/gateway.js';
import { renderManifests } from '../../src/istio/render.js';
import { readAuditDb } from '../helpers/audit-db.js';
import { startEnvoy, type RunningEnvoy } from '../helpers/envoy.js';
import { startGatewayFromYaml } from '../helpers/gateway.js';
import { extAuthzGrpc, extAuthzHttp, WARDEN_GRPC_CLUSTER, WARDEN_HTTP_CLUSTER, type IstioGrpcProvider, type IstioHttpProvider } from '../helpers/istio-filters.js';
import { until } from '../helpers/process.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { startMcpServer2026, type TestMcpServer2026 } from './server-2026.js';
import { connect, READER, READERS_POLICY } from './stack.js';

const RENDER = {
  image: 'warden:test', replicas: 2, maxReplicas: 4, namespace: 'warden', egressNamespace: 'istio-system',
  egressSelector: { istio: 'egressgateway' }, egressServiceAccount: 'istio-egressgateway-service-account', trustDomain: 'cluster.local', secret: 'warden-files',
  metricsFrom: { namespaces: ['monitoring'], principals: [] }, ephemeralAudit: true,
};

interface Rendered {
  grpc: IstioGrpcProvider;
  http: IstioHttpProvider;
  /** The headers-only route as istiod makes it of the VirtualService's http route and the EnvoyFilter's HTTP_ROUTE patch. */
  route: { name: string; match: object; perFilterConfig: Record<string, object> };
}

/** What render writes for an MCP server outside the mesh, in the ext_authz form. */
function rendered(dir: string): Rendered {
  const text = `apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: mesh, namespace: warden}
spec:
  extAuthz:
    grpc: {port: 9191}
    http: {port: 9192, pathPrefix: /check}
  routes: [{name: tools, provider: mcp, match: {pathPrefix: /mcp}, upstream: "https://mcp.example.com/mcp"}]
`;
  const out = renderManifests(parseConfig(text, join(dir, 'render.yaml'), dir), text, RENDER);
  const providers = (out.meshConfig.spec as { meshConfig: { extensionProviders: Record<string, any>[] } }).meshConfig.extensionProviders;
  const vs = out.manifests.find((m) => m.kind === 'VirtualService' && m.metadata.name === 'mcp-egress-0')!.spec as { http: { name?: string; match: { port: number; headers?: Record<string, { regex: string }> }[] }[] };
  const http = vs.http.find((h) => h.name === 'mcp-headers-only')!;
  // istiod: a VirtualService header `regex` is Envoy's safe_regex (RE2, whole value); the port and gateway select the listener.
  const headers = Object.entries(http.match[0]!.headers!).map(([name, m]) => ({ name, string_match: { safe_regex: { regex: m.regex } } }));
  const filter = out.manifests.find((m) => m.kind === 'EnvoyFilter' && m.metadata.name === 'mesh-mcp-headers-only')!.spec as { configPatches: { match: any; patch: { value: { typed_per_filter_config: Record<string, object> } } }[] };
  const patch = filter.configPatches.find((p) => p.match.routeConfiguration.vhost.route.name === http.name)!;
  return {
    grpc: providers.find((p) => p.envoyExtAuthzGrpc)!.envoyExtAuthzGrpc,
    http: providers.find((p) => p.envoyExtAuthzHttp)!.envoyExtAuthzHttp,
    route: { name: http.name!, match: { prefix: '/', headers }, perFilterConfig: patch.patch.value.typed_per_filter_config },
  };
}

type McpRow = { decision: string; reason: string | null; principal: string; mcp: string };

describe('MCP in the mesh: ext_authz as warden istio render sets it up, through real Envoy', { timeout: 120_000 }, () => {
  let dir: string;
  let emu: Emulator;
  let server: TestMcpServer2026;
  let gw: RunningGateway;
  const envoys: Record<'grpc' | 'http', RunningEnvoy | undefined> = { grpc: undefined, http: undefined };

  before(async () => {
    dir = makeTempDir('warden-mcp-mesh-');
    emu = await startEmulator({ port: 0 });
    emu.registerOidcClient(READER.id, READER.secret, READER.groups);
    server = await startMcpServer2026({ legacy: true });
    ({ gw } = await startGatewayFromYaml(
      `apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: mesh}
spec:
  # Istio's render writes 0.2 s; more here, so that a first check on a loaded machine is not cut off.
  extAuthz:
    timeout: 5s
    grpc: {port: 0}
    http: {port: 0, pathPrefix: /check}
  routes:
    - name: tools
      provider: mcp
      match: {pathPrefix: /mcp}
      upstream: ${server.url}
    # An OAuth resource server: the client signs in from the 401 and the metadata, both answered through Envoy.
    - name: signin
      provider: mcp
      match: {pathPrefix: /signin/mcp}
      upstream: ${server.url}
      mcp: {authorizationServers: [${emu.issuer}]}
  audit: {sqlite: ./audit.db}
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: dev-issuer}
spec:
  jwtRules: [{issuer: ${emu.issuer}, jwksUri: ${emu.issuer}/jwks}]
---
${READERS_POLICY}`,
      { dir, quiet: true },
    ));
    const r = rendered(dir);
    const clusters = [
      { name: 'upstream', port: Number(new URL(server.url).port) },
      { name: WARDEN_GRPC_CLUSTER, port: gw.extAuthz!.grpc!.port, http2: true },
      { name: WARDEN_HTTP_CLUSTER, port: gw.extAuthz!.http!.port },
    ];
    const start = (filter: object) => startEnvoy({ httpFilters: [filter], clusters, routeTo: 'upstream', routes: [r.route] });
    [envoys.grpc, envoys.http] = await Promise.all([
      start(extAuthzGrpc({ ...r.grpc, timeout: '5s' })),
      start(extAuthzHttp({ ...r.http, timeout: '5s' })),
    ]);
  });
  after(async () => {
    await Promise.all(Object.values(envoys).map((e) => e?.stop()));
    await gw?.close();
    await server?.close();
    await emu?.close();
    if (dir) removeDir(dir);
  });

  /** The tools/call records of `sub`, once `n` are written (off the request path). */
  async function calls(sub: string, n: number): Promise<(McpRow & { call: { tool: string; source: string } })[]> {
    const read = () =>
      readAuditDb(`${dir}/audit.db`, (db) => db.prepare("SELECT decision, reason, principal, mcp FROM audit WHERE principal = ? AND json_extract(mcp, '$.method') = 'tools/call' ORDER BY id").all(`${emu.issuer}/${sub}`) as McpRow[]);
    let rows: McpRow[] = [];
    await until(() => (rows = read()).length >= n, `${n} tools/call records of ${sub}`);
    return rows.map((r) => ({ ...r, call: JSON.parse(r.mcp) as { tool: string; source: string } }));
  }

  it('grpc: an MCP client signs in through Envoy: the 401 names the metadata, which Warden answers in the check', async () => {
    const { client } = await connect(`${envoys.grpc!.url}/signin/mcp`, READER, emu.issuer);
    try {
      const found = await client.callTool({ name: 'search', arguments: { query: 'signed in' } });
      assert.deepEqual(found.content, [{ type: 'text', text: '3 results for signed in' }]);
      await assert.rejects(client.callTool({ name: 'delete_file', arguments: { path: '/signin' } }), (e: unknown) => e instanceof McpError && e.code === -31403);
    } finally {
      await client.close();
    }
    const log = await envoys.grpc!.waitForLog((l) => String(l.path).startsWith('/.well-known/oauth-protected-resource/signin/mcp'), 'the metadata request');
    assert.equal(log.status, 200);
    assert.equal(log.upstreamHost, null, 'answered by Envoy for Warden, not forwarded');
    const [ok] = await calls(READER.id, 1);
    assert.deepEqual([ok!.decision, ok!.call.tool], ['allow', 'search']);
  });

  for (const mode of ['grpc', 'http'] as const) {
    it(`${mode}: a 2026-07-28 client is decided per tool from its headers alone, the check sent without the body`, async () => {
      const sub = `modern-${mode}`;
      const token = await emu.mintIdToken({ sub, groups: ['readers'], aud: 'mcp' });
      const client = new ClientV2({ name: 'mesh-agent', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
      await client.connect(new TransportV2(new URL(`${envoys[mode]!.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
      try {
        const found = await client.callTool({ name: 'search', arguments: { query: 'q' } });
        assert.deepEqual(found.content, [{ type: 'text', text: '3 results for q' }]);
        // Refused without the body: there is no id to answer, so HTTP 403 with a JSON-RPC error without id.
        await assert.rejects(client.callTool({ name: 'delete_file', arguments: { path: '/etc' } }), (e: unknown) => {
          const err = e as { status?: number; data?: { text?: string } };
          assert.equal(err.status, 403, String(e));
          const answer = JSON.parse(err.data!.text!) as { id: null; error: { code: number; data: { reason: string } } };
          assert.deepEqual([answer.id, answer.error.code, answer.error.data.reason], [null, -31403, 'POLICY_DENIED']);
          return true;
        });
      } finally {
        await client.close();
      }
      assert.ok(!server.seen.some((r) => r.tool === 'delete_file'), 'the refused call never reached the server');
      const seen = server.seen.find((r) => r.tool === 'search' && r.headers['mcp-protocol-version'] === '2026-07-28');
      assert.ok(seen, 'the allowed call reached the server, body and all');
      const [ok, denied] = await calls(sub, 2);
      assert.deepEqual([ok!.decision, ok!.call.tool, ok!.call.source], ['allow', 'search', 'headers']);
      assert.deepEqual([denied!.decision, denied!.call.tool, denied!.call.source], ['deny', 'delete_file', 'headers']);
    });

    it(`${mode}: an older client is decided from its body, and refused with a JSON-RPC error for its call`, async () => {
      const sub = `legacy-${mode}`;
      const token = await emu.mintIdToken({ sub, groups: ['readers'], aud: 'mcp' });
      const client = new Client({ name: 'legacy-agent', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${envoys[mode]!.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
      try {
        const found = await client.callTool({ name: 'search', arguments: { query: 'old' } });
        assert.deepEqual(found.content, [{ type: 'text', text: '3 results for old' }]);
        const refused = client.callTool({ name: 'delete_file', arguments: { path: `/legacy-${mode}` } });
        if (mode === 'grpc') {
          // Envoy answers with the check's denied response: HTTP 200 and the JSON-RPC error for the call's id.
          await assert.rejects(refused, (e: unknown) => e instanceof McpError && e.code === -31403);
        } else {
          // Envoy's HTTP ext_authz takes any 200 for an allow: the refusal keeps its 403, the same JSON-RPC error in its body.
          await assert.rejects(refused, (e: unknown) => {
            assert.equal((e as { code?: number }).code, 403, String(e));
            assert.match(String(e), /"code":-31403/);
            return true;
          });
        }
      } finally {
        await client.close();
      }
      assert.ok(!server.seen.some((r) => r.tool === 'delete_file'), 'the refused call never reached the server');
      const [ok, denied] = await calls(sub, 2);
      assert.deepEqual([ok!.decision, ok!.call.tool, ok!.call.source], ['allow', 'search', 'body']);
      assert.deepEqual([denied!.decision, denied!.call.tool, denied!.call.source], ['deny', 'delete_file', 'body']);
    });

    it(`${mode}: a session id is its first caller's; another caller presenting it is refused 404, never forwarded`, async () => {
      const session = `mesh-session-${mode}`;
      const post = async (sub: string) => {
        const token = await emu.mintIdToken({ sub, groups: ['readers'], aud: 'mcp' });
        const res = await fetch(`${envoys[mode]!.url}/mcp`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream',
            'mcp-protocol-version': '2025-06-18', 'mcp-session-id': session,
          },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
        });
        return { status: res.status, text: await res.text() };
      };
      await post(`owner-${mode}`);
      const seen = server.seen.length;
      const stolen = await post(`thief-${mode}`);
      assert.equal(stolen.status, 404, stolen.text);
      assert.equal((JSON.parse(stolen.text) as { error: { data: { reason: string } } }).error.data.reason, 'MCP_SESSION_FOREIGN');
      assert.equal(server.seen.length, seen, 'the thief’s request never reached the server');
    });
  }
});
