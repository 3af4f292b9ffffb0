// The same calls through the standalone proxy and through real Envoy with
// Warden's ext_proc, against one upstream that answers every call the same
// way: the audit records must be equal field by field (all but the row's
// place in the chain and the clocks), and so must what the caller got and
// what the upstream received. One front door does not audit differently from
// the other.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { devIssuerAuthentication } from '../../src/cli/demo.js';
import type { ExtProcSpec } from '../../src/config/schema.js';
import { EXT_PROC_RUNTIME, extProcEnabled, extProcFilter } from '../../src/istio/render/extproc.js';
import { readAuditDb } from '../helpers/audit-db.js';
import { startEnvoy, type RunningEnvoy } from '../helpers/envoy.js';
import { closeServer, listen } from '../helpers/http-server.js';
import { until } from '../helpers/process.js';
import { startStack, type Stack } from '../helpers/stack.js';

const MODELS = '/v1/projects/p1/locations/us-central1/publishers/google/models';
const EXT_PROC: ExtProcSpec = { grpc: { port: 0 }, timeout: '5s', bodyBufferBytes: 1024 * 1024 };

/**
 * Columns that differ between any two requests: the row's place in the chain, and the clocks; and
 * here `host`, the address the caller used (the proxy's listener, or Envoy's: in a mesh both are the model's host).
 */
const VOLATILE = new Set(['id', 'chain', 'seq', 'prev_hash', 'hash', 'time', 'latency_ms', 'upstream_ms', 'ttfb_ms', 'host']);
/** Request headers that are the transport's, not the request's: Envoy frames and addresses the upstream request itself. */
const TRANSPORT = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'x-envoy-expected-rq-timeout-ms']);

const ANSWER = 'Answer: call +1 415 555 0100 now';
const usage = { promptTokenCount: 7, candidatesTokenCount: 9, totalTokenCount: 16 };
const gemini = (text: string, extra: object = {}) => ({ candidates: [{ content: { role: 'model', parts: [{ text }] }, index: 0, ...extra }], modelVersion: 'gemini-2.0-flash' });
const chatChunk = (delta: object, extra: object = {}) => ({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-x', choices: [{ index: 0, delta, finish_reason: null }], ...extra });

interface Received {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Answers each kind of call one fixed way, in several writes where a stream is asked for. */
function fixedUpstream(seen: Map<string, Received[]>) {
  const write = async (res: ServerResponse, parts: string[]) => {
    for (const p of parts) {
      res.write(p);
      await new Promise((r) => setImmediate(r));
    }
    res.end();
  };
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      const id = String(req.headers['x-request-id']);
      seen.set(id, [...(seen.get(id) ?? []), { method: req.method!, url: req.url!, headers: req.headers, body }]);
      const url = req.url!;
      if (url.includes('/models/broken:')) {
        const err = JSON.stringify({ error: { code: 500, message: 'model crashed', status: 'INTERNAL' } });
        res.writeHead(500, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(err) });
        return res.end(err);
      }
      if (url.includes(':streamGenerateContent?alt=sse')) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        return void write(res, [
          `data: ${JSON.stringify(gemini('Answer: call +1 415'))}\r\n\r\n`,
          `data: ${JSON.stringify(gemini(' 555 0100'))}\r\n\r\n`,
          `data: ${JSON.stringify({ ...gemini(' now', { finishReason: 'STOP' }), usageMetadata: usage })}\r\n\r\n`,
        ]);
      }
      if (url.includes(':streamGenerateContent')) {
        res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
        return void write(res, ['[', JSON.stringify(gemini('Answer: call +1 415')), ',\r\n', JSON.stringify(gemini(' 555 0100')), ',\r\n',
          JSON.stringify({ ...gemini(' now', { finishReason: 'STOP' }), usageMetadata: usage }), ']']);
      }
      if (url.startsWith('/v1/chat/completions')) {
        const req = JSON.parse(body) as { stream?: boolean; stream_options?: { include_usage?: boolean } };
        const u = { prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 };
        if (!req.stream) {
          const out = JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'gpt-x', choices: [{ index: 0, message: { role: 'assistant', content: ANSWER }, finish_reason: 'stop' }], usage: u });
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
          return res.end(out);
        }
        const withUsage = req.stream_options?.include_usage === true;
        const extra = withUsage ? { usage: null } : {};
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        return void write(res, [
          `data: ${JSON.stringify(chatChunk({ role: 'assistant', content: 'Answer: call +1 415' }, extra))}\n\n`,
          `data: ${JSON.stringify(chatChunk({ content: ' 555 0100 now' }, extra))}\n\n`,
          ...(withUsage ? [`data: ${JSON.stringify({ ...chatChunk({}), choices: [], usage: u })}\n\n`] : []),
          'data: [DONE]\n\n',
        ]);
      }
      const out = JSON.stringify({ ...gemini(ANSWER, { finishReason: 'STOP' }), usageMetadata: usage });
      res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(out) });
      res.end(out);
    });
  });
}

