// MCP through Warden with the official SDK's client and server: the client
// finds the authorization server from Warden's 401, signs in at the dev
// issuer, sees only the tools it may call, calls one, is refused another with
// a JSON-RPC error its SDK raises, and gets tool results with secrets
// redacted, over SSE and over JSON. Every call leaves one audit record.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { readAuditDb } from '../helpers/audit-db.js';
import { sample } from '../helpers/metrics.js';
import { until } from '../helpers/process.js';
import { SECRET } from './server.js';
import { ADMIN, connect, READER, startMcpStack, type McpStack } from './stack.js';

type Row = Record<string, unknown> & { mcp: string | null };

function mcpRows(s: McpStack): (Row & { call: Record<string, unknown> })[] {
  return readAuditDb(s.auditDb, (db) => db.prepare('SELECT * FROM audit WHERE mcp IS NOT NULL ORDER BY id').all() as Row[]).map((r) => ({
    ...r,
    call: JSON.parse(r.mcp!) as Record<string, unknown>,
  }));
}

async function rowsFor(s: McpStack, pred: (r: ReturnType<typeof mcpRows>[number]) => boolean): Promise<ReturnType<typeof mcpRows>> {
  let rows: ReturnType<typeof mcpRows> = [];
  await until(() => (rows = mcpRows(s).filter(pred)).length > 0, 'the audit record');
  return rows;
}

