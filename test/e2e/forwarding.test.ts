// Forwarding behaviour against an upstream the test controls: header hygiene,
// limits, timeouts, unreachable upstreams, disconnects, large bodies.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { RunningGateway } from '../../src/gateway.js';
import { startGatewayFromYaml } from '../helpers/gateway.js';
import { closeServer, listen } from '../helpers/http-server.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { until } from '../helpers/process.js';
import { waitForAuditRow } from '../helpers/audit-db.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  bytes: number;
}

describe('forwarding', () => {
  let upstream: Server;
  let gw: RunningGateway;
  let dir: string;
  const seen: Seen[] = [];
  let upstreamClosed = 0;

  before(async () => {
    upstream = createServer(async (req, res) => {
      let bytes = 0;
      for await (const c of req) bytes += (c as Buffer).length;
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, bytes });
      if (req.url!.includes('/slow')) return; // never answers
      if (req.url!.startsWith('/stream/hang')) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: {}\n\n');
        res.on('close', () => upstreamClosed++);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', connection: 'keep-alive', 'keep-alive': 'timeout=5', 'x-upstream': 'yes' });
      res.end(JSON.stringify({ ok: true, bytes }));
    });
    const upstreamUrl = await listen(upstream);
    dir = makeTempDir('warden-fwd-');
    ({ gw } = await startGatewayFromYaml(`apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: t}
spec:
  routes:
    - name: openai
      provider: openai
      match: {pathPrefix: /v1/}
      upstream: ${upstreamUrl}
      timeout: 300ms
      maxBodyBytes: 2000
    - name: http
      provider: http
      match: {pathPrefix: /raw/}
      upstream: ${upstreamUrl}/base
      timeout: 300ms
      maxBodyBytes: 4000000
      propagateHeaders: [x-team]
    - name: stream
      provider: http
      match: {pathPrefix: /stream/}
      upstream: ${upstreamUrl}
    - name: down
      provider: vertex
      match: {pathPrefix: /down/}
      upstream: http://127.0.0.1:1
  credentials: []
  audit: {sqlite: ./audit.db}
`, { dir, quiet: true }));
  });
  after(async () => {
    await gw.close();
    await closeServer(upstream);
    removeDir(dir);
  });

  it('forwards only allow-listed headers and never the caller credentials', async () => {
    const res = await fetch(`${gw.url}/raw/x?q=1`, {
      method: 'POST',
      body: 'hello',
      headers: {
        authorization: 'Bearer caller-secret',
        'x-goog-api-key': 'caller-key',
        cookie: 'session=abc',
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        'x-team': 'search',
        'x-other': 'dropped',
        'content-type': 'text/plain',
      },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-upstream'), 'yes');
    assert.notEqual(res.headers.get('keep-alive'), 'timeout=5', 'hop-by-hop headers from the upstream are dropped');
    assert.ok(res.headers.get('x-request-id'));
    const got = seen.at(-1)!;
    assert.equal(got.url, '/base/raw/x?q=1');
    assert.equal(got.headers.authorization, undefined);
    assert.equal(got.headers['x-goog-api-key'], undefined);
    assert.equal(got.headers.cookie, undefined);
    assert.equal(got.headers['x-other'], undefined);
    assert.equal(got.headers['x-team'], 'search');
    assert.equal(got.headers.traceparent, '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    assert.equal(got.headers['x-request-id'], res.headers.get('x-request-id'));
  });

  it('streams a body larger than the buffer limit, and records its size and SHA-256', async () => {
    const big = Buffer.alloc(3_000_000, 'a');
    big.write('the start', 0);
    big.write('the end', big.length - 7);
    const res = await fetch(`${gw.url}/raw/big`, { method: 'POST', body: big, headers: { 'content-type': 'application/octet-stream', 'x-request-id': 'fwd-big-1' } });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { bytes: number }).bytes, big.length);
    const row = await waitForAuditRow<{ request_bytes: number; request_sha256: string }>(join(dir, 'audit.db'), 'fwd-big-1');
    assert.equal(row?.request_bytes, big.length);
    assert.equal(row?.request_sha256, createHash('sha256').update(big).digest('hex'));
  });

  it('refuses a body over the route limit with 413 in the OpenAI error format', async () => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x'.repeat(3000) }] }),
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(res.status, 413);
    const body = (await res.json()) as { error: { type: string; message: string } };
    assert.equal(body.error.type, 'invalid_request_error');
    assert.match(body.error.message, /exceeds/);
  });

  it('answers OpenAI malformed JSON in the OpenAI format', async () => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', body: '{"model":', headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: { type: string } };
    assert.equal(body.error.type, 'invalid_request_error');
  });

  it('refuses a JSON operation\'s body declared as something else (policy and guardrails would not read it), but forwards form uploads', async () => {
    const before = seen.length;
    const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', body: '{"model":"gpt-4o","messages":[]}', headers: { 'content-type': 'text/plain' } });
    assert.equal(res.status, 415);
    const body = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'content_type_unsupported');
    assert.match(body.error.message, /send it as application\/json/);
    assert.equal(seen.length, before, 'the upstream never saw it');
    const form = new FormData();
    form.set('model', 'whisper-1');
    form.set('file', new Blob(['RIFF']), 'a.wav');
    assert.equal((await fetch(`${gw.url}/v1/audio/transcriptions`, { method: 'POST', body: form })).status, 200);
  });

  it('times out a silent upstream with 504', async () => {
    const res = await fetch(`${gw.url}/raw/slow`);
    assert.equal(res.status, 504);
    assert.equal(((await res.json()) as { error: { status: string } }).error.status, 'DEADLINE_EXCEEDED');
  });

  it('answers 503 UNAVAILABLE when the upstream is unreachable', async () => {
    const res = await fetch(`${gw.url}/down/v1/publishers/google/models/gemini:generateContent`, {
      method: 'POST', body: '{}', headers: { 'content-type': 'application/json' },
    });
    assert.equal(res.status, 503);
    const body = (await res.json()) as { error: { status: string; code: number } };
    assert.equal(body.error.status, 'UNAVAILABLE');
    assert.equal(body.error.code, 503);
  });

  it('answers 404 for a request no route matches', async () => {
    const res = await fetch(`${gw.url}/nowhere`);
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as { error: { type?: string; status?: string } }).error !== undefined, true);
  });

  it('aborts the upstream call when the client goes away', async () => {
    const closedBefore = upstreamClosed;
    await new Promise<void>((resolve, reject) => {
      const req = request(`${gw.url}/stream/hang`, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', () => {});
      req.setTimeout(2000, () => reject(new Error('no first chunk')));
      req.end();
    });
    await until(() => upstreamClosed > closedBefore, 'the upstream connection to close');
    assert.equal(upstreamClosed, closedBefore + 1);
  });
});
