// What the audit record, the access log, the metrics and the spans say of
// requests that go wrong: a caller that leaves, an upstream that breaks off
// or fails, a model name nobody serves, a body that is not JSON, a collector
// that is down. Against an upstream this test controls (the model name in the
// path picks its behaviour) and an OTLP receiver it runs.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunningGateway } from '../../src/gateway.js';
import { startGatewayFromYaml } from '../helpers/gateway.js';
import { closeServer, listen } from '../helpers/http-server.js';
import { freePort, until } from '../helpers/process.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { drained } from './helpers.js';
import { sample } from '../helpers/metrics.js';

const MODELS = '/v1/projects/p/locations/us-central1/publishers/google/models';
const BODY = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Hi' }] }] });
const ANSWER = JSON.stringify({ candidates: [{ content: { parts: [{ text: 'Hello' }] } }], usageMetadata: { promptTokenCount: 1, candidatesTokenCount: 1, totalTokenCount: 2 } });

/** The upstream: by model name, `slow` answers after 2 s, `fail` answers 500, `break` streams one event and drops the connection, `hang` streams one event and never ends; any other answers. */
function upstreamServer(seen: IncomingHttpHeaders[]): Server {
  return createServer(async (req, res) => {
    for await (const _ of req);
    seen.push(req.headers);
    const model = /models\/([^:]+):/.exec(req.url ?? '')?.[1];
    if (model === 'slow') return void setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(ANSWER), 2000);
    if (model === 'fail') return void res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"code":500,"message":"boom","status":"INTERNAL"}}');
    if (model === 'break' || model === 'hang') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${ANSWER}\n\n`);
      if (model === 'break') setTimeout(() => res.socket?.destroy(), 50);
      return;
    }
    res.writeHead(200, { 'content-type': req.url?.includes('alt=sse') ? 'text/event-stream' : 'application/json' }).end(req.url?.includes('alt=sse') ? `data: ${ANSWER}\n\n` : ANSWER);
  });
}

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  status?: { code?: number; message?: string };
  attributes: { key: string; value: { stringValue?: string; intValue?: string | number; boolValue?: boolean } }[];
}

/** An OTLP/HTTP (JSON) receiver that keeps every span it is sent. */
async function otlpReceiver(): Promise<{ server: Server; endpoint: string; spans: OtlpSpan[] }> {
  const spans: OtlpSpan[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const doc = JSON.parse(body) as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] };
      for (const rs of doc.resourceSpans) for (const ss of rs.scopeSpans) spans.push(...ss.spans);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return { server, endpoint: `${await listen(server)}/v1/traces`, spans };
}

const attr = (sp: OtlpSpan, k: string) => {
  const v = sp.attributes.find((a) => a.key === k)?.value;
  return v?.stringValue ?? v?.boolValue ?? (v?.intValue === undefined ? undefined : Number(v.intValue));
};
const ERROR = 2;

interface Rec {
  requestId: string;
  status: number;
  reason: string;
  model?: string;
  upstreamStatus?: number;
  upstreamMs?: number;
  ttfbMs?: number;
}

describe('requests that go wrong, as the record, log, metrics and spans tell them', () => {
  let upstream: Server;
  let receiver: Awaited<ReturnType<typeof otlpReceiver>>;
  let gw: RunningGateway;
  let logs: Record<string, unknown>[];
  let dir: string;
  const seen: IncomingHttpHeaders[] = [];

  before(async () => {
    upstream = upstreamServer(seen);
    const upstreamUrl = await listen(upstream);
    receiver = await otlpReceiver();
    dir = makeTempDir('warden-outcomes-');
    ({ gw, logs } = await startGatewayFromYaml(`apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: t}
spec:
  routes:
    - {name: vertex, provider: vertex, match: {pathPrefix: /v1/}, upstream: "${upstreamUrl}", timeout: 5s}
    - {name: quick, provider: vertex, match: {pathPrefix: /quick/}, upstream: "${upstreamUrl}", timeout: 300ms}
    - {name: down, provider: vertex, match: {pathPrefix: /down/}, upstream: "http://127.0.0.1:1"}
    - {name: openai, provider: openai, match: {pathPrefix: /openai/}, upstream: "${upstreamUrl}"}
  credentials: []
  audit: {jsonl: ./audit.jsonl}
  telemetry: {accessLog: true, otlp: {endpoint: "${receiver.endpoint}"}}
  extAuthz: {http: {port: 0, pathPrefix: /check}}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: no-made-up-models}
