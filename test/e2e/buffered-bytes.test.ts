// spec.limits.maxBufferedBytes: request bodies held in memory across all requests in
// flight are bounded. An upstream that holds its answers keeps the first
// request's body counted; the next body-reading request is refused with 503
// and Retry-After (never an out-of-memory crash), and once the first is done
// the next passes again. The bodies ext_proc holds before admission count
// against the same bound.
import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { defaultMaxBufferedBytes } from '../../src/admission/buffer-budget.js';
import { decisionOf, ExtProcClient, requestHeadersMessage, type ExtProcRequest } from '../helpers/extproc-client.js';
import { startGatewayFromYaml, type YamlGateway } from '../helpers/gateway.js';
import { closeServer, listen } from '../helpers/http-server.js';
import { until } from '../helpers/process.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';

const MiB = 1024 * 1024;

interface Reply {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

function post(url: string, body: Buffer, chunked = false): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { 'content-type': 'application/json' };
    if (!chunked) headers['content-length'] = body.length;
    const req = request(url, { method: 'POST', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    if (chunked) {
      // Two writes: the body arrives in pieces, as a chunked upload does.
      req.write(body.subarray(0, body.length >> 1));
      setImmediate(() => req.end(body.subarray(body.length >> 1)));
    } else req.end(body);
  });
}

const chat = (n: number) => Buffer.from(JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x'.repeat(n) }] }));

describe('spec.limits.maxBufferedBytes', () => {
  const held: (() => void)[] = [];
  let arrived = 0;
  const upstream = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      arrived++;
      held.push(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"choices":[]}');
      });
    });
  });
  let g: YamlGateway;
  let dir: string;
  let base: string;

  before(async () => {
    const up = await listen(upstream);
    dir = makeTempDir('warden-buffers-');
    g = await startGatewayFromYaml(
      `apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: t}
spec:
  limits: {maxBufferedBytes: ${2 * MiB}}
  extProc: {grpc: {port: 0}, timeout: 5s}
  routes:
    - {name: openai, provider: openai, upstream: "${up}"}
`,
      { dir, quiet: true },
    );
    base = `${g.gw.url}/v1/chat/completions`;
  });
  after(async () => {
    for (const release of held.splice(0)) release();
    await g?.gw.close();
    await closeServer(upstream);
    removeDir(dir);
  });

  it('finding 6: over the bound, new body-reading requests get 503 with Retry-After; under it they pass', async () => {
    const first = post(base, chat(1.5 * MiB));
    await until(() => arrived === 1, 'the first request at the upstream');

    const declared = await post(base, chat(1 * MiB));
    assert.equal(declared.status, 503, declared.body);
    assert.equal(declared.headers['retry-after'], '1');
    assert.equal((JSON.parse(declared.body) as { error: { code: string } }).error.code, 'overloaded');

    const chunked = await post(base, chat(1 * MiB), true);
    assert.equal(chunked.status, 503, 'a body without a declared length is refused once it passes the bound');
    assert.equal(arrived, 1, 'neither refused request reached the upstream');

    const small = post(base, chat(100));
    await until(() => arrived === 2, 'a small request fits beside the large one');
    for (const release of held.splice(0)) release();
    assert.equal((await first).status, 200);
    assert.equal((await small).status, 200);

    // The first body is released: a large one fits again.
    const again = post(base, chat(1.5 * MiB));
    await until(() => arrived === 3, 'the next large request at the upstream');
    for (const release of held.splice(0)) release();
    assert.equal((await again).status, 200);
  });

  it('ext_proc: the bodies it holds before admission count; past the bound 503 with Retry-After, and a held body is given back when its stream ends or is admitted', async () => {
    const client = new ExtProcClient(g.gw.extProc!.port);
    const request = (headers: Record<string, string> = {}, mode: ExtProcRequest['mode'] = 'STREAMED'): ExtProcRequest =>
      ({ path: '/v1/chat/completions', authority: 'api.example', headers: { 'content-type': 'application/json', ...headers }, mode });
    /**
     * Whether Warden would refuse a body of `declared` bytes now. BUFFERED, so that either way it
     * answers the headers at once (a refusal, or the plain answer after which Envoy would send the body);
     * the body is never sent, so the probe holds nothing.
     */
    const wouldRefuse = async (declared: number) => {
      const probe = client.open();
      probe.call.write(requestHeadersMessage(request({ 'content-length': String(declared) }, 'BUFFERED')));
      const first = await probe.answer(0);
      probe.call.cancel();
      return decisionOf(first)?.status === 503;
    };
    const streams: ReturnType<ExtProcClient['open']>[] = [];
    try {
      // Held: 900 KiB of each of two bodies without a declared length, under bodyBufferBytes (1 MiB), their ends still to come.
      const hold = () => {
        const h = client.open();
        streams.push(h);
        h.call.write(requestHeadersMessage(request()));
        h.call.write({ requestBody: { body: chat(900 * 1024), endOfStream: false } });
        return h;
      };
      const a1 = hold();
      const a2 = hold();
      await until(() => wouldRefuse(300 * 1024), 'both held bodies counted against maxBufferedBytes');

      // A body without a declared length: refused once its bytes pass the bound.
      const b = client.open();
      streams.push(b);
      b.call.write(requestHeadersMessage(request()));
      b.call.write({ requestBody: { body: chat(400 * 1024), endOfStream: false } });
      const refused = decisionOf(await b.answer(0));
      assert.deepEqual([refused?.allowed, refused?.status, refused?.headers?.['retry-after'], refused?.reason], [false, 503, '1', 'OVERLOADED']);
      // One whose declared length would pass it (as much as Warden would hold: bodyBufferBytes): refused at its headers.
      const c = client.open();
      streams.push(c);
      c.call.write(requestHeadersMessage(request({ 'content-length': String(1.5 * MiB) })));
      assert.equal(decisionOf(await c.answer(0))?.status, 503);

      // Envoy ends the held streams: their bytes are given back.
      a1.call.cancel();
      a2.call.cancel();
      await until(async () => !(await wouldRefuse(1.5 * MiB)), 'the ended streams\' bodies given back');

      // Held, then admitted: given back once its chunks are answered.
      const d = client.open();
      streams.push(d);
      d.call.write(requestHeadersMessage(request()));
      d.call.write({ requestBody: { body: chat(900 * 1024), endOfStream: false } });
      await until(() => wouldRefuse(1.5 * MiB), 'the second held body counted');
      d.call.write({ requestBody: { body: Buffer.alloc(0), endOfStream: true } });
      assert.equal(decisionOf(await d.answer(0))?.allowed, true);
      assert.equal(await wouldRefuse(1.5 * MiB), false, 'the admitted body no longer counts');
    } finally {
      for (const s of streams) s.call.cancel();
      client.close();
    }
  });

  it('the default is a quarter of the heap limit', () => {
    assert.equal(defaultMaxBufferedBytes(1024 * MiB), 256 * MiB);
    assert.ok(defaultMaxBufferedBytes() > 0);
  });
});
