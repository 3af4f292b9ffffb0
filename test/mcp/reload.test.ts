// MCP sessions across a config reload: a session the official SDK client
// opened before the reload goes on after it, with no new initialize, still
// pinned to its caller; the reloaded config's policies govern its next calls.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { connect, READER, startMcpStack, type McpStack } from './stack.js';

const NO_SEARCH = `
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: no-search}
spec:
  action: DENY
  rules:
    - when: [{key: request.mcp.tool, values: [search]}]
`;

describe('MCP sessions across a config reload', () => {
  let s: McpStack;
  before(async () => {
    s = await startMcpStack();
  });
  after(async () => {
    await s?.close();
  });

  it('a session opened before a reload works after it, pinned to its caller, under the new policies', async () => {
    const { client, transport } = await connect(`${s.gw.url}/mcp`, READER, s.emu.issuer);
    try {
      assert.deepEqual((await client.callTool({ name: 'search', arguments: { query: 'x' } })).content, [{ type: 'text', text: '3 results for x' }]);
      const session = transport.sessionId;
      assert.ok(session, 'the server opened a session');
      const initializes = () => s.sse.seen.filter((r) => r.rpc === 'initialize').length;
      const before = initializes();

      const file = join(s.dir, 'warden.yaml');
      writeFileSync(file, readFileSync(file, 'utf8') + NO_SEARCH);
      const outcome = await s.gw.reload('test');
      assert.ok(outcome.applied, JSON.stringify(outcome));

      // The same session: no 404, no new initialize.
      const r = await client.callTool({ name: 'read_file', arguments: { path: '/etc/motd' } });
      assert.deepEqual(r.content, [{ type: 'text', text: 'contents of /etc/motd' }]);
      assert.equal(transport.sessionId, session);
      assert.equal(initializes(), before);
      // The new config's gate: search is denied now, and never reaches the server.
      const searches = () => s.sse.seen.filter((q) => q.tool === 'search').length;
      const searched = searches();
      await assert.rejects(client.callTool({ name: 'search', arguments: { query: 'x' } }), (e: unknown) => e instanceof McpError && e.code === -31403);
      assert.equal(searches(), searched);

      // Still pinned: another caller presenting the id is told it is not found.
      const other = await s.emu.mintIdToken({ sub: 'mallory', groups: ['readers'], aud: `${s.gw.url}/mcp` });
      const stolen = await fetch(`${s.gw.url}/mcp`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${other}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2025-06-18',
          'mcp-session-id': session,
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }),
      });
      assert.equal(stolen.status, 404);
      assert.equal(((await stolen.json()) as { error: { data: { reason: string } } }).error.data.reason, 'MCP_SESSION_FOREIGN');
    } finally {
      await client.close();
    }
  });
});