function config(o: { upstream: string; issuer: string }): string {
  return `apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: twins, namespace: warden}
spec:
  listen: {host: 127.0.0.1, port: 0}
  admin: {host: 127.0.0.1, port: 0}
  extProc: {grpc: {port: 0}, timeout: 5s}
  routes:
    - name: vertex
      provider: vertex
      upstream: ${o.upstream}
      credential: vertex-sa
      storePrompts: true
    - name: openai
      provider: openai
      match: {pathPrefix: /v1/chat/completions}
      upstream: ${o.upstream}
      credential: vertex-sa
      storePrompts: true
  credentials:
    - name: vertex-sa
      google: {file: ./credentials/service-account.json}
  guardrails:
    request: {EMAIL: redact}
    response: {PHONE: redact}
  limits:
    rules:
      - name: per-caller
        by: [principal]
        requests: {limit: 1000, per: 1h}
        tokens: {limit: 1000000, per: 1h, count: total}
  audit: {sqlite: ./audit.db}
---
${devIssuerAuthentication(o.issuer, 'warden')}---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: engineers}
spec:
  action: ALLOW
  rules:
    - when:
        - key: request.auth.claims[groups]
          values: [ml-engineers]
`;
}

interface Call {
  name: string;
  path: string;
  body?: object;
  /** `alice` (allowed), `bob` (no ALLOW policy matches), a bad token, or the token in the query. */
  who: 'alice' | 'bob' | 'bad' | 'query';
}

const CALLS: Call[] = [
  { name: 'generateContent', path: `${MODELS}/gemini-2.0-flash:generateContent`, body: { contents: [{ role: 'user', parts: [{ text: 'hello' }] }] }, who: 'alice' },
  { name: 'redacted both ways', path: `${MODELS}/gemini-2.0-flash:generateContent`, body: { contents: [{ role: 'user', parts: [{ text: 'mail me at ann@example.com' }] }] }, who: 'alice' },
  { name: 'SSE stream', path: `${MODELS}/gemini-2.0-flash:streamGenerateContent?alt=sse`, body: { contents: [{ role: 'user', parts: [{ text: 'stream' }] }] }, who: 'alice' },
  { name: 'JSON-array stream', path: `${MODELS}/gemini-2.0-flash:streamGenerateContent`, body: { contents: [{ role: 'user', parts: [{ text: 'array' }] }] }, who: 'alice' },
  { name: 'OpenAI chat', path: '/v1/chat/completions', body: { model: 'gpt-x', messages: [{ role: 'user', content: 'hi' }] }, who: 'alice' },
  { name: 'OpenAI stream, usage asked by Warden', path: '/v1/chat/completions', body: { model: 'gpt-x', stream: true, messages: [{ role: 'user', content: 'hi' }] }, who: 'alice' },
  { name: 'upstream error', path: `${MODELS}/broken:generateContent`, body: { contents: [{ role: 'user', parts: [{ text: 'x' }] }] }, who: 'alice' },
  { name: 'token in the query', path: `${MODELS}/gemini-2.0-flash:generateContent?alt=json`, body: { contents: [{ role: 'user', parts: [{ text: 'q' }] }] }, who: 'query' },
  { name: 'policy denial', path: `${MODELS}/gemini-2.0-flash:generateContent`, body: { contents: [{ role: 'user', parts: [{ text: 'no' }] }] }, who: 'bob' },
  { name: 'invalid token', path: `${MODELS}/gemini-2.0-flash:generateContent`, body: { contents: [{ role: 'user', parts: [{ text: 'no' }] }] }, who: 'bad' },
  { name: 'OpenAI refusal', path: '/v1/chat/completions', body: { model: 'gpt-x', messages: [{ role: 'user', content: 'hi' }] }, who: 'bob' },
];