describe('MCP through Warden (official SDK client and server)', () => {
  let s: McpStack;
  before(async () => {
    s = await startMcpStack();
  });
  after(async () => {
    await s?.close();
  });

  it('answers an unauthenticated call with 401 and the resource metadata, which names the issuer', async () => {
    const res = await fetch(`${s.gw.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }),
    });
    assert.equal(res.status, 401);
    const challenge = res.headers.get('www-authenticate') ?? '';
    const url = /resource_metadata="([^"]+)"/.exec(challenge)?.[1];
    assert.equal(url, `${s.gw.url}/.well-known/oauth-protected-resource/mcp`);
    assert.match(challenge, /scope="mcp"/);
    const body = (await res.json()) as { error: { code: number; data: { reason: string } } };
    assert.equal(body.error.data.reason, 'TOKEN_REQUIRED');
    const meta = (await (await fetch(url!)).json()) as Record<string, unknown>;
    assert.deepEqual(meta, { resource: `${s.gw.url}/mcp`, authorization_servers: [s.emu.issuer], bearer_methods_supported: ['header'], scopes_supported: ['mcp'] });
  });

  it('refuses a token issued for another resource (RFC 8707 audience)', async () => {
    const token = await s.emu.mintIdToken({ sub: 'someone', groups: ['admins'], aud: 'https://elsewhere.example/mcp' });
    const res = await fetch(`${s.gw.url}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    assert.equal(((await res.json()) as { error: { data: { reason: string } } }).error.data.reason, 'TOKEN_AUDIENCE');
  });

  for (const [route, label] of [['/mcp', 'SSE'], ['/json/mcp', 'JSON']] as const) {
    describe(`answers as ${label}`, () => {
      it('signs in from the 401, lists only the tools the reader may call, calls one', async () => {
        const { client } = await connect(`${s.gw.url}${route}`, READER, s.emu.issuer);
        try {
          const tools = (await client.listTools()).tools.map((t) => t.name).sort();
          assert.deepEqual(tools, ['echo', 'fail', 'read_file', 'search', 'show_config']);
          const r = await client.callTool({ name: 'read_file', arguments: { path: '/etc/motd' } });
          assert.deepEqual(r.content, [{ type: 'text', text: 'contents of /etc/motd' }]);
          const prompts = (await client.listPrompts()).prompts.map((p) => p.name);
          assert.deepEqual(prompts, ['summarize']);
          const resources = (await client.listResources()).resources.map((r) => r.uri);
          assert.deepEqual(resources, ['file:///public/readme.md']);
        } finally {
          await client.close();
        }
      });

      it('refuses a denied tool with a JSON-RPC error the SDK raises', async () => {
        const { client } = await connect(`${s.gw.url}${route}`, READER, s.emu.issuer);
        try {
          await assert.rejects(client.callTool({ name: 'delete_file', arguments: { path: '/etc/motd' } }), (e: unknown) => {
            assert.ok(e instanceof McpError, String(e));
            assert.equal(e.code, -31403);
            assert.match(e.message, /permission denied by policy/);
            return true;
          });
          // A condition on the arguments: read_file, but not under /private.
          await assert.rejects(client.callTool({ name: 'read_file', arguments: { path: '/private/key' } }), (e: unknown) => e instanceof McpError && e.code === -31403);
          await assert.rejects(client.getPrompt({ name: 'admin_report' }), (e: unknown) => e instanceof McpError && e.code === -31403);
          // The session goes on: the refusal was one call's.
          const r = await client.callTool({ name: 'search', arguments: { query: 'x' } });
          assert.deepEqual(r.content, [{ type: 'text', text: '3 results for x' }]);
        } finally {
          await client.close();
        }
        const server = route === '/mcp' ? s.sse : s.json;
        assert.ok(!server.seen.some((r) => r.tool === 'delete_file'), 'the refused call never reached the server');
      });

      it('redacts a secret in a tool result', async () => {
        const { client } = await connect(`${s.gw.url}${route}`, READER, s.emu.issuer);
        try {
          const r = await client.callTool({ name: 'show_config' });
          const text = (r.content as { text: string }[])[0]!.text;
          assert.ok(!text.includes(SECRET), text);
          assert.match(text, /region: us-central1/);
          assert.match(text, /\[AWS_ACCESS_KEY/);
        } finally {
          await client.close();
        }
      });

      it('lets an admin call every tool', async () => {
        const { client } = await connect(`${s.gw.url}${route}`, ADMIN, s.emu.issuer);
        try {
          assert.equal((await client.listTools()).tools.length, 6);
          const r = await client.callTool({ name: 'delete_file', arguments: { path: '/tmp/x' } });
          assert.deepEqual(r.content, [{ type: 'text', text: 'deleted /tmp/x' }]);
        } finally {
          await client.close();
        }
      });
    });
  }

  it('blocks a secret in tool arguments before it reaches the server', async () => {
    const { client } = await connect(`${s.gw.url}/mcp`, READER, s.emu.issuer);
    try {
      await assert.rejects(client.callTool({ name: 'echo', arguments: { text: `use ${SECRET}` } }), (e: unknown) => {
        assert.ok(e instanceof McpError);
        assert.equal(e.code, -31403);
        assert.match(e.message, /blocked by guardrails/);
        return true;
      });
    } finally {
      await client.close();
    }
    assert.ok(!s.sse.seen.some((r) => r.tool === 'echo'));
  });

  it('pins a session to its caller: another caller presenting its id is refused, the owner goes on', async () => {
    const { client, transport } = await connect(`${s.gw.url}/mcp`, READER, s.emu.issuer);
    const session = transport.sessionId!;
    assert.ok(session);
    const post = async (token: string, id: string) =>
      fetch(`${s.gw.url}/mcp`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': id, 'mcp-protocol-version': '2025-06-18' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list' }),
      });
    try {
      const admin = await s.emu.mintIdToken({ sub: ADMIN.id, groups: ADMIN.groups, aud: `${s.gw.url}/mcp` });
      const stolen = await post(admin, session);
      assert.equal(stolen.status, 404);
      const body = (await stolen.json()) as { error: { message: string; data: { reason: string; requestId: string } } };
      assert.equal(body.error.data.reason, 'MCP_SESSION_FOREIGN');
      assert.match(body.error.message, /session not found/);
      const unknown = await post(admin, 'not-a-session');
      assert.equal(unknown.status, 404);
      assert.equal(((await unknown.json()) as { error: { data: { reason: string } } }).error.data.reason, 'MCP_SESSION_UNKNOWN');
      // The same subject with another token is the same caller.
      const reader = await s.emu.mintIdToken({ sub: READER.id, groups: READER.groups, aud: `${s.gw.url}/mcp` });
      assert.equal((await post(reader, session)).status, 200);
      assert.equal((await client.listTools()).tools.length, 5);
      const [refused] = await rowsFor(s, (r) => r.request_id === body.error.data.requestId);
      assert.equal(refused!.decision, 'deny');
      assert.match(String(refused!.reason), /^MCP_SESSION_FOREIGN/);
      assert.equal(refused!.principal, `${s.emu.issuer}/${ADMIN.id}`);
    } finally {
      await transport.terminateSession();
      await client.close();
    }
    // Ended: its binding is gone, and so is the session for everyone.
    const reader = await s.emu.mintIdToken({ sub: READER.id, groups: READER.groups, aud: `${s.gw.url}/mcp` });
    assert.equal((await post(reader, session)).status, 404);
  });

  it('writes one audit record per JSON-RPC call, with the tool, the arguments digest, the outcome and the session', async () => {
    const { client, transport } = await connect(`${s.gw.url}/mcp`, READER, s.emu.issuer);
    try {
      await client.callTool({ name: 'read_file', arguments: { path: '/audit/me' } });
      await client.callTool({ name: 'fail' });
      await assert.rejects(client.callTool({ name: 'delete_file', arguments: { path: '/audit/me' } }));
    } finally {
      await client.close();
    }
    const session = transport.sessionId;
    const rows = await rowsFor(s, (r) => r.call.session === session && r.call.method === 'tools/call');
    await until(() => mcpRows(s).filter((r) => r.call.session === session && r.call.method === 'tools/call').length === 3, 'three tool call records');
    const calls = mcpRows(s).filter((r) => r.call.session === session && r.call.method === 'tools/call');
    const [ok, failed, denied] = calls;
    assert.equal(rows.length >= 1, true);
    assert.equal(ok!.call.tool, 'read_file');
    assert.equal(ok!.call.result, 'ok');
    assert.equal(ok!.call.arguments, '{"path":"/audit/me"}', 'storePrompts keeps the arguments');
    assert.match(String(ok!.call.argumentsSha256), /^[0-9a-f]{64}$/);
    assert.equal(ok!.decision, 'allow');
    assert.equal(ok!.principal, `${s.emu.issuer}/reader-agent`);
    assert.equal(ok!.operation, 'tools/call');
    assert.equal(ok!.operation_class, 'tool');
    assert.equal(failed!.call.result, 'tool_error');
    assert.equal(denied!.call.tool, 'delete_file');
    assert.equal(denied!.call.result, 'error');
    assert.equal(denied!.decision, 'deny');
    assert.match(String(denied!.reason), /^POLICY_DENIED: no ALLOW policy matched/);
    // The list answer's record says how much was hidden.
    const lists = mcpRows(s).filter((r) => r.call.method === 'tools/list' && r.principal === `${s.emu.issuer}/reader-agent`);
    assert.deepEqual(lists[0]!.call.listed, { total: 6, shown: 5 });
    // In the same hash chain as every record: `warden audit verify` with the config's key checks them all.
    const verified = await new Promise<{ code: number; out: string }>((resolve) => {
      const child = spawn(process.execPath, ['bin/warden.js', 'audit', 'verify', '-c', `${s.dir}/warden.yaml`], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.on('close', (code) => resolve({ code: code ?? -1, out }));
    });
    assert.equal(verified.code, 0, verified.out);
    const total = readAuditDb(s.auditDb, (db) => (db.prepare('SELECT count(*) AS n FROM audit').get() as { n: number }).n);
    assert.ok(total >= calls.length);
    assert.match(verified.out, /^OK: (\d+) record\(s\) in 1 chain\(s\) verified/);
    assert.ok(Number(/^OK: (\d+)/.exec(verified.out)![1]) >= total, verified.out);
  });

  it('measures calls with OpenTelemetry’s MCP metric names', async () => {
    const { client } = await connect(`${s.gw.url}/mcp`, READER, s.emu.issuer);
    try {
      await client.getPrompt({ name: 'summarize', arguments: { text: 'x' } });
    } finally {
      await client.close();
    }
    const text = await (await fetch(`${s.gw.adminUrl}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
    const count = (name: string, labels: Record<string, string>) => sample(text, `${name}_count`, labels) ?? 0;
    // The SDK client asks for its latest revision.
    const version = { route: 'tools', mcp_protocol_version: '2025-11-25' };
    const tool = { ...version, mcp_method_name: 'tools/call', gen_ai_prompt_name: '', gen_ai_operation_name: 'execute_tool' };
    const ok = { error_type: '', rpc_response_status_code: '' };
    assert.notEqual(count('mcp_server_operation_duration_seconds', { ...tool, ...ok, gen_ai_tool_name: 'read_file' }), 0, 'read_file');
    assert.notEqual(count('mcp_server_operation_duration_seconds', { ...tool, gen_ai_tool_name: 'fail', error_type: 'tool_error', rpc_response_status_code: '' }), 0, 'fail');
    // A tool refused before the server answered it does not get a label of its own (callers choose names); the code the caller got does.
    assert.notEqual(count('mcp_server_operation_duration_seconds', { ...tool, gen_ai_tool_name: 'other', error_type: 'POLICY_DENIED', rpc_response_status_code: '-31403' }), 0, 'refused');
    // A prompt is gen_ai.prompt.name, not a tool; no execute_tool.
    const prompt = { ...version, ...ok, mcp_method_name: 'prompts/get', gen_ai_tool_name: '', gen_ai_operation_name: '' };
    assert.notEqual(count('mcp_server_operation_duration_seconds', { ...prompt, gen_ai_prompt_name: 'summarize' }), 0, 'prompts/get');
    // The convention's bucket boundaries (0.01 … 300 s).
    const le = [...text.matchAll(/^mcp_server_operation_duration_seconds_bucket\{[^}]*le="([^"]+)"/gm)].map((m) => m[1]);
    assert.deepEqual([...new Set(le)], ['0.01', '0.02', '0.05', '0.1', '0.2', '0.5', '1', '2', '5', '10', '30', '60', '120', '300', '+Inf']);
    assert.notEqual(count('mcp_server_session_duration_seconds', { route: 'tools', mcp_protocol_version: '2025-11-25' }), 0, 'a session ended by DELETE');
  });
});
