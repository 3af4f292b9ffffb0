// The answer step and list filtering: the JSON-RPC response read (and lists
// rewritten) from a JSON body or from an SSE stream cut at any byte; the
// policy keys and the `listing` semantics of conditions on arguments.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { explainRecord } from '../../src/admin/explain-record.js';
import type { AuditRecord } from '../../src/audit/record.js';
import { answerStep, type AnswerStep } from '../../src/mcp/answer.js';
import { filterList } from '../../src/mcp/list-filter.js';
import { classifyMcp } from '../../src/providers/mcp.js';
import type { McpCall, Target } from '../../src/types.js';
import { authorizerFrom, GATEWAY, input } from '../policy/helpers.js';

const list = { jsonrpc: '2.0', id: 5, result: { tools: [{ name: 'read_file' }, { name: 'delete_file' }, { name: 'search' }, { title: 'no name' }], nextCursor: 'c2' } };
const listCall: McpCall = { kind: 'request', method: 'tools/list', id: 5, source: 'body' };
const onlyRead = (t: Target) => t.mcp?.tool !== 'delete_file';

/** Every byte through the step in `cuts` pieces. */
function run(step: AnswerStep, bytes: Buffer, pieces: number): string {
  const out: Buffer[] = [];
  const size = Math.ceil(bytes.length / pieces);
  for (let i = 0; i < bytes.length; i += size) {
    const o = step.chunk(bytes.subarray(i, i + size));
    if (o) out.push(o);
  }
  const rest = step.end();
  if (rest) out.push(rest);
  return Buffer.concat(out).toString('utf8');
}

describe('list filtering', () => {
  it('keeps the items the caller may use; an item without a name cannot be judged', () => {
    const result = structuredClone(list.result) as Record<string, unknown>;
    const seen: Target[] = [];
    const count = filterList('tools/list', result, { ...listCall, session: 's' }, (t) => (seen.push(t), onlyRead(t)));
    assert.deepEqual(count, { total: 4, shown: 2 });
    assert.deepEqual(result, { tools: [{ name: 'read_file' }, { name: 'search' }], nextCursor: 'c2' });
    assert.deepEqual(seen[0], { provider: 'mcp', operation: 'tools/call', operationClass: 'tool', stream: false, mcp: { kind: 'request', method: 'tools/call', tool: 'read_file', source: 'body', session: 's' } });
  });

  it('judges prompts by prompts/get, resources and templates by resources/read', () => {
    const r = { prompts: [{ name: 'a' }], resources: [{ uri: 'file:///a' }], resourceTemplates: [{ uriTemplate: 'file:///{x}' }] };
    const methods: string[] = [];
    for (const m of ['prompts/list', 'resources/list', 'resources/templates/list']) filterList(m, r, listCall, (t) => (methods.push(`${t.operation} ${t.mcp?.prompt ?? t.mcp?.resource}`), true));
    assert.deepEqual(methods, ['prompts/get a', 'resources/read file:///a', 'resources/read file:///{x}']);
  });

  for (const pieces of [1, 3, 17, 1000]) {
    it(`rewrites a JSON answer (${pieces} pieces)`, () => {
      const step = answerStep({ call: listCall, framing: 'json', filter: onlyRead, hold: false })!;
      assert.equal(step.rewrites, true);
      const out = JSON.parse(run(step, Buffer.from(JSON.stringify(list)), pieces)) as typeof list;
      assert.deepEqual(out.result.tools.map((t) => t.name), ['read_file', 'search']);
      assert.deepEqual(step.outcome, { result: 'ok', listed: { total: 4, shown: 2 } });
    });

    it(`rewrites the answering event of an SSE stream, other events as they were (${pieces} pieces)`, () => {
      const progress = { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 1, progress: 1 } };
      const sse = `event: message\nid: e1\ndata: ${JSON.stringify(progress)}\n\n: keep-alive\n\nevent: message\nid: e2\ndata: ${JSON.stringify(list)}\n\n`;
      const step = answerStep({ call: listCall, framing: 'sse', filter: onlyRead, hold: false })!;
      const out = run(step, Buffer.from(sse), pieces);
      const events = out.split('\n\n').filter(Boolean);
      assert.equal(events.length, 3);
      assert.equal(events[0], `event: message\nid: e1\ndata: ${JSON.stringify(progress)}`);
      assert.equal(events[1], ': keep-alive');
      assert.match(events[2]!, /^event: message\nid: e2\ndata: /);
      assert.deepEqual((JSON.parse(events[2]!.split('data: ')[1]!) as typeof list).result.tools.map((t) => t.name), ['read_file', 'search']);
    });
  }

  it('passes other answers byte for byte, reading the outcome', () => {
    const callTool: McpCall = { kind: 'request', method: 'tools/call', tool: 'x', id: 'a', source: 'body' };
    const body = Buffer.from('{"jsonrpc":"2.0","id":"a","result":{"content":[],"isError":true}}');
    const step = answerStep({ call: callTool, framing: 'json', filter: onlyRead, hold: false })!;
    assert.equal(step.rewrites, false);
    assert.equal(run(step, body, 5), body.toString());
    assert.deepEqual(step.outcome, { result: 'tool_error' });
    const sse = answerStep({ call: callTool, framing: 'sse', hold: false })!;
    const stream = Buffer.from('data: {"jsonrpc":"2.0","id":"b","result":{}}\n\ndata: {"jsonrpc":"2.0","id":"a","error":{"code":-32602,"message":"bad"}}\n\n');
    assert.equal(run(sse, stream, 7), stream.toString());
    assert.deepEqual(sse.outcome, { result: 'error', errorCode: -32602 });
  });

  it('holds an answer that opens a session until its end', () => {
    const init: McpCall = { kind: 'request', method: 'initialize', id: 0, source: 'body' };
    const step = answerStep({ call: init, framing: 'sse', hold: true })!;
    assert.equal(step.chunk(Buffer.from('data: {"jsonrpc":"2.0","id":0,"result":{}}\n\n')), undefined);
    assert.match(step.end()!.toString(), /"result"/);
  });

  it('has nothing to read for notifications', () => {
    assert.equal(answerStep({ call: { kind: 'notification', method: 'notifications/initialized', source: 'body' }, framing: 'json', hold: false }), undefined);
  });
});

