// Callers of an MCP route that bring no OAuth token, each through Warden (TLS
// listener, client certificates from the openssl CLI) to the official SDK's
// server, with the SDK's client: a workload with its own SPIFFE certificate
// (mTLS), a workload a trusted sidecar vouches for in
// `x-forwarded-client-cert`, and an agent with an API key. Policy decides per
// tool by that identity: each lists only its tools, calls them, and is refused
// the others with the JSON-RPC error; the record names the caller; nothing of
// its credential reaches the server.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { Agent, fetch as undiciFetch } from 'undici';
import { readAuditDb } from '../helpers/audit-db.js';
import { until } from '../helpers/process.js';
import { makePki, type Pki } from '../identity/helpers.js';
import { startMcpStack, type McpStack } from './stack.js';

const SIDECAR = 'spiffe://cluster.local/ns/istio-system/sa/ingress';
const INDEXER = 'spiffe://cluster.local/ns/agents/sa/indexer';
const NOTEBOOK = 'spiffe://cluster.local/ns/agents/sa/notebook';
const API_KEY = 'nightly-agent-key-7';

// Workloads of namespace agents may open sessions and list; each calls its own tools. The API key's agent likewise.
const AGENTS_POLICY = `
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: agents}
spec:
  action: ALLOW
  rules:
    - from: [{source: {namespaces: [agents]}}]
      when: [{key: request.mcp.method, notValues: [tools/call]}]
    - from: [{source: {principals: [cluster.local/ns/agents/sa/indexer]}}]
      when: [{key: request.mcp.tool, values: [search]}]
    - from: [{source: {principals: [cluster.local/ns/agents/sa/notebook]}}]
      when: [{key: request.mcp.tool, values: [read_file]}]
    - from: [{source: {requestPrincipals: [api-key/nightly-agent]}}]
      when: [{key: request.mcp.method, notValues: [tools/call]}]
    - from: [{source: {requestPrincipals: [api-key/nightly-agent]}}]
      when: [{key: request.mcp.tool, values: [echo]}]
`;

type Row = { principal: string; decision: string; reason: string | null; mcp: string };

