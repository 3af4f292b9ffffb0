// The MCP provider: a JSON-RPC message (or the 2026-07-28 headers) → Target,
// the checks at guard(request), and errors as JSON-RPC.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bufferedBody } from '../../src/admission/body.js';
import { WardenError } from '../../src/errors.js';
import { decodeHeaderValue, headersTrusted, HEADERS_REVISION_PATTERN } from '../../src/mcp/jsonrpc.js';
import { renderMcpError } from '../../src/mcp/errors.js';
import { checkMcpRequest, classifyMcp, mcpModelInBody } from '../../src/providers/mcp.js';
import type { RouteSpec } from '../../src/config/schema.js';
import type { RequestInfo } from '../../src/types.js';

/** A JSON-RPC request; `id` null: a notification. */
const call = (method: string, params?: unknown, id: number | string | null = 1) => ({ jsonrpc: '2.0', ...(id === null ? {} : { id }), method, ...(params ? { params } : {}) });

describe('classifyMcp', () => {
  it('reads the tool, its arguments and the session', () => {
    const t = classifyMcp('POST', '/mcp', '', call('tools/call', { name: 'read_file', arguments: { path: '/a' } }), { 'mcp-session-id': 's1', 'mcp-protocol-version': '2025-06-18' });
    assert.deepEqual(t, {
      provider: 'mcp',
      operation: 'tools/call',
      operationClass: 'tool',
      stream: false,
      mcp: { kind: 'request', source: 'body', id: 1, method: 'tools/call', tool: 'read_file', arguments: { path: '/a' }, session: 's1', protocolVersion: '2025-06-18' },
    });
  });

  it('reads prompts, resources and completions', () => {
    assert.equal(classifyMcp('POST', '/', '', call('prompts/get', { name: 'p', arguments: { a: 'b' } })).mcp?.prompt, 'p');
    for (const m of ['resources/read', 'resources/subscribe', 'resources/unsubscribe']) {
      assert.equal(classifyMcp('POST', '/', '', call(m, { uri: 'file:///x' })).mcp?.resource, 'file:///x', m);
    }
    assert.equal(classifyMcp('POST', '/', '', call('resources/read', { uri: 'file:///x' })).operationClass, 'tool');
    assert.equal(classifyMcp('POST', '/', '', call('resources/subscribe', { uri: 'file:///x' })).operationClass, 'other');
    assert.equal(classifyMcp('POST', '/', '', call('completion/complete', { ref: { type: 'ref/prompt', name: 'p' }, argument: { name: 'a', value: 'v' } })).mcp?.prompt, 'p');
    assert.equal(classifyMcp('POST', '/', '', call('completion/complete', { ref: { type: 'ref/resource', uri: 'file:///{x}' } })).mcp?.resource, 'file:///{x}');
  });

  it('tells requests, notifications, responses, streams and session ends apart', () => {
    assert.equal(classifyMcp('POST', '/', '', call('notifications/initialized', undefined, null)).mcp?.kind, 'notification');
    const response = classifyMcp('POST', '/', '', { jsonrpc: '2.0', id: 'srv-1', result: {} });
    assert.deepEqual([response.operation, response.mcp?.kind, response.mcp?.method], ['response', 'response', undefined]);
    const get = classifyMcp('GET', '/', '', undefined, { 'mcp-session-id': 's' });
    assert.deepEqual([get.operation, get.stream, get.streamFormat, get.mcp?.kind], ['stream', true, 'sse', 'stream']);
    assert.deepEqual([classifyMcp('DELETE', '/', '', undefined).operation, classifyMcp('DELETE', '/', '', undefined).mcp?.kind], ['session.end', 'end']);
  });

  it('bounds the operation (a metrics label) to known methods; the method itself is kept', () => {
    const t = classifyMcp('POST', '/', '', call('x/whatever-the-caller-says'));
    assert.equal(t.operation, 'other');
    assert.equal(t.mcp?.method, 'x/whatever-the-caller-says');
    assert.equal(classifyMcp('POST', '/', '', [call('ping')]).operation, 'batch');
  });

  it('reads the protocol version from initialize and from the 2026-07-28 _meta', () => {
    assert.equal(classifyMcp('POST', '/', '', call('initialize', { protocolVersion: '2025-06-18' })).mcp?.protocolVersion, '2025-06-18');
    assert.equal(classifyMcp('POST', '/', '', call('tools/list', { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' } })).mcp?.protocolVersion, '2026-07-28');
  });

  it('reads the 2026-07-28 headers only without a body, and only from that revision on', () => {
    const h = { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': `=?base64?${Buffer.from('héllo').toString('base64')}?=` };
    assert.deepEqual(classifyMcp('POST', '/', '', undefined, h).mcp, { kind: 'request', method: 'tools/call', tool: 'héllo', source: 'headers', protocolVersion: '2026-07-28' });
    assert.equal(classifyMcp('POST', '/', '', undefined, { ...h, 'mcp-protocol-version': '2025-06-18' }).mcp?.tool, undefined);
    // With the body, the body says what it is.
    assert.equal(classifyMcp('POST', '/', '', call('tools/call', { name: 'other' }), h).mcp?.tool, 'other');
    assert.equal(mcpModelInBody('POST', '/', h), false);
    assert.equal(mcpModelInBody('POST', '/', { ...h, 'mcp-protocol-version': '2025-11-25' }), true);
    assert.equal(mcpModelInBody('POST', '/'), true);
    assert.equal(mcpModelInBody('GET', '/'), false);
  });

  it('takes names too long for logs and metrics, or that read as another, out of the call; checkMcpRequest refuses it', () => {
    for (const [name, why] of [['x'.repeat(257), /is 257 characters long; at most 256/], ['read_file\u200b', /contains U\+200B/], ['ｒead_file', /NFKC/], [' read_file', /contains U\+0020/]] as const) {
      const body = call('tools/call', { name });
      const t = classifyMcp('POST', '/', '', body);
      assert.equal(t.mcp!.tool, undefined);
      assert.throws(() => checkMcpRequest(t, bufferedBody(Buffer.from(JSON.stringify(body)), 'application/json'), {}), (e: unknown) => e instanceof WardenError && e.reason === 'MCP_NAME_INVALID' && why.test(e.message));
    }
  });
});

describe('the 2026-07-28 header values', () => {
  it('decodes the Base64 sentinel and refuses a malformed one', () => {
    assert.equal(decodeHeaderValue('plain'), 'plain');
    assert.equal(decodeHeaderValue(`=?base64?${Buffer.from(' padded ').toString('base64')}?=`), ' padded ');
    assert.equal(decodeHeaderValue('=?base64?not base64?='), undefined);
    assert.equal(decodeHeaderValue('=?base64?abc'), undefined);
  });
  it('trusts revisions from 2026-07-28 on', () => {
    assert.deepEqual(['2026-07-28', '2027-01-01', '2025-11-25', undefined, 'DRAFT'].map(headersTrusted), [true, true, false, false, false]);
  });
  it('the pattern the mesh routes on (warden istio render) takes the same revisions, written as dates', () => {
    // Envoy and Istio match a header regex against the whole value.
    const pattern = new RegExp(`^(?:${HEADERS_REVISION_PATTERN})$`);
    for (let day = Date.UTC(2020, 0, 1); day <= Date.UTC(2099, 11, 31); day += 86_400_000) {
      const v = new Date(day).toISOString().slice(0, 10);
      assert.equal(pattern.test(v), headersTrusted(v), v);
    }
    // Never a revision headersTrusted would not take: such a call would be checked without its body, and refused.
    for (const v of ['2026-07-28 ', ' 2026-07-28', '2026-07-2', '2026-7-28', '20260728', 'DRAFT-2026-v1', '']) assert.equal(pattern.test(v), false, v);
  });
});

describe('checkMcpRequest', () => {
  const check = (body: unknown, headers: Record<string, string> = {}) => {
    const b = bufferedBody(Buffer.from(JSON.stringify(body)), 'application/json');
    checkMcpRequest(classifyMcp('POST', '/', '', b.json, headers), b, headers);
  };
  const modern = (extra: Record<string, string>) => ({ 'mcp-protocol-version': '2026-07-28', ...extra });

  it('wants one JSON-RPC 2.0 message with a method', () => {
    check(call('ping'));
    assert.throws(() => check([call('ping')]), { reason: 'MCP_INVALID_REQUEST' });
    assert.throws(() => check({ id: 1, method: 'ping' }), { reason: 'MCP_INVALID_REQUEST' });
    assert.throws(() => check({ jsonrpc: '2.0', id: 1 }), { reason: 'MCP_INVALID_REQUEST' });
    assert.throws(() => check({ jsonrpc: '2.0', id: null, method: 'ping' }), { reason: 'MCP_INVALID_REQUEST' });
  });

  it('says why a message could not be read', () => {
    const reason = (body: ReturnType<typeof bufferedBody>, headers: Record<string, string> = {}) => {
      try {
        checkMcpRequest(classifyMcp('POST', '/', '', body.json, headers), body, headers);
      } catch (e) {
        return (e as WardenError).reason;
      }
      return 'none';
    };
    assert.equal(reason(bufferedBody(Buffer.from('{"jsonrpc":'), 'application/json')), 'MALFORMED_JSON');
    assert.equal(reason(bufferedBody(Buffer.from('x'), 'application/json'), { 'content-encoding': 'gzip' }), 'CONTENT_ENCODING_UNSUPPORTED');
    assert.equal(reason(bufferedBody(Buffer.from('ping'), 'text/plain'), { 'content-type': 'text/plain' }), 'CONTENT_TYPE_UNSUPPORTED');
    assert.equal(reason({ partial: true }), 'BODY_TOO_LARGE_TO_CLASSIFY');
    assert.equal(reason(bufferedBody(Buffer.alloc(0), 'application/json')), 'MCP_INVALID_REQUEST');
  });

  it('wants 2026-07-28 headers that say what the body says', () => {
    const body = call('tools/call', { name: 'search' });
    check(body, modern({ 'mcp-method': 'tools/call', 'mcp-name': 'search' }));
    const cases: Record<string, string>[] = [{}, { 'mcp-method': 'tools/call' }, { 'mcp-method': 'tools/list', 'mcp-name': 'search' }, { 'mcp-method': 'tools/call', 'mcp-name': 'read_file' }, { 'mcp-method': 'tools/call', 'mcp-name': '=?base64?!!?=' }];
    for (const h of cases) {
      assert.throws(() => check(body, modern(h)), { reason: 'MCP_HEADER_MISMATCH' }, JSON.stringify(h));
    }
    // An older client sends none, and any it sends must still agree.
    check(body);
    assert.throws(() => check(body, { 'mcp-method': 'ping' }), { reason: 'MCP_HEADER_MISMATCH' });
    // The body's _meta version is the header's.
    const meta = call('tools/list', { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' } });
    check(meta, modern({ 'mcp-method': 'tools/list' }));
    assert.throws(() => check(meta, { 'mcp-protocol-version': '2027-01-01', 'mcp-method': 'tools/list' }), { reason: 'MCP_HEADER_MISMATCH' });
  });
});

describe('renderMcpError', () => {
  const req: RequestInfo = { id: 'r1', method: 'POST', path: '/mcp', query: '', host: 'gw.example', headers: {}, sourceIp: '127.0.0.1' };
  const route = { name: 'tools', provider: 'mcp', match: { pathPrefix: '/mcp' }, mcp: { authorizationServers: ['https://idp.example'], scopes: ['mcp:tools'], filterLists: true, sessionTtl: '24h' } } as unknown as RouteSpec;
  const anonymous = { groups: [], methods: [] };
  const target = classifyMcp('POST', '/mcp', '', call('tools/call', { name: 'x' }, 42));

  it('answers a refused call with HTTP 200 and a JSON-RPC error for its id', () => {
    const out = renderMcpError(new WardenError('RESOURCE_EXHAUSTED', 'RATE_LIMITED', 'quota "q" exceeded', { headers: { 'retry-after': '7' } }), 'r1', { req, principal: { groups: [], methods: ['jwt'] }, target, route });
    assert.equal(out.status, 200);
    assert.equal(out.headers['retry-after'], '7');
    assert.deepEqual(JSON.parse(out.body), { jsonrpc: '2.0', id: 42, error: { code: -31429, message: 'quota "q" exceeded', data: { reason: 'RATE_LIMITED', requestId: 'r1', retryAfterSeconds: 7 } } });
  });

  it('asks a caller without identity to sign in, naming the metadata', () => {
    const out = renderMcpError(new WardenError('PERMISSION_DENIED', 'POLICY_DENIED', 'permission denied by policy'), 'r1', { req, principal: anonymous, target, route });
    assert.equal(out.status, 401);
    assert.equal(out.headers['www-authenticate'], 'Bearer resource_metadata="http://gw.example/.well-known/oauth-protected-resource/mcp", scope="mcp:tools"');
    // A caller with an identity that policy refused is refused (as a JSON-RPC error), not asked to sign in.
    assert.equal(renderMcpError(new WardenError('PERMISSION_DENIED', 'POLICY_DENIED', 'denied'), 'r1', { req, principal: { groups: [], methods: ['mtls'] }, target, route }).status, 200);
  });

  it('says which token was bad', () => {
    const out = renderMcpError(new WardenError('UNAUTHENTICATED', 'TOKEN_EXPIRED', 'the token has expired', { headers: { 'www-authenticate': 'Bearer realm="warden"' } }), 'r1', { req, principal: anonymous, target, route });
    assert.match(out.headers['www-authenticate']!, /^Bearer resource_metadata="[^"]+", scope="mcp:tools", error="invalid_token", error_description="the token has expired"$/);
  });

  it('gives a notification (no id) the HTTP status, and a mismatch 400 -32020', () => {
    const note = classifyMcp('POST', '/mcp', '', call('notifications/initialized', undefined, null));
    const out = renderMcpError(new WardenError('PERMISSION_DENIED', 'POLICY_DENIED', 'denied'), 'r1', { req, principal: { groups: [], methods: ['jwt'] }, target: note, route });
    assert.equal(out.status, 403);
    assert.equal((JSON.parse(out.body) as { id: unknown }).id, null);
    const mismatch = renderMcpError(new WardenError('INVALID_ARGUMENT', 'MCP_HEADER_MISMATCH', 'Header mismatch: x'), 'r1', { req, principal: anonymous, target, route });
    assert.equal(mismatch.status, 400);
    assert.equal((JSON.parse(mismatch.body) as { error: { code: number } }).error.code, -32020);
  });
});