describe('MCP policy keys', () => {
  const authorizer = authorizerFrom(`
apiVersion: warden.dev/v1alpha1
kind: AuthorizationPolicy
metadata: {name: readers}
spec:
  action: ALLOW
  rules:
    - when: [{key: request.mcp.method, notValues: [tools/call]}]
    - when: [{key: request.mcp.tool, values: [read_*]}]
      cel: "!request.mcp.arguments.path.startsWith('/private')"
---
apiVersion: warden.dev/v1alpha1
kind: AuthorizationPolicy
metadata: {name: no-deletes-of-etc}
spec:
  action: DENY
  rules:
    - cel: "request.mcp.tool == 'read_secret' && request.mcp.arguments.path == '/etc/shadow'"
    - when: [{key: request.mcp.resource, values: ['file:///private/*']}]
`, GATEWAY({ routes: '[{name: tools, provider: mcp, upstream: "http://127.0.0.1:1"}]' }));
  const decide = (body: unknown, listing = false) =>
    authorizer.authorize({ ...input({ method: 'POST', route: 'tools' }), target: classifyMcp('POST', '/', '', body), listing }).action;
  const tool = (name: string, args?: unknown) => ({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, ...(args ? { arguments: args } : {}) } });

  it('matches method, tool and resource with Istio semantics, and arguments in CEL', () => {
    assert.equal(decide({ jsonrpc: '2.0', id: 1, method: 'tools/list' }), 'allow');
    assert.equal(decide(tool('read_file', { path: '/etc/motd' })), 'allow');
    assert.equal(decide(tool('read_file', { path: '/private/key' })), 'deny');
    assert.equal(decide(tool('read_file')), 'deny', 'no path: the condition cannot hold, so no ALLOW');
    assert.equal(decide(tool('delete_file', { path: '/x' })), 'deny');
    assert.equal(decide(tool('read_secret', { path: '/etc/shadow' })), 'deny');
    assert.equal(decide(tool('read_secret', { path: '/etc/motd' })), 'allow');
    assert.equal(decide({ jsonrpc: '2.0', id: 1, method: 'resources/read', params: { uri: 'file:///private/a' } }), 'deny');
    assert.equal(decide({ jsonrpc: '2.0', id: 1, method: 'resources/read', params: { uri: 'file:///public/a' } }), 'allow');
  });

  it('the console explains a recorded call with its MCP facts (arguments when the route kept them)', () => {
    const record = (mcp: AuditRecord['mcp']) =>
      ({ requestId: 'r', route: 'tools', provider: 'mcp', operation: 'tools/call', operationClass: 'tool', stream: false, groups: [], authMethods: [], decision: 'deny', reason: '', status: 200, method: 'POST', path: '/mcp', host: 'gw', mcp }) as unknown as AuditRecord;
    const kept = explainRecord(authorizer, 'groups', record({ kind: 'request', source: 'body', method: 'tools/call', tool: 'read_file', argumentsSha256: 'x', arguments: '{"path":"/private/k"}' }));
    assert.equal(kept.outcome === 'decided' && kept.decision.action, 'deny');
    const unkept = explainRecord(authorizer, 'groups', record({ kind: 'request', source: 'body', method: 'tools/call', tool: 'read_file', argumentsSha256: 'x' }));
    assert.ok(unkept.caveats.some((c) => /arguments are not recorded/.test(c)), unkept.caveats.join('; '));
    const list = explainRecord(authorizer, 'groups', record({ kind: 'request', source: 'body', method: 'tools/list' }));
    assert.equal(list.outcome === 'decided' && list.decision.action, 'allow');
  });

  it('listing: a condition on the arguments counts as met for ALLOW and as unmet for DENY', () => {
    assert.equal(decide(tool('read_file'), true), 'allow', 'some read_file call is allowed, so it is listed');
    assert.equal(decide(tool('read_secret'), true), 'allow', 'the DENY needs particular arguments');
    assert.equal(decide(tool('delete_file'), true), 'deny');
  });
});
