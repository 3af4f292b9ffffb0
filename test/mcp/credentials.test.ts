// Upstream credentials per caller on an MCP route, chosen by the identity
// mapping rules: admins' calls carry a static secret; group gcp's Warden's
// own Google access token (a service account's, minted by the emulator, as
// for Google's MCP servers); everyone else's a token exchanged (RFC 8693) at
// the emulator's STS for the caller's own — so the MCP server sees the user,
// and never the token the user sent Warden.
// Quotas per tool and per caller. `warden explain` on an MCP call.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { spawn } from 'node:child_process';
import { ADMIN, connect, READER, startMcpStack, type McpStack } from './stack.js';

/** An agent of a Google project: reads as a reader, and reaches the server with Warden's Google credential. */
const GCP_AGENT = { id: 'gcp-agent', secret: 'gcp-secret', groups: ['readers', 'gcp'] };

describe('MCP upstream credentials, tool quotas, explain', () => {
  let s: McpStack;
  before(async () => {
    s = await startMcpStack({
      files: { 'admin-token.txt': 'static-admin-secret\n' },
      googleCredentials: true,
      routes: ({ sse, emulator }) => `
    - name: federated
      provider: mcp
      match: {pathPrefix: /fed/mcp}
      upstream: ${sse}
      mcp:
        authorizationServers: [${emulator}/oidc]
      credentials:
        - when: {groups: [admins]}
          credential: admin-static
        - when: {groups: [gcp]}
          credential: google-sa
      credential: on-behalf
  credentials:
    - name: admin-static
      bearer: {file: ./admin-token.txt}
    - name: google-sa
      google: {file: ./credentials/service-account.json}
    - name: on-behalf
      tokenExchange:
        tokenUrl: ${emulator}/sts/v1/token
        audience: //iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/tools/providers/warden
        scopes: [https://www.googleapis.com/auth/cloud-platform]`,
      gateway: `
  limits:
    rules:
      - name: one-delete-a-minute
        by: [principal, tool]
        match: {tools: [delete_file]}
        requests: {limit: 1, per: 1m}`,
    });
    s.emu.registerOidcClient(GCP_AGENT.id, GCP_AGENT.secret, GCP_AGENT.groups);
  });
  after(async () => {
    await s?.close();
  });

  it('exchanges the caller’s token for the upstream (RFC 8693), per caller; the mapping picks a static one for admins', async () => {
    const seen = s.sse.seen.length;
    const reader = await connect(`${s.gw.url}/fed/mcp`, READER, s.emu.issuer);
    try {
      await reader.client.callTool({ name: 'search', arguments: { query: 'q' } });
    } finally {
      await reader.client.close();
    }
    const call = s.sse.seen.slice(seen).find((r) => r.tool === 'search')!;
    const token = /^Bearer (.+)$/.exec(String(call.headers.authorization))?.[1];
    assert.ok(token);
    assert.equal(s.emu.tokenInfo(token)?.identity, 'principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/tools/subject/reader-agent');
    assert.equal(s.emu.tokenInfo(token)?.grant, 'token-exchange');
  });

  it('sends the mapped static secret for an admin', async () => {
    const seen = s.sse.seen.length;
    const admin = await connect(`${s.gw.url}/fed/mcp`, ADMIN, s.emu.issuer);
    try {
      await admin.client.callTool({ name: 'search', arguments: { query: 'q' } });
    } finally {
      await admin.client.close();
    }
    assert.equal(s.sse.seen.slice(seen).find((r) => r.tool === 'search')!.headers.authorization, 'Bearer static-admin-secret');
  });

  it('sends Warden’s own Google token, minted by the emulator for its service account, for a caller the mapping gives it; never the caller’s', async () => {
    const seen = s.sse.seen.length;
    const agent = await connect(`${s.gw.url}/fed/mcp`, GCP_AGENT, s.emu.issuer);
    try {
      const r = await agent.client.callTool({ name: 'search', arguments: { query: 'q' } });
      assert.deepEqual(r.content, [{ type: 'text', text: '3 results for q' }]);
    } finally {
      await agent.client.close();
    }
    const session = s.sse.seen.slice(seen);
    const call = session.find((r) => r.tool === 'search')!;
    const token = /^Bearer (.+)$/.exec(String(call.headers.authorization))?.[1];
    assert.ok(token, 'a bearer token reached the server');
    const info = s.emu.tokenInfo(token);
    assert.equal(info?.identity, s.emu.serviceAccountEmail, 'the service account’s token, as the emulator minted it');
    assert.equal(info?.grant, 'jwt-bearer');
    // Every request of the session (initialize, the list, the call, the end) carried it; none the caller's own (a JWT of the dev issuer).
    assert.ok(session.length >= 3);
    for (const r of session) assert.equal(r.headers.authorization, `Bearer ${token}`, `${r.method} ${r.rpc ?? ''}`);
  });

  it('counts calls of a tool per caller, and refuses past the quota with a JSON-RPC error', async () => {
    const { client } = await connect(`${s.gw.url}/mcp`, ADMIN, s.emu.issuer);
    try {
      // Other tools do not count.
      await client.callTool({ name: 'search', arguments: { query: 'q' } });
      await client.callTool({ name: 'search', arguments: { query: 'q' } });
      await client.callTool({ name: 'delete_file', arguments: { path: '/a' } });
      await assert.rejects(client.callTool({ name: 'delete_file', arguments: { path: '/b' } }), (e: unknown) => {
        assert.ok(e instanceof McpError);
        assert.equal(e.code, -31429);
        assert.match(e.message, /quota "one-delete-a-minute" exceeded/);
        assert.ok(Number((e.data as { retryAfterSeconds: number }).retryAfterSeconds) > 0);
        return true;
      });
    } finally {
      await client.close();
    }
    // Another caller has a counter of its own.
    const other = await s.emu.mintIdToken({ sub: 'another-admin', groups: ['admins'], aud: `${s.gw.url}/mcp` });
    const init = await fetch(`${s.gw.url}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${other}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } }),
    });
    const session = init.headers.get('mcp-session-id')!;
    await init.text();
    const del = await fetch(`${s.gw.url}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${other}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'delete_file', arguments: { path: '/c' } } }),
    });
    assert.equal(del.status, 200);
    assert.match(await del.text(), /deleted \/c/);
  });

  /** `warden explain -c <the stack's config> …` as its own process. */
  const explain = (args: string[]) =>
    new Promise<{ result: number; stdout: string }>((resolve) => {
      const child = spawn(process.execPath, ['bin/warden.js', 'explain', '-c', `${s.dir}/warden.yaml`, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
      let stdout = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.on('close', (code) => resolve({ result: code ?? -1, stdout }));
    });

  it('warden explain: the MCP call, the policy that decided, and why the others did not', async () => {
    const token = await s.emu.mintIdToken({ sub: 'reader-agent', groups: ['readers'], aud: `http://127.0.0.1/mcp` });
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'delete_file', arguments: { path: '/x' } } });
    const denied = await explain(['-X', 'POST', '--host', '127.0.0.1', '--path', '/mcp', '--token', token, '--body', body]);
    assert.equal(denied.result, 3, denied.stdout);
    assert.match(denied.stdout, /^DENY: no ALLOW policy matched/);
    assert.match(denied.stdout, /target: {4}mcp tools\/call \(tool\)/);
    assert.match(denied.stdout, /mcp: {7}request: method tools\/call, tool delete_file, arguments \{"path":"\/x"\}/);
    assert.match(denied.stdout, /✗ mcp-readers \[ALLOW\]: rule 0 wants .*request\.mcp\.method not in \[tools\/call\].*; rule 1 wants .*request\.mcp\.tool in \[read_file, search, show_config, echo, fail\]/);
    // From the 2026-07-28 headers alone, as an ext_authz check without the body would be decided.
    const allowed = await explain(['-X', 'POST', '--host', '127.0.0.1', '--path', '/mcp', '--token', token, '-H', 'mcp-protocol-version: 2026-07-28', '-H', 'mcp-method: tools/call', '-H', 'mcp-name: search', '--json']);
    assert.equal(allowed.result, 0);
    const json = JSON.parse(allowed.stdout) as { decision: { policy: string; rule: number }; target: { mcp: { tool: string; source: string } } };
    assert.deepEqual([json.decision.policy, json.decision.rule, json.target.mcp.tool, json.target.mcp.source], ['mcp-readers', 1, 'search', 'headers']);
    // A token for another resource is refused before any policy, as the route would (RFC 8707).
    const elsewhere = await explain(['-X', 'POST', '--host', 'gw.example', '--path', '/mcp', '--token', token, '--body', body]);
    assert.equal(elsewhere.result, 4);
    assert.match(elsewhere.stdout, /^UNAUTHENTICATED \(401 TOKEN_AUDIENCE\): the token was not issued for this MCP server \(its audience does not name http:\/\/gw.example\/mcp\)/);
    // A tool name that reads as another is refused before any policy, as the route would.
    const hidden = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'delete_file\u200b', arguments: { path: '/x' } } });
    const refused = await explain(['-X', 'POST', '--host', '127.0.0.1', '--path', '/mcp', '--token', token, '--body', hidden]);
    assert.notEqual(refused.result, 0);
    assert.match(refused.stdout, /^REFUSED \(400 MCP_NAME_INVALID\): the tool name contains U\+200B/);
  });
});
