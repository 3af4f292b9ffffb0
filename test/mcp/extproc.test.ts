// MCP through real Envoy with Warden as its ext_proc server (the filter
// `warden istio render` writes: STREAMED both ways, the header answer waiting
// for the body), Envoy forwarding to the official SDK's MCP server. The SDK
// client finds the metadata from Warden's 401 (both answered by Warden as
// immediate responses), signs in at the dev issuer, sees only the tools it
// may call, is refused a denied one with a JSON-RPC error, gets a secret in a
// tool result redacted over SSE; the session the initialize answer opened is
// its own; every call is recorded with its outcome.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { parseConfig } from '../../src/config/load.js';
import { renderManifests } from '../../src/istio/render.js';
import { readAuditDb } from '../helpers/audit-db.js';
import { startEnvoy, type RunningEnvoy } from '../helpers/envoy.js';
import { extProcFromEnvoyFilter } from '../helpers/istio-filters.js';
import { until } from '../helpers/process.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { SECRET } from './server.js';
import { ADMIN, connect, READER, startMcpStack, type McpStack } from './stack.js';

const WARDEN = 'warden-ext-proc';
const RENDER = {
  image: 'warden:test', replicas: 2, maxReplicas: 4, namespace: 'warden', egressNamespace: 'istio-system',
  egressSelector: { istio: 'egressgateway' }, egressServiceAccount: 'istio-egressgateway-service-account', trustDomain: 'cluster.local', secret: 'warden-files',
  metricsFrom: { namespaces: ['monitoring'], principals: [] }, ephemeralAudit: true,
};

/** The ext_proc filter, its per-host enabling and its runtime flag, as render writes them for a gateway with spec.extProc. */
function renderedFilter() {
  const dir = makeTempDir('warden-mcp-render-');
  try {
    const text = `apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: mesh, namespace: warden}
spec:
  extProc: {grpc: {port: 9193}, timeout: 5s}
  routes: [{name: vertex, provider: vertex, upstream: "https://us-central1-aiplatform.googleapis.com"}]
`;
    const rendered = renderManifests(parseConfig(text, join(dir, 'render.yaml'), dir), text, RENDER).manifests.find((m) => m.kind === 'EnvoyFilter')!;
    return extProcFromEnvoyFilter(rendered, WARDEN);
  } finally {
    removeDir(dir);
  }
}

type Row = { request_id: string; decision: string; reason: string; status: number; principal: string; mcp: string; findings: string | null };

describe('MCP through real Envoy with Warden as ext_proc (official SDK client and server)', { timeout: 120_000 }, () => {
  let s: McpStack;
  let envoy: RunningEnvoy;
  before(async () => {
    s = await startMcpStack({ gateway: '  extProc: {grpc: {port: 0}, timeout: 5s}' });
    const { filter, perFilterConfig, runtime } = renderedFilter();
    envoy = await startEnvoy({
      httpFilters: [filter],
      clusters: [
        { name: 'upstream', port: Number(new URL(s.sse.url).port) },
        { name: WARDEN, port: s.gw.extProc!.port, http2: true },
      ],
      routeTo: 'upstream',
      perFilterConfig,
      runtime,
    });
  });
  after(async () => {
    await envoy?.stop();
    await s?.close();
  });

  const rows = () => readAuditDb(s.auditDb, (db) => db.prepare("SELECT * FROM audit WHERE mcp IS NOT NULL AND json_extract(mcp, '$.method') = 'tools/call' ORDER BY id").all() as Row[]);

  it('signs in from the 401, lists what the reader may call, calls, is refused, gets secrets redacted; recorded', async () => {
    const before = s.sse.seen.length;
    const { client, transport } = await connect(`${envoy.url}/mcp`, READER, s.emu.issuer);
    try {
      const tools = (await client.listTools()).tools.map((t) => t.name).sort();
      assert.deepEqual(tools, ['echo', 'fail', 'read_file', 'search', 'show_config']);
      const read = await client.callTool({ name: 'read_file', arguments: { path: '/docs/a' } });
      assert.equal((read.content as { text: string }[])[0]!.text, 'contents of /docs/a');
      await assert.rejects(client.callTool({ name: 'delete_file', arguments: { path: '/docs/a' } }), (e: unknown) => {
        assert.ok(e instanceof McpError, String(e));
        assert.equal(e.code, -31403);
        assert.equal((e.data as { reason: string }).reason, 'POLICY_DENIED');
        return true;
      });
      const config = await client.callTool({ name: 'show_config' });
      const text = (config.content as { text: string }[])[0]!.text;
      assert.ok(!text.includes(SECRET), text);
      assert.match(text, /region: us-central1/);
    } finally {
      await client.close();
    }
    assert.ok(!s.sse.seen.slice(before).some((r) => r.tool === 'delete_file'), 'the denied call never reached the server');
    assert.ok(s.sse.seen.slice(before).every((r) => r.headers.authorization === undefined), 'the caller\'s token is not passed through');
    const session = transport.sessionId!;
    let calls: Row[] = [];
    await until(() => (calls = rows().filter((r) => JSON.parse(r.mcp).session === session)).length === 3, 'three tool call records');
    const [ok, denied, redacted] = calls.map((r) => ({ ...r, call: JSON.parse(r.mcp) as Record<string, unknown> }));
    assert.deepEqual([ok!.decision, ok!.call.tool, ok!.call.result, ok!.principal], ['allow', 'read_file', 'ok', `${s.emu.issuer}/${READER.id}`]);
    assert.deepEqual([denied!.decision, denied!.call.tool, denied!.call.result], ['deny', 'delete_file', 'error']);
    assert.match(denied!.reason, /^POLICY_DENIED/);
    assert.ok((JSON.parse(redacted!.findings!) as { type: string; action: string }[]).some((f) => f.type === 'AWS_ACCESS_KEY' && f.action === 'redact'));
    const lists = readAuditDb(s.auditDb, (db) => db.prepare("SELECT mcp FROM audit WHERE json_extract(mcp, '$.method') = 'tools/list' AND json_extract(mcp, '$.session') = ?").all(session) as { mcp: string }[]);
    assert.deepEqual(JSON.parse(lists[0]!.mcp).listed, { total: 6, shown: 5 });
  });

  it('binds the session the initialize answer opened to its caller: another caller is refused 404', async () => {
    const { client, transport } = await connect(`${envoy.url}/mcp`, READER, s.emu.issuer);
    try {
      const admin = await s.emu.mintIdToken({ sub: ADMIN.id, groups: ADMIN.groups, aud: `${envoy.url}/mcp` });
      const res = await fetch(`${envoy.url}/mcp`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': transport.sessionId!, 'mcp-protocol-version': '2025-06-18' },
        body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
      });
      assert.equal(res.status, 404);
      assert.equal(((await res.json()) as { error: { data: { reason: string } } }).error.data.reason, 'MCP_SESSION_FOREIGN');
      assert.equal((await client.listTools()).tools.length, 5, 'the owner goes on');
    } finally {
      await client.close();
    }
  });
});