spec:
  action: DENY
  rules: [{when: [{key: request.model, values: ["rnd-*"]}]}]
`, { dir }));
  });
  after(async () => {
    await gw?.close();
    await closeServer(upstream);
    await closeServer(receiver.server);
    removeDir(dir);
  });

  const post = (path: string, o: { body?: string; headers?: Record<string, string>; signal?: AbortSignal } = {}) =>
    fetch(gw.url + path, { method: 'POST', body: o.body ?? BODY, headers: { 'content-type': 'application/json', ...o.headers }, signal: o.signal });
  const records = async (): Promise<Rec[]> => {
    await drained(gw.audit!);
    const file = join(dir, 'audit.jsonl');
    return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Rec) : [];
  };
  const recordOf = async (requestId: string) => {
    await until(async () => (await records()).some((r) => r.requestId === requestId), `the record of ${requestId}`);
    return (await records()).find((r) => r.requestId === requestId)!;
  };
  const logOf = (requestId: string) => logs.find((l) => l.requestId === requestId && l.msg === 'request');
  const metrics = async () => (await fetch(`${gw.adminUrl}/metrics`)).text();
  const rootSpan = async (requestId: string) => {
    await until(() => receiver.spans.some((s) => attr(s, 'warden.request_id') === requestId), `the span of ${requestId}`);
    return receiver.spans.find((s) => attr(s, 'warden.request_id') === requestId)!;
  };
  const childSpan = async (root: OtlpSpan, name: string) => {
    await until(() => receiver.spans.some((s) => s.parentSpanId === root.spanId && s.name === name), `${name} of ${root.name}`);
    return receiver.spans.find((s) => s.parentSpanId === root.spanId && s.name === name)!;
  };

  it('records a caller that left before its answer as 499 CLIENT_CLOSED, not 200', async () => {
    const ac = new AbortController();
    const pending = post(`${MODELS}/slow:generateContent`, { headers: { 'x-request-id': 'left-early' }, signal: ac.signal });
    await until(() => seen.length > 0 && seen.at(-1)!['x-request-id'] === 'left-early', 'the upstream to get the call');
    ac.abort();
    await assert.rejects(pending);
    const rec = await recordOf('left-early');
    assert.equal(rec.status, 499);
    assert.match(rec.reason, /^CLIENT_CLOSED: /);
    await until(() => logOf('left-early') !== undefined, 'the access line');
    assert.equal(logOf('left-early')!.status, 499);
    assert.equal(logOf('left-early')!.error, 'CLIENT_CLOSED');
    assert.equal(sample(await metrics(), 'warden_requests_total', { route: 'vertex', model: 'other', operation: 'generateContent', status: '499', decision: 'allow' }), 1);
    const root = await rootSpan('left-early');
    assert.equal(root.status?.code, ERROR);
  });

  it('records an upstream that broke off mid-stream as UPSTREAM_ABORTED, and counts it', async () => {
    const res = await post(`${MODELS}/break:streamGenerateContent?alt=sse`, { headers: { 'x-request-id': 'broke-off' } });
    assert.equal(res.status, 200);
    await assert.rejects(res.text());
    const rec = await recordOf('broke-off');
    assert.equal(rec.status, 200, 'the caller got a 200 status line');
    assert.match(rec.reason, /^UPSTREAM_ABORTED: /);
    assert.equal(logOf('broke-off')!.error, 'UPSTREAM_ABORTED');
    assert.equal(sample(await metrics(), 'warden_responses_aborted_total', { route: 'vertex', by: 'upstream' }), 1);
    const root = await rootSpan('broke-off');
    assert.equal(root.status?.code, ERROR);
    assert.equal(root.status?.message, 'UPSTREAM_ABORTED');
    assert.equal((await childSpan(root, 'warden.forward')).status?.code, ERROR);
  });

  it('records an upstream that went silent mid-stream past the route timeout as UPSTREAM_TIMEOUT, not as one that broke off', async () => {
    const res = await post(`/quick${MODELS}/hang:streamGenerateContent?alt=sse`, { headers: { 'x-request-id': 'silent-mid-stream' } });
    assert.equal(res.status, 200);
    await assert.rejects(res.text());
    const rec = await recordOf('silent-mid-stream');
    assert.equal(rec.status, 200, 'the caller got a 200 status line');
    assert.equal(rec.upstreamStatus, 200);
    assert.match(rec.reason, /^UPSTREAM_TIMEOUT: .*300 ms/);
    assert.ok(rec.upstreamMs! >= 300 && rec.ttfbMs! < rec.upstreamMs!);
    assert.equal(sample(await metrics(), 'warden_responses_aborted_total', { route: 'quick', by: 'upstream' }), 1);
  });

  it('records a caller that left mid-stream as CLIENT_CLOSED, and counts it', async () => {
    await new Promise<void>((resolve, reject) => {
      const req = request(`${gw.url}${MODELS}/hang:streamGenerateContent?alt=sse`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'left-mid-stream' } }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', () => {});
      req.setTimeout(5000, () => reject(new Error('no first event')));
      req.end(BODY);
    });
    const rec = await recordOf('left-mid-stream');
    assert.equal(rec.status, 200);
    assert.match(rec.reason, /^CLIENT_CLOSED: /);
    // The caller who left before its answer started counts too.
    assert.equal(sample(await metrics(), 'warden_responses_aborted_total', { route: 'vertex', by: 'caller' }), 2);
  });

  it('labels an upstream call that got no answer by why (timeout, error), never "undefined"', async () => {
    assert.equal((await post(`/quick${MODELS}/slow:generateContent`)).status, 504);
    assert.equal((await post(`/down${MODELS}/m:generateContent`)).status, 503);
    await drained(gw.audit!);
    const text = await metrics();
    assert.equal(sample(text, 'warden_upstream_duration_seconds_count', { route: 'quick', status: 'timeout' }), 1);
    assert.equal(sample(text, 'warden_upstream_duration_seconds_count', { route: 'down', status: 'error' }), 1);
    assert.doesNotMatch(text, /status="undefined"/);
  });

  it('gives model names the caller made up no series of their own, and refuses absurd ones', async () => {
    for (let i = 0; i < 20; i++) assert.equal((await post(`${MODELS}/rnd-${i}:generateContent`)).status, 403);
    // Allowed, but the upstream fails it: no label either.
    assert.equal((await post(`${MODELS}/fail:generateContent`)).status, 500);
    assert.equal((await post(`${MODELS}/gemini-ok:generateContent`)).status, 200);
    const long = 'x'.repeat(300);
    const res = await post(`${MODELS}/${long}:generateContent`);
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { error: { details: { reason: string }[] } }).error.details[0]!.reason, 'MODEL_INVALID');
    const openai = await post('/openai/v1/chat/completions', { body: JSON.stringify({ model: 'Z'.repeat(5000), messages: [] }) });
    assert.equal(openai.status, 400);
    assert.equal(((await openai.json()) as { error: { code: string } }).error.code, 'model_invalid');
    await drained(gw.audit!);
    const text = await metrics();
    assert.doesNotMatch(text, /model="(rnd-|fail|xxx|ZZZ)/);
    assert.equal(sample(text, 'warden_requests_total', { route: 'vertex', model: 'other', operation: 'generateContent', status: '403', decision: 'deny' }), 20);
    assert.equal(sample(text, 'warden_requests_total', { route: 'vertex', model: 'other', operation: 'generateContent', status: '500', decision: 'allow' }), 1);
    assert.equal(sample(text, 'warden_requests_total', { route: 'vertex', model: 'gemini-ok', operation: 'generateContent', status: '200', decision: 'allow' }), 1);
    // The audit record keeps the name the caller sent, whatever the label.
    assert.ok((await records()).filter((r) => r.model?.startsWith('rnd-')).length === 20);
  });

  it('times the first token of answers only, not of error bodies', async () => {
    const ok = await post(`${MODELS}/gemini-ok:streamGenerateContent?alt=sse`);
    assert.equal(ok.status, 200);
    await ok.text();
    assert.equal((await post(`${MODELS}/fail:streamGenerateContent?alt=sse`)).status, 500);
    await drained(gw.audit!);
    const text = await metrics();
    assert.equal(sample(text, 'gen_ai_server_time_to_first_token_seconds_count', { route: 'vertex', model: 'gemini-ok' }), 1);
    assert.equal(sample(text, 'gen_ai_server_time_to_first_token_seconds_count', { route: 'vertex', model: 'other' }), undefined);
  });

  it('quotes none of a malformed body back, in the answer or the record', async () => {
    const res = await post('/openai/v1/chat/completions', { body: '{"k":sk-live-hunter2}', headers: { 'x-request-id': 'bad-json' } });
    assert.equal(res.status, 400);
    const text = await res.text();
    assert.doesNotMatch(text, /sk-live|hunter/);
    assert.match(text, /not valid JSON/);
    const rec = await recordOf('bad-json');
    assert.match(rec.reason, /^MALFORMED_JSON: request body is not valid JSON: /);
    assert.doesNotMatch(rec.reason, /sk-live|hunter/);
  });

  it('marks 5xx spans as errors, not 4xx ones; the refusing stage says why; the forward span names the upstream', async () => {
    assert.equal((await post(`${MODELS}/fail:generateContent`, { headers: { 'x-request-id': 'span-500' } })).status, 500);
    assert.equal((await post(`${MODELS}/rnd-x:generateContent`, { headers: { 'x-request-id': 'span-403' } })).status, 403);
    assert.equal((await post(`${MODELS}/gemini-ok:generateContent`, { headers: { 'x-request-id': 'span-200' } })).status, 200);
    const failed = await rootSpan('span-500');
    assert.equal(failed.status?.code, ERROR);
    assert.equal(attr(failed, 'http.response.status_code'), 500);
    // The upstream's own 5xx, passed on: no reason of Warden's, so the status code is the error.type.
    assert.equal(attr(failed, 'error.type'), '500');
    // A client span's 4xx and 5xx are errors: the forward span says the upstream failed.
    const failedForward = await childSpan(failed, 'warden.forward');
    assert.equal(failedForward.status?.code, ERROR);
    assert.equal(attr(failedForward, 'http.response.status_code'), 500);
    assert.equal(attr(failedForward, 'error.type'), '500');
    const denied = await rootSpan('span-403');
    assert.notEqual(denied.status?.code, ERROR);
    assert.equal(attr(denied, 'error.type'), 'POLICY_DENIED');
    const authorize = await childSpan(denied, 'warden.authorize');
    assert.equal(authorize.status?.code, ERROR);
    assert.equal(authorize.status?.message, 'POLICY_DENIED');
    const forward = await childSpan(await rootSpan('span-200'), 'warden.forward');
    assert.equal(attr(forward, 'http.response.status_code'), 200);
    assert.notEqual(forward.status?.code, ERROR);
    assert.equal(attr(forward, 'error.type'), undefined);
    assert.equal(attr(forward, 'server.address'), '127.0.0.1');
    assert.equal(attr(forward, 'server.port'), Number(new URL(`http://${(upstream.address() as AddressInfo).address}:${(upstream.address() as AddressInfo).port}`).port));
  });

  it('leaves out GenAI attributes a request does not have', async () => {
    assert.equal((await fetch(`${gw.url}/nowhere`, { headers: { 'x-request-id': 'span-404' } })).status, 404);
    const root = await rootSpan('span-404');
    assert.equal(attr(root, 'gen_ai.operation.name'), undefined);
    assert.equal(attr(root, 'gen_ai.provider.name'), undefined);
    assert.equal(root.name, 'GET unrouted');
  });

  it('passes the caller\'s tracestate on with its trace only', async () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    await (await post(`${MODELS}/gemini-ok:generateContent`, { headers: { traceparent, tracestate: 'k=v', 'x-request-id': 'ts-valid' } })).text();
    assert.equal(seen.at(-1)!.tracestate, 'k=v');
    assert.match(String(seen.at(-1)!.traceparent), /^00-0af7651916cd43dd8448eb211c80319c-/);
    await (await post(`${MODELS}/gemini-ok:generateContent`, { headers: { traceparent: 'garbage', tracestate: 'k=v', 'x-request-id': 'ts-invalid' } })).text();
    assert.equal(seen.at(-1)!.tracestate, undefined);
    assert.match(String(seen.at(-1)!.traceparent), /^00-[\da-f]{32}-[\da-f]{16}-0[01]$/);
  });

  it('traces ext_authz checks too', async () => {
    const port = gw.extAuthz!.http!.port;
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: `/check${MODELS}/gemini-ok:generateContent`, headers: { 'content-type': 'application/json', traceparent, 'x-request-id': 'checked' } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.end(BODY);
    });
    assert.equal(status, 200);
    const root = await rootSpan('checked');
    assert.equal(root.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
    assert.equal(root.parentSpanId, '00f067aa0ba902b7');
    assert.equal(attr(root, 'warden.ext_authz'), true);
    await childSpan(root, 'warden.authorize');
  });
});

