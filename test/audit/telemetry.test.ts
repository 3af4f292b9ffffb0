// Metrics after a known traffic mix, scraped from the admin port; and a trace
// exported over OTLP/HTTP to a receiver this test runs.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startStack, type Stack } from '../helpers/stack.js';
import { sample } from '../helpers/metrics.js';
import { until } from '../helpers/process.js';
import { drained, gatewayConfig, MODEL_PATH, PROMPT } from './helpers.js';

describe('metrics after a known traffic mix', () => {
  let s: Stack;
  let text: string;
  const usage = { input: 0, output: 0 };
  before(async () => {
    s = await startStack(({ emulatorUrl, issuer }) =>
      gatewayConfig({ emulatorUrl, issuer, audit: '{sqlite: ./audit.db}', telemetry: '{metrics: {groups: [ml-engineers]}}' }));
    const alice = await s.token('alice', ['ml-engineers']);
    const carol = await s.token('carol', ['ml-engineers', 'contractors']);
    const bob = await s.token('bob', ['analysts']);
    const call = async (path: string, token: string) => {
      const res = await fetch(s.gw.url + path, { method: 'POST', body: PROMPT, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } });
      const body = await res.text();
      if (res.status === 200 && !path.includes('stream')) {
        const u = JSON.parse(body).usageMetadata;
        usage.input += u.promptTokenCount;
        usage.output += u.candidatesTokenCount;
      }
    };
    for (const t of [alice, alice, carol]) await call(`${MODEL_PATH}/gemini-2.0-flash:generateContent`, t);
    for (let i = 0; i < 2; i++) await call(`${MODEL_PATH}/gemini-2.0-flash:streamGenerateContent?alt=sse`, alice);
    await call(`${MODEL_PATH}/gemini-2.0-flash:generateContent`, bob);
    await drained(s.gw.audit!);
    text = await (await fetch(`${s.gw.adminUrl}/metrics`)).text();
  });
  after(() => s?.close());

  const req = (operation: string, status: string, decision: string) => ({ route: 'vertex', model: 'gemini-2.0-flash', operation, status, decision });

  it('counts requests and their durations by route, model, operation, status and decision', () => {
    assert.equal(sample(text, 'warden_requests_total', req('generateContent', '200', 'allow')), 3);
    assert.equal(sample(text, 'warden_requests_total', req('streamGenerateContent', '200', 'allow')), 2);
    assert.equal(sample(text, 'warden_requests_total', req('generateContent', '403', 'deny')), 1);
    assert.equal(sample(text, 'gen_ai_server_request_duration_seconds_count', req('generateContent', '200', 'allow')), 3);
    assert.equal(sample(text, 'warden_upstream_duration_seconds_count', { route: 'vertex', status: '200' }), 5);
  });

  it('counts tokens by model and configured group, never by user', () => {
    const labels = { route: 'vertex', model: 'gemini-2.0-flash', group: 'ml-engineers' };
    assert.ok(usage.input > 0);
    // Non-stream calls only in `usage`; the streams add theirs on top.
    assert.ok(sample(text, 'gen_ai_client_token_usage_sum', { ...labels, type: 'input' })! > usage.input);
    assert.ok(sample(text, 'gen_ai_client_token_usage_sum', { ...labels, type: 'output' })! > usage.output);
    // OTel's gen_ai.client.token.usage is a histogram of tokens per request ({token}: no unit suffix).
    assert.match(text, /^# TYPE gen_ai_client_token_usage histogram$/m);
    assert.equal(sample(text, 'gen_ai_client_token_usage_count', { ...labels, type: 'input' }), 5);
    assert.equal(sample(text, 'gen_ai_client_token_usage_bucket', { ...labels, type: 'input', le: '67108864' }), 5);
    assert.doesNotMatch(text, /alice|carol|bob/);
  });

  it('observes time to first token for streams only', () => {
    assert.equal(sample(text, 'gen_ai_server_time_to_first_token_seconds_count', { route: 'vertex', model: 'gemini-2.0-flash' }), 2);
  });

  it('reports token mints, key-set refreshes and the audit pipeline', () => {
    assert.equal(sample(text, 'warden_credential_mints_total', { credential: 'vertex-sa', result: 'ok' }), 1);
    assert.equal(sample(text, 'warden_credential_mint_duration_seconds_count', { credential: 'vertex-sa', result: 'ok' }), 1);
    assert.ok(sample(text, 'warden_jwks_refreshes_total', { uri: `${s.emu.issuer}/jwks`, result: 'ok' })! >= 1);
    assert.equal(sample(text, 'warden_audit_queue_depth', { sink: 'sqlite' }), 0);
    assert.equal(sample(text, 'warden_audit_sink_up', { sink: 'sqlite' }), 1);
    assert.equal(sample(text, 'warden_audit_spool_writable', { sink: 'sqlite' }), 1);
    assert.equal(sample(text, 'warden_audit_accepting', { sink: 'sqlite' }), 1);
    assert.ok(sample(text, 'warden_audit_write_duration_seconds_count', { sink: 'sqlite' })! >= 1);
    assert.equal(sample(text, 'warden_audit_dropped_total', {}), 0);
  });
});

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: { key: string; value: { stringValue?: string; intValue?: string | number } }[];
}

