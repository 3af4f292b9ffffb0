// guard(response) against upstreams the emulator cannot imitate: SSE events
// with `event:` / `id:` fields (kept unchanged through redaction), and a
// stream event or JSON body over 8 MiB (fail closed: the caller sees a broken
// answer, never unread bytes, and the request is still recorded).
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startStack, type Stack } from '../helpers/stack.js';

const PATH = '/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.0-flash';
const BIG = 9 * 1024 * 1024;

const gemini = (text: string, last = false) =>
  JSON.stringify({
    candidates: [{ content: { role: 'model', parts: [{ text }] }, index: 0, ...(last ? { finishReason: 'STOP' } : {}) }],
    ...(last ? { usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 9, totalTokenCount: 12 } } : {}),
  });

/** The test upstream: the answer depends on the model verb. */
function upstream(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    req.resume();
    const url = req.url ?? '';
    if (url.includes(':streamGenerateContent') && url.includes('big')) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${gemini('A first, harmless event. ')}\n\n`);
      // One event far over the limit, written in pieces.
      res.write(`data: ${gemini('x'.repeat(BIG))}\n\n`, () => res.end());
      return;
    }
    if (url.includes(':streamGenerateContent')) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(': a comment line\n\n');
      res.write(`event: message\nid: 1\ndata: ${gemini('Reach me at dana@exam')}\n\n`);
      res.write(`event: message\r\nid: 2\r\nretry: 5000\r\ndata: ${gemini('ple.com any time.', true)}\r\n\r\n`);
      res.end('event: done\nid: 3\ndata: [DONE]\n\n');
      return;
    }
    // generateContent: a JSON body over the limit.
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(gemini('y'.repeat(BIG)));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })));
}

describe('guard(response) with a hand-written upstream', () => {
  let s: Stack;
  let up: { server: Server; url: string };
  before(async () => {
    up = await upstream();
    s = await startStack(
      () => `
apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: streams}
spec:
  routes:
    - {name: vertex, provider: vertex, upstream: "${up.url}"}
  guardrails:
    response: {pii: redact}
`,
    );
  });
  after(async () => {
    await s.close();
    await new Promise((r) => up.server.close(r));
  });

  const call = (model: string, verb: string) =>
    fetch(`${s.gw.url}${PATH.replace('gemini-2.0-flash', model)}:${verb}${verb.startsWith('stream') ? '?alt=sse' : ''}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
    });
  const recorded = (res: Response) => s.logs.find((l) => l.requestId === res.headers.get('x-request-id'));

  it('SSE: event:, id:, retry: and comment lines pass unchanged around redacted data', async () => {
    const res = await call('gemini-2.0-flash', 'streamGenerateContent');
    assert.equal(res.status, 200);
    const events = (await res.text()).split('\n\n').filter(Boolean);
    const datas = events.map((e) => e.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join(''));
    const text = datas
      .filter((d) => d.startsWith('{'))
      .map((d) => (JSON.parse(d) as { candidates: { content: { parts: { text: string }[] } }[] }).candidates[0]!.content.parts[0]!.text)
      .join('');
    assert.equal(text, 'Reach me at [EMAIL_1] any time.', 'the address split across events is redacted');
    const fields = events.map((e) => e.split('\n').filter((l) => !l.startsWith('data:')));
    assert.deepEqual(fields, [[': a comment line'], ['event: message', 'id: 1'], ['event: message', 'id: 2', 'retry: 5000'], ['event: done', 'id: 3']]);
    assert.equal(datas.at(-1), '[DONE]');
  });

  it('an SSE event over 8 MiB breaks the stream (never passes unread) and the request is recorded', async () => {
    const res = await call('big', 'streamGenerateContent');
    assert.equal(res.status, 200, 'the status line went out before the event arrived');
    let received = '';
    const reader = res.body!.getReader();
    const err = await (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return undefined;
        received += Buffer.from(value).toString();
      }
    })().catch((e: unknown) => e);
    assert.ok(err instanceof Error, 'the caller sees a broken stream, not a complete answer');
    assert.ok(received.length < 1024 * 1024, `no part of the big event was sent (${received.length} bytes)`);
    assert.ok(!received.includes('xxxxxxxx'));
    for (let i = 0; i < 100 && !recorded(res); i++) await new Promise((r) => setImmediate(r));
    assert.equal(recorded(res)?.status, 200, 'recorded');
  });

  it('a JSON body over 8 MiB breaks the response and the request is recorded', async () => {
    const res = await call('gemini-2.0-flash', 'generateContent');
    assert.equal(res.status, 200);
    const err = await res.arrayBuffer().then(
      (b) => new Error(`complete body of ${b.byteLength} bytes`),
      (e: unknown) => e,
    );
    assert.ok(err instanceof Error);
    assert.ok(!/complete body/.test(err.message), err.message);
    for (let i = 0; i < 100 && !recorded(res); i++) await new Promise((r) => setImmediate(r));
    assert.ok(recorded(res), 'recorded');
  });
});