describe('a bounded model label, an export that fails, a mint that fails', () => {
  let issuerPort: number;
  let upstream: Server;
  let gw: RunningGateway;
  let logs: Record<string, unknown>[];
  let dir: string;

  before(async () => {
    upstream = upstreamServer([]);
    const upstreamUrl = await listen(upstream);
    dir = makeTempDir('warden-outcomes-');
    // Nothing listens on the collector's port, nor on the token endpoint's, nor on the OIDC issuer's.
    const [deadCollector, deadTokenEndpoint, deadIssuer] = [await freePort(), await freePort(), await freePort()];
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(join(dir, 'sa.json'), JSON.stringify({
      type: 'service_account', client_email: 'w@p.iam.gserviceaccount.com', private_key_id: 'k1',
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }), token_uri: `http://127.0.0.1:${deadTokenEndpoint}/token`,
    }));
    ({ gw, logs } = await startGatewayFromYaml(`apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: t}
spec:
  routes:
    - {name: vertex, provider: vertex, upstream: "${upstreamUrl}"}
    - {name: minted, provider: vertex, match: {pathPrefix: /minted/}, upstream: "${upstreamUrl}", credential: sa}
  credentials: [{name: sa, google: {file: ./sa.json}}]
  telemetry:
    otlp: {endpoint: "http://otel:s3cret-collector-pw@127.0.0.1:${deadCollector}/v1/traces?api-key=s3cret-collector-key"}
    metrics: {maxModels: 2}
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: gone}
spec:
  jwtRules: [{issuer: "http://127.0.0.1:${deadIssuer}/oidc"}]
`, { dir }));
    issuerPort = deadIssuer;
  });
  after(async () => {
    await gw?.close();
    await closeServer(upstream);
    removeDir(dir);
  });

  it('gives the first maxModels answered models a label each, the rest "other"', async () => {
    for (const m of ['a', 'b', 'c', 'a']) assert.equal((await fetch(`${gw.url}${MODELS}/${m}:generateContent`, { method: 'POST', body: BODY, headers: { 'content-type': 'application/json' } })).status, 200);
    const text = await (await fetch(`${gw.adminUrl}/metrics`)).text();
    const labels = { route: 'vertex', operation: 'generateContent', status: '200', decision: 'allow' };
    assert.equal(sample(text, 'warden_requests_total', { ...labels, model: 'a' }), 2);
    assert.equal(sample(text, 'warden_requests_total', { ...labels, model: 'b' }), 1);
    assert.equal(sample(text, 'warden_requests_total', { ...labels, model: 'other' }), 1);
  });

  it('logs a failing OTLP collector once and counts the spans it dropped', async () => {
    await until(() => logs.some((l) => l.msg === 'OTLP trace export failed: spans are dropped until it works again'), 'the export failure to be logged', 30_000);
    const text = await (await fetch(`${gw.adminUrl}/metrics`)).text();
    assert.ok(sample(text, 'warden_trace_spans_exported_total', { result: 'error' })! >= 1);
    assert.equal(logs.filter((l) => String(l.msg).startsWith('OTLP trace export failed')).length, 1);
    // The collector's credentials in its URL stay out of the log.
    const failure = logs.find((l) => String(l.msg).startsWith('OTLP trace export failed'))!;
    assert.equal(failure.endpoint, `http://127.0.0.1:${new URL(String(failure.endpoint)).port}/v1/traces`);
    assert.doesNotMatch(JSON.stringify(logs), /s3cret/);
  });

  it('counts a key-set refresh that fails at OIDC discovery, under the discovery document\'s URL', async () => {
    const labels = { uri: `http://127.0.0.1:${issuerPort}/oidc/.well-known/openid-configuration`, result: 'error' };
    await until(async () => (sample(await (await fetch(`${gw.adminUrl}/metrics`)).text(), 'warden_jwks_refreshes_total', labels) ?? 0) >= 1, 'the failed refresh to be counted');
    assert.ok(logs.some((l) => String(l.msg).startsWith('JWKS fetch failed')));
  });

  it('logs the first failed mint of a streak, not every retry, and times failures too', async () => {
    const res = await fetch(`${gw.url}/minted${MODELS}/a:generateContent`, { method: 'POST', body: BODY, headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 503);
    await until(async () => (sample(await (await fetch(`${gw.adminUrl}/metrics`)).text(), 'warden_credential_mints_total', { credential: 'sa', result: 'error' }) ?? 0) >= 2, 'a second failed mint');
    const failures = logs.filter((l) => l.msg === 'upstream token mint failed; retrying with backoff');
    assert.equal(failures.length, 1);
    assert.equal(failures[0]!.credential, 'sa');
    assert.match(String(failures[0]!.err), /ECONNREFUSED|fetch failed|connect/);
    const text = await (await fetch(`${gw.adminUrl}/metrics`)).text();
    assert.ok(sample(text, 'warden_credential_mint_duration_seconds_count', { credential: 'sa', result: 'error' })! >= 2);
  });
});
