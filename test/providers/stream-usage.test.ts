// askForStreamUsage and UsageChunkFilter on their own: which bodies change and how, and the
// usage-only chunk removed from a stream cut at every possible place.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyOpenAI } from '../../src/providers/openai.js';
import { askForStreamUsage, UsageChunkFilter } from '../../src/providers/stream-usage.js';

const PATH = '/v1/chat/completions';
const ask = (text: string, path = PATH) => {
  const json = JSON.parse(text) as unknown;
  return askForStreamUsage(classifyOpenAI('POST', path, '', json), json, Buffer.from(text))?.toString();
};

describe('askForStreamUsage', () => {
  it('inserts include_usage after the opening brace, every other byte kept', () => {
    const body = ' {"model": "m",  "stream": true, "n": 1.0}';
    assert.equal(ask(body), ' {"stream_options":{"include_usage":true},"model": "m",  "stream": true, "n": 1.0}');
  });
  it('keeps other stream options; overrides include_usage false; fills a null', () => {
    assert.deepEqual(JSON.parse(ask('{"stream":true,"stream_options":{"x":1,"include_usage":false}}')!), {
      stream: true,
      stream_options: { x: 1, include_usage: true },
    });
    assert.deepEqual(JSON.parse(ask('{"stream":true,"stream_options":null}')!).stream_options, { include_usage: true });
  });
  it('leaves alone: asked already, not a stream, not a completion, a malformed stream_options', () => {
    assert.equal(ask('{"stream":true,"stream_options":{"include_usage":true}}'), undefined);
    assert.equal(ask('{"stream":false}'), undefined);
    assert.equal(ask('{"model":"m"}'), undefined);
    assert.equal(ask('{"stream":true,"input":"x"}', '/v1/embeddings'), undefined);
    assert.equal(ask('{"stream":true,"input":"x"}', '/v1/responses'), undefined);
    assert.equal(ask('{"stream":true,"stream_options":"yes"}'), undefined);
  });
});

describe('UsageChunkFilter', () => {
  const upstream =
    ': keep-alive\n\n' +
    'data: {"id":"a","choices":[{"index":0,"delta":{"content":"hi"}}],"usage":null}\n\n' +
    'id: 7\r\ndata: {"id":"a","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null}\r\n\r\n' +
    'data: {"id":"a","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}\n\n' +
    'data: [DONE]\n\n';
  const expected =
    ': keep-alive\n\n' +
    'data: {"id":"a","choices":[{"index":0,"delta":{"content":"hi"}}]}\n\n' +
    'id: 7\r\ndata: {"id":"a","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\r\n\r\n' +
    'data: [DONE]\n\n';
  const run = (cuts: number[]) => {
    const f = new UsageChunkFilter();
    const out: Buffer[] = [];
    let at = 0;
    for (const c of [...cuts, upstream.length]) {
      const o = f.chunk(Buffer.from(upstream.slice(at, c)));
      if (o) out.push(o);
      at = c;
    }
    const rest = f.end();
    if (rest) out.push(rest);
    return Buffer.concat(out).toString();
  };

  it('drops the usage-only chunk and the usage: null members, the rest byte for byte', () => {
    assert.equal(run([]), expected);
  });
  it('the same, cut into two at every place', () => {
    for (let i = 1; i < upstream.length; i++) assert.equal(run([i]), expected, `cut at ${i}`);
  });
  it('byte by byte', () => {
    assert.equal(run(Array.from({ length: upstream.length - 1 }, (_, i) => i + 1)), expected);
  });
  it('a last event without its blank line is still judged', () => {
    const f = new UsageChunkFilter();
    const a = f.chunk(Buffer.from('data: {"choices":[{"index":0}]}\n\ndata: {"choices":[],"usage":{"total_tokens":1}}\n'));
    assert.equal(`${a ?? ''}${f.end() ?? ''}`, 'data: {"choices":[{"index":0}]}\n\n');
  });
});