describe('MCP callers without an OAuth token: mTLS (SPIFFE), XFCC from a trusted proxy, API key', () => {
  let pki: Pki;
  let s: McpStack;
  const agents: Agent[] = [];
  let indexer: { cert: string; key: string };
  let sidecar: { cert: string; key: string };

  before(async () => {
    pki = makePki();
    indexer = pki.client('indexer', INDEXER);
    sidecar = pki.client('sidecar', SIDECAR);
    s = await startMcpStack({
      files: { 'server.crt': pki.serverCert, 'server.key': pki.serverKey, 'bundle.pem': pki.caCert },
      gateway: `  listen:
    tls: {certFile: server.crt, keyFile: server.key, clientCaFile: bundle.pem, clientCertificate: optional}
  identity:
    trustedProxies: [{principal: ${SIDECAR}}]
    apiKeys:
      keys: [{name: nightly-agent, sha256: ${createHash('sha256').update(API_KEY).digest('hex')}}]`,
      documents: AGENTS_POLICY,
    });
  });
  after(async () => {
    await Promise.all(agents.map((a) => a.close()));
    await s?.close();
    pki?.close();
  });

  /** The SDK's client over TLS, presenting `cert` (none: no client certificate) and sending `headers` with every request. */
  async function connectAs(cert: { cert: string; key: string } | undefined, headers: Record<string, string> = {}) {
    const agent = new Agent({ connect: { ca: pki.caCert, ...cert } });
    agents.push(agent);
    const transport = new StreamableHTTPClientTransport(new URL(`${s.gw.url}/mcp`), {
      requestInit: { headers },
      fetch: (url, init) => undiciFetch(url, { ...(init as object), dispatcher: agent }) as unknown as Promise<Response>,
    });
    const client = new Client({ name: 'mesh-agent', version: '1.0.0' });
    await client.connect(transport);
    return { client, session: transport.sessionId! };
  }

  /** The tools/call records of a session, once `n` are written (off the request path). */
  async function records(session: string, n: number): Promise<(Row & { call: { tool: string; result: string } })[]> {
    const read = () =>
      readAuditDb(s.auditDb, (db) => db.prepare("SELECT principal, decision, reason, mcp FROM audit WHERE json_extract(mcp, '$.method') = 'tools/call' AND json_extract(mcp, '$.session') = ? ORDER BY id").all(session) as Row[]);
    let rows: Row[] = [];
    await until(() => (rows = read()).length >= n, `${n} tools/call records of session ${session}`);
    return rows.map((r) => ({ ...r, call: JSON.parse(r.mcp) as { tool: string; result: string } }));
  }

  /** Lists, calls `allowed`, is refused `refused` with the JSON-RPC error; returns the session. */
  async function exercise(who: { client: Client; session: string }, allowed: { name: string; arguments: Record<string, string> }, refused: string): Promise<string> {
    try {
      assert.deepEqual((await who.client.listTools()).tools.map((t) => t.name), [allowed.name], 'the list shows what this caller may call');
      const r = await who.client.callTool(allowed);
      assert.equal((r.content as { text: string }[])[0]!.text.length > 0, true);
      await assert.rejects(who.client.callTool({ name: refused, arguments: { path: '/x', query: 'q', text: 't' } }), (e: unknown) => {
        assert.ok(e instanceof McpError, String(e));
        assert.equal(e.code, -31403);
        assert.equal((e.data as { reason: string }).reason, 'POLICY_DENIED');
        return true;
      });
    } finally {
      await who.client.close();
    }
    return who.session;
  }

  it('mTLS: the workload’s SPIFFE ID is its identity; it calls its tool, not another’s', async () => {
    const session = await exercise(await connectAs(indexer), { name: 'search', arguments: { query: 'q' } }, 'read_file');
    const [ok, denied] = await records(session, 2);
    assert.deepEqual([ok!.principal, ok!.decision, ok!.call.tool, ok!.call.result], ['cluster.local/ns/agents/sa/indexer', 'allow', 'search', 'ok']);
    assert.deepEqual([denied!.principal, denied!.decision, denied!.call.tool], ['cluster.local/ns/agents/sa/indexer', 'deny', 'read_file']);
  });

  it('XFCC: a trusted sidecar vouches for the workload, whose tools are its own; the header never reaches the server', async () => {
    const xfcc = `By=${SIDECAR};Hash=0f1e2d3c4b5a6978;Subject="";URI=${NOTEBOOK}`;
    const seen = s.sse.seen.length;
    const session = await exercise(await connectAs(sidecar, { 'x-forwarded-client-cert': xfcc }), { name: 'read_file', arguments: { path: '/docs/a' } }, 'search');
    const [ok, denied] = await records(session, 2);
    assert.deepEqual([ok!.principal, ok!.decision, ok!.call.tool], ['cluster.local/ns/agents/sa/notebook', 'allow', 'read_file']);
    assert.deepEqual([denied!.principal, denied!.decision, denied!.call.tool], ['cluster.local/ns/agents/sa/notebook', 'deny', 'search']);
    assert.ok(s.sse.seen.slice(seen).every((r) => r.headers['x-forwarded-client-cert'] === undefined));
    // The same header from a peer that is no trusted proxy names nobody: that peer is itself (the indexer), read_file is not its tool.
    const forged = await connectAs(indexer, { 'x-forwarded-client-cert': xfcc });
    try {
      assert.deepEqual((await forged.client.listTools()).tools.map((t) => t.name), ['search']);
      await assert.rejects(forged.client.callTool({ name: 'read_file', arguments: { path: '/docs/a' } }), (e: unknown) => e instanceof McpError && e.code === -31403);
    } finally {
      await forged.client.close();
    }
  });

  it('API key: the agent’s key is its identity; the key never reaches the server', async () => {
    const seen = s.sse.seen.length;
    const session = await exercise(await connectAs(undefined, { 'x-api-key': API_KEY }), { name: 'echo', arguments: { text: 'hello' } }, 'search');
    const [ok, denied] = await records(session, 2);
    assert.deepEqual([ok!.principal, ok!.decision, ok!.call.tool], ['api-key/nightly-agent', 'allow', 'echo']);
    assert.deepEqual([denied!.principal, denied!.decision, denied!.call.tool], ['api-key/nightly-agent', 'deny', 'search']);
    assert.ok(s.sse.seen.slice(seen).every((r) => r.headers['x-api-key'] === undefined && r.headers.authorization === undefined));
  });

  it('no identity at all: the route asks the caller to sign in (401 with the resource metadata), nothing reaches the server', async () => {
    const seen = s.sse.seen.length;
    const agent = new Agent({ connect: { ca: pki.caCert } });
    agents.push(agent);
    const res = await undiciFetch(`${s.gw.url}/mcp`, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } }),
    });
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer resource_metadata="https:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource\/mcp"/);
    await res.text();
    assert.equal(s.sse.seen.length, seen);
  });
});