describe('ext_proc records equal the standalone proxy\'s, field by field', { timeout: 120_000 }, () => {
  let s: Stack;
  let upstream: ReturnType<typeof createServer>;
  let envoy: RunningEnvoy;
  const seen = new Map<string, Received[]>();
  const tokens: Record<string, string> = {};

  before(async () => {
    upstream = fixedUpstream(seen);
    const upstreamUrl = await listen(upstream);
    s = await startStack((o) => config({ upstream: upstreamUrl, issuer: o.issuer }));
    tokens.alice = await s.token('alice', ['ml-engineers']);
    tokens.bob = await s.token('bob', ['analysts']);
    envoy = await startEnvoy({
      httpFilters: [extProcFilter('warden', EXT_PROC, { disabled: true })],
      perFilterConfig: extProcEnabled(),
      runtime: EXT_PROC_RUNTIME,
      clusters: [{ name: 'upstream', port: Number(new URL(upstreamUrl).port) }, { name: 'warden', port: s.gw.extProc!.port, http2: true }],
      routeTo: 'upstream',
    });
  });
  after(async () => {
    await envoy?.stop();
    await s?.close();
    if (upstream) await closeServer(upstream);
  });

  const send = async (base: string, c: Call, id: string) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-request-id': id, 'user-agent': 'twins/1.0' };
    let path = c.path;
    if (c.who === 'alice' || c.who === 'bob') headers.authorization = `Bearer ${tokens[c.who]}`;
    if (c.who === 'bad') headers.authorization = 'Bearer not.a.jwt';
    if (c.who === 'query') path += `&access_token=${tokens.alice}`;
    const res = await fetch(`${base}${path}`, { method: 'POST', headers, body: c.body && JSON.stringify(c.body) });
    return { status: res.status, body: await res.text(), requestId: res.headers.get('x-request-id') };
  };
  const rows = (id: string) => readAuditDb(join(s.dir, 'audit.db'), (db) => db.prepare('SELECT * FROM audit WHERE request_id = ? ORDER BY id').all(id) as Record<string, unknown>[]);

  for (const [i, c] of CALLS.entries()) {
    it(c.name, async () => {
      // One request id for both: the records, the caller's error bodies and what the upstream saw can be compared whole.
      const id = `twin-${i}`;
      const viaProxy = await send(s.gw.url, c, id);
      await until(() => rows(id).length === 1, `the proxy's record of ${id}`);
      const viaEnvoy = await send(envoy.url, c, id);
      await until(() => rows(id).length === 2, `the ext_proc record of ${id}`);

      assert.deepEqual(viaEnvoy, viaProxy, 'the caller gets the same answer');
      const [proxy, extproc] = rows(id).map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !VOLATILE.has(k))));
      assert.deepEqual(extproc, proxy, 'the same record');
      assert.equal(proxy.request_id, id);

      const got = seen.get(id) ?? [];
      if (proxy.upstream_status === null) {
        assert.equal(got.length, 0, 'refused: the upstream saw neither');
        return;
      }
      assert.equal(got.length, 2, 'the upstream saw both');
      const [a, b] = got.map((r) => ({
        method: r.method,
        url: r.url,
        body: r.body,
        headers: Object.fromEntries(Object.entries(r.headers).filter(([k]) => !TRANSPORT.has(k)).map(([k, v]) => [k, k === 'authorization' ? 'Bearer <minted>' : v])),
        minted: String(r.headers.authorization).startsWith('Bearer ya29.emu.'),
      }));
      assert.deepEqual(b, a, 'the upstream gets the same request');
      assert.equal(a.minted, true, 'with Warden\'s token');
    });
  }

  it('covers what matters: redaction, usage, quota, refusals', () => {
    const all = readAuditDb(join(s.dir, 'audit.db'), (db) => db.prepare('SELECT * FROM audit ORDER BY id').all() as Record<string, unknown>[]);
    assert.equal(all.length, CALLS.length * 2);
    const by = (name: string) => all.find((r) => r.request_id === `twin-${CALLS.findIndex((c) => c.name === name)}`)!;
    assert.match(String(by('redacted both ways').findings), /"EMAIL".*"redact"/);
    assert.match(String(by('SSE stream').response), /\[PHONE_1\]/);
    assert.equal(by('JSON-array stream').total_tokens, 16);
    assert.equal(by('OpenAI stream, usage asked by Warden').total_tokens, 9);
    assert.equal(JSON.parse(String(by('generateContent').quota)).settledTokens, 16);
    assert.deepEqual([by('upstream error').status, by('upstream error').upstream_status], [500, 500]);
    assert.deepEqual([by('policy denial').decision, by('policy denial').status], ['deny', 403]);
    assert.equal(by('invalid token').status, 401);
  });
});