describe('traces exported over OTLP/HTTP', () => {
  let receiver: Server;
  const spans: OtlpSpan[] = [];
  const contentTypes: string[] = [];
  let s: Stack;
  before(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        contentTypes.push(String(req.headers['content-type']));
        const doc = JSON.parse(body) as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] };
        for (const rs of doc.resourceSpans) for (const ss of rs.scopeSpans) spans.push(...ss.spans);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/v1/traces`;
    s = await startStack(({ emulatorUrl, issuer }) =>
      gatewayConfig({ emulatorUrl, issuer, audit: '{sqlite: ./audit.db}', telemetry: `{otlp: {endpoint: "${endpoint}"}}` }));
  });
  after(async () => {
    await s?.close();
    receiver?.close();
  });

  it('sends one span per request with a child per stage, continuing the caller\'s trace and passing it upstream', async () => {
    const token = await s.token('alice', ['ml-engineers']);
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const callerSpan = 'b7ad6b7169203331';
    const res = await fetch(`${s.gw.url}${MODEL_PATH}/gemini-2.0-flash:generateContent`, {
      method: 'POST', body: PROMPT,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, traceparent: `00-${traceId}-${callerSpan}-01`, 'x-request-id': 'traced' },
    });
    assert.equal(res.status, 200);
    await res.text();
    await until(() => spans.some((x) => x.parentSpanId === callerSpan), 'the request span to be exported');
    const root = spans.find((x) => x.parentSpanId === callerSpan)!;
    assert.equal(root.traceId, traceId);
    assert.equal(root.name, 'generate_content gemini-2.0-flash');
    const attr = (sp: OtlpSpan, k: string) => {
      const v = sp.attributes.find((a) => a.key === k)?.value;
      return v?.stringValue ?? (v?.intValue === undefined ? undefined : Number(v.intValue));
    };
    assert.equal(attr(root, 'gen_ai.operation.name'), 'generate_content');
    assert.equal(attr(root, 'gen_ai.request.model'), 'gemini-2.0-flash');
    assert.equal(attr(root, 'gen_ai.provider.name'), 'gcp.vertex_ai');
    assert.ok((attr(root, 'gen_ai.usage.input_tokens') as number) > 0);
    assert.ok((attr(root, 'gen_ai.usage.output_tokens') as number) > 0);
    assert.equal(attr(root, 'http.response.status_code'), 200);
    assert.equal(attr(root, 'warden.request_id'), 'traced');

    await until(() => spans.filter((x) => x.parentSpanId === root.spanId).length >= 7, 'the stage spans');
    const children = spans.filter((x) => x.parentSpanId === root.spanId);
    assert.deepEqual(children.map((c) => c.name).sort(),
      ['warden.authorize', 'warden.classify', 'warden.credential', 'warden.forward', 'warden.guard', 'warden.identify', 'warden.record']);
    assert.ok(children.every((c) => c.traceId === traceId));

    // The upstream saw the forward span as its parent, in the same trace.
    const forwardSpan = children.find((c) => c.name === 'warden.forward')!;
    const upstream = s.emu.vertexRequests.at(-1)!;
    assert.equal(upstream.headers.traceparent, `00-${traceId}-${forwardSpan.spanId}-01`);
    assert.match(contentTypes[0], /application\/json/);
  });
});
