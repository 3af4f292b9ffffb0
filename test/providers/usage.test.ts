import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BoundedBytes } from '../../src/providers/bounded-bytes.js';
import { JsonArraySplitter } from '../../src/providers/json-array-stream.js';
import { SseSplitter } from '../../src/providers/sse.js';
import { createUsageObserver, usageFraming, type UsageObserver } from '../../src/providers/usage-observer.js';
import { readUsage, usageFromTail } from '../../src/providers/usage.js';
import { getProvider } from '../../src/providers/index.js';
import type { Target, Usage } from '../../src/types.js';

// ---- targets ---------------------------------------------------------------------------

const vertexSse: Target = {
  provider: 'vertex',
  operation: 'streamGenerateContent',
  operationClass: 'inference',
  stream: true,
  streamFormat: 'sse',
};
const vertexArray: Target = { ...vertexSse, streamFormat: 'json-array' };
const vertexJson: Target = { provider: 'vertex', operation: 'generateContent', operationClass: 'inference', stream: false };
const vertexChatStream: Target = {
  provider: 'vertex',
  operation: 'chat.completions',
  operationClass: 'inference',
  stream: true,
  streamFormat: 'sse',
};
const openaiStream: Target = { ...vertexChatStream, provider: 'openai' };
const openaiJson: Target = { provider: 'openai', operation: 'chat.completions', operationClass: 'inference', stream: false };
const anthropicStream: Target = { ...vertexSse, operation: 'streamRawPredict', publisher: 'anthropic' };
const training: Target = { provider: 'vertex', operation: 'training.list', operationClass: 'training', stream: false };
const http: Target = { provider: 'http', operation: 'other', operationClass: 'other', stream: false };

// ---- samples ---------------------------------------------------------------------------

const geminiChunk = (text: string, usage: string): string =>
  `{"candidates": [{"content": {"role": "model","parts": [{"text": ${JSON.stringify(text)}}]}}],` +
  `"usageMetadata": {${usage}},"modelVersion": "gemini-2.0-flash","responseId": "r-1"}`;

const TRICKY = 'Héllo 😀 ] } [ { "quoted" \\ back\\slash \\" data: [DONE]\n\ndata: {"usage":1}';

const GEMINI_SSE = Buffer.from(
  'data: ' +
    geminiChunk(TRICKY, '"promptTokenCount": 1,"candidatesTokenCount": 2,"totalTokenCount": 3') +
    '\r\n\r\n' +
    'data: ' +
    geminiChunk('more ', '"promptTokenCount": 5,"trafficType": "ON_DEMAND"') +
    '\r\n\r\n' +
    ': a comment\r\n' +
    'data: ' +
    geminiChunk(
      'end.',
      '"promptTokenCount": 5,"candidatesTokenCount": 12,"thoughtsTokenCount": 4,"totalTokenCount": 21,' +
        '"promptTokensDetails": [{"modality": "TEXT","tokenCount": 5}]',
    ) +
    '\r\n\r\n',
);
const GEMINI_SSE_USAGE: Usage = { promptTokens: 5, outputTokens: 16, totalTokens: 21 };

const GEMINI_ARRAY = Buffer.from(
  '[' +
    geminiChunk(TRICKY, '"promptTokenCount": 3,"candidatesTokenCount": 1,"totalTokenCount": 4') +
    '\n,\r\n' +
    geminiChunk('x', '"promptTokenCount": 3') +
    '\r\n,\r\n' +
    geminiChunk('[{]}"', '"promptTokenCount": 3,"candidatesTokenCount": 9,"totalTokenCount": 12') +
    '\n]',
);
const GEMINI_ARRAY_USAGE: Usage = { promptTokens: 3, outputTokens: 9, totalTokens: 12 };

const OPENAI_SSE = Buffer.from(
  [
    'data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":"usage: {"}}],"usage":null}',
    'data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"\\"usage\\": 99"},"finish_reason":"stop"}],"usage":null}',
    'data: {"id":"c1","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":11,"completion_tokens":7,"total_tokens":18}}',
    'data: [DONE]',
    '',
  ].join('\n\n'),
);
const OPENAI_SSE_USAGE: Usage = { promptTokens: 11, outputTokens: 7, totalTokens: 18 };

const ANTHROPIC_SSE = Buffer.from(
  [
    'event: message_start\ndata: {"type":"message_start","message":{"id":"m","type":"message","role":"assistant","content":[],"usage":{"input_tokens":25,"cache_read_input_tokens":5,"output_tokens":1}}}',
    'event: ping\ndata: {"type": "ping"}',
    'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}',
    'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":15}}',
    'event: message_stop\ndata: {"type":"message_stop"}',
    '',
  ].join('\n\n'),
);

function observe(target: Target, ct: string | undefined, chunks: Buffer[]): Usage | undefined {
  const o = createUsageObserver(target, ct);
  for (const c of chunks) o.push(c);
  return o.result();
}

function splits(buf: Buffer): [number, Buffer[]][] {
  const out: [number, Buffer[]][] = [];
  for (let i = 0; i <= buf.length; i++) out.push([i, [buf.subarray(0, i), buf.subarray(i)]]);
  return out;
}

function bytewise(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i++) out.push(buf.subarray(i, i + 1));
  return out;
}

// ---- framing ---------------------------------------------------------------------------

describe('usageFraming', () => {
  const cases: [string, Target, string | undefined, string][] = [
    ['vertex sse by content-type', vertexSse, 'text/event-stream', 'sse'],
    ['content-type wins over json-array', vertexArray, 'text/event-stream; charset=utf-8', 'sse'],
    ['vertex json array', vertexArray, 'application/json; charset=UTF-8', 'json-array'],
    ['vertex json array, no content-type', vertexArray, undefined, 'json-array'],
    ['vertex non-stream', vertexJson, 'application/json', 'json'],
    ['sse target answered with JSON (an error)', vertexSse, 'application/json', 'json'],
    ['sse target without content-type', vertexSse, undefined, 'sse'],
    ['openai stream', openaiStream, 'text/event-stream', 'sse'],
    ['openai json', openaiJson, 'application/json', 'json'],
    ['ndjson', openaiJson, 'application/x-ndjson', 'json-array'],
    ['not JSON', vertexJson, 'image/png', 'none'],
    ['html error page', openaiJson, 'text/html', 'none'],
    ['training is not observed', training, 'application/json', 'none'],
    ['http is observed', http, 'application/json', 'json'],
    ['uppercase content-type', vertexJson, 'Application/JSON', 'json'],
  ];
  for (const [name, target, ct, want] of cases) {
    it(name, () => assert.equal(usageFraming(target, ct), want));
  }
});

// ---- observers -------------------------------------------------------------------------

describe('SSE usage (Vertex alt=sse)', () => {
  it('reads the last usageMetadata', () => {
    assert.deepStrictEqual(observe(vertexSse, 'text/event-stream', [GEMINI_SSE]), GEMINI_SSE_USAGE);
  });
  it('gives the same answer split at every byte boundary', () => {
    for (const [i, chunks] of splits(GEMINI_SSE)) {
      assert.deepStrictEqual(observe(vertexSse, 'text/event-stream', chunks), GEMINI_SSE_USAGE, `split at ${i}`);
    }
  });
  it('gives the same answer fed one byte at a time', () => {
    assert.deepStrictEqual(observe(vertexSse, 'text/event-stream', bytewise(GEMINI_SSE)), GEMINI_SSE_USAGE);
  });
  it('handles \\n line endings and a last event without its blank line', () => {
    const body = Buffer.from(
      GEMINI_SSE.toString('utf8').replaceAll('\r\n', '\n').replace(/\n\n$/, ''),
    );
    for (const [i, chunks] of splits(body)) {
      assert.deepStrictEqual(observe(vertexSse, 'text/event-stream', chunks), GEMINI_SSE_USAGE, `split at ${i}`);
    }
  });
  it('is undefined when no event carries usage', () => {
    const body = Buffer.from('data: {"candidates":[]}\n\ndata: {"candidates":[{"content":{}}]}\n\n');
    assert.equal(observe(vertexSse, 'text/event-stream', [body]), undefined);
  });
});

describe('JSON-array usage (Vertex streamGenerateContent without alt=sse)', () => {
  it('reads the last usageMetadata', () => {
    assert.deepStrictEqual(observe(vertexArray, 'application/json', [GEMINI_ARRAY]), GEMINI_ARRAY_USAGE);
  });
  it('gives the same answer split at every byte boundary', () => {
    for (const [i, chunks] of splits(GEMINI_ARRAY)) {
      assert.deepStrictEqual(observe(vertexArray, 'application/json', chunks), GEMINI_ARRAY_USAGE, `split at ${i}`);
    }
  });
  it('gives the same answer split at every pair of boundaries (stride 7)', () => {
    const b = GEMINI_ARRAY;
    for (let i = 0; i <= b.length; i += 7) {
      for (let j = i; j <= b.length; j += 5) {
        const chunks = [b.subarray(0, i), b.subarray(i, j), b.subarray(j)];
        assert.deepStrictEqual(observe(vertexArray, 'application/json', chunks), GEMINI_ARRAY_USAGE, `split at ${i},${j}`);
      }
    }
  });
  it('gives the same answer fed one byte at a time', () => {
    assert.deepStrictEqual(observe(vertexArray, 'application/json', bytewise(GEMINI_ARRAY)), GEMINI_ARRAY_USAGE);
  });
  it('reads an error answered as a plain object', () => {
    const body = Buffer.from('{"error":{"code":429,"message":"quota","status":"RESOURCE_EXHAUSTED"}}');
    assert.equal(observe(vertexArray, 'application/json', [body]), undefined);
  });
});

describe('OpenAI usage', () => {
  it('reads the usage chunk of a stream and ignores [DONE] and usage:null', () => {
    assert.deepStrictEqual(observe(openaiStream, 'text/event-stream', [OPENAI_SSE]), OPENAI_SSE_USAGE);
  });
  it('gives the same answer split at every byte boundary', () => {
    for (const [i, chunks] of splits(OPENAI_SSE)) {
      assert.deepStrictEqual(observe(vertexChatStream, 'text/event-stream', chunks), OPENAI_SSE_USAGE, `split at ${i}`);
    }
  });
  it('reads a non-stream body', () => {
    const body = Buffer.from(
      '{"id":"x","object":"chat.completion","choices":[{"message":{"role":"assistant","content":"hi"}}],' +
        '"usage":{"prompt_tokens":9,"completion_tokens":3,"total_tokens":12,"prompt_tokens_details":{"cached_tokens":0}}}',
    );
    assert.deepStrictEqual(observe(openaiJson, 'application/json', [body.subarray(0, 10), body.subarray(10)]), {
      promptTokens: 9,
      outputTokens: 3,
      totalTokens: 12,
    });
  });
  it('reads Vertex text embeddings\' per-prediction token counts, summed; none if one lacks its count', () => {
    const embed: Target = { provider: 'vertex', operation: 'predict', operationClass: 'inference', stream: false };
    const pred = (n?: number) => ({ embeddings: { values: [0.1, -0.2], statistics: n === undefined ? { truncated: false } : { truncated: false, token_count: n } } });
    const body = (...ns: (number | undefined)[]) => Buffer.from(JSON.stringify({ predictions: ns.map(pred), deployedModelId: '1' }));
    assert.deepStrictEqual(observe(embed, 'application/json', [body(4, 7)]), { promptTokens: 11, totalTokens: 11 });
    assert.equal(observe(embed, 'application/json', [body(4, undefined)]), undefined);
    assert.equal(observe(embed, 'application/json', [Buffer.from('{"predictions":[[1,2]]}')]), undefined);
  });
  it('reads embeddings usage (no completion tokens)', () => {
    const body = Buffer.from('{"object":"list","data":[],"usage":{"prompt_tokens":8,"total_tokens":8}}');
    assert.deepStrictEqual(observe(openaiJson, 'application/json', [body]), { promptTokens: 8, totalTokens: 8 });
  });
  it('reads the Responses API completed event', () => {
    const body = Buffer.from(
      'event: response.created\ndata: {"type":"response.created","response":{"id":"r","usage":null}}\n\n' +
        'event: response.completed\ndata: {"type":"response.completed","response":{"id":"r","usage":{"input_tokens":20,"output_tokens":30,"total_tokens":50}}}\n\n',
    );
    assert.deepStrictEqual(observe(openaiStream, 'text/event-stream', [body]), {
      promptTokens: 20,
      outputTokens: 30,
      totalTokens: 50,
    });
  });
});

describe('Anthropic on Vertex (streamRawPredict)', () => {
  it('merges message_start input and message_delta output', () => {
    for (const [i, chunks] of splits(ANTHROPIC_SSE)) {
      assert.deepStrictEqual(
        observe(anthropicStream, 'text/event-stream', chunks),
        { promptTokens: 30, outputTokens: 15, totalTokens: 45 },
        `split at ${i}`,
      );
    }
  });
});

describe('Vertex non-stream JSON', () => {
  it('reads usageMetadata', () => {
    const body = Buffer.from(
      geminiChunk('hi', '"promptTokenCount": 4,"candidatesTokenCount": 6,"totalTokenCount": 10'),
    );
    for (const [i, chunks] of splits(body)) {
      assert.deepStrictEqual(
        observe(vertexJson, 'application/json; charset=UTF-8', chunks),
        { promptTokens: 4, outputTokens: 6, totalTokens: 10 },
        `split at ${i}`,
      );
    }
  });
  it('reads usageMetadata after a multi-megabyte inline image, keeping only the tail', () => {
    const big = 'A'.repeat(3 * 1024 * 1024);
    const body = Buffer.from(
      `{"candidates":[{"content":{"parts":[{"inlineData":{"mimeType":"image/png","data":"${big}"}},{"text":"\\"usageMetadata\\": {\\"promptTokenCount\\": 999}"}]}}],` +
        '"usageMetadata":{"promptTokenCount":7,"candidatesTokenCount":1290,"totalTokenCount":1297,"candidatesTokensDetails":[{"modality":"IMAGE","tokenCount":1290}]},"modelVersion":"m"}',
    );
    const chunks: Buffer[] = [];
    for (let i = 0; i < body.length; i += 65536) chunks.push(body.subarray(i, i + 65536));
    assert.deepStrictEqual(observe(vertexJson, 'application/json', chunks), {
      promptTokens: 7,
      outputTokens: 1290,
      totalTokens: 1297,
    });
  });
  it('reads the last usageMetadata of a huge streamed array element and of a huge SSE event', () => {
    const big = 'B'.repeat(1024 * 1024);
    const el = geminiChunk(big, '"promptTokenCount": 2,"candidatesTokenCount": 3,"totalTokenCount": 5');
    const arr = Buffer.from(`[${geminiChunk('a', '"promptTokenCount": 2')},${el}]`);
    const sse = Buffer.from(`data: ${geminiChunk('a', '"promptTokenCount": 2')}\n\ndata: ${el}\n\n`);
    const want = { promptTokens: 2, outputTokens: 3, totalTokens: 5 };
    for (const [t, ct, body] of [
      [vertexArray, 'application/json', arr],
      [vertexSse, 'text/event-stream', sse],
    ] as const) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < body.length; i += 16_000) chunks.push(body.subarray(i, i + 16_000));
      assert.deepStrictEqual(observe(t, ct, chunks), want);
    }
  });
});

describe('malformed and unobserved bodies', () => {
  const cases: [string, Target, string | undefined, string][] = [
    ['garbage json', vertexJson, 'application/json', 'not json at all "usageMetadata"'],
    ['truncated json', vertexJson, 'application/json', '{"usageMetadata":{"promptTokenCount":1'],
    ['usage of the wrong type', vertexJson, 'application/json', '{"usageMetadata":{"promptTokenCount":"many","totalTokenCount":-1}}'],
    ['usage is an array', openaiJson, 'application/json', '{"usage":[1,2,3]}'],
    ['fractional counts', openaiJson, 'application/json', '{"usage":{"prompt_tokens":1.5}}'],
    ['empty body', vertexJson, 'application/json', ''],
    ['sse garbage', vertexSse, 'text/event-stream', 'data: {"usageMetadata": nope}\n\ndata: [DONE]\n\nrandom\n\n'],
    ['sse without data lines', vertexSse, 'text/event-stream', 'event: x\nid: 1\n: {"usage":{"prompt_tokens":1}}\n\n'],
    ['array garbage', vertexArray, 'application/json', 'hello [{"usageMetadata":{"promptTokenCount":1}}]'],
    ['array with a broken element', vertexArray, 'application/json', '[{"usageMetadata":{"promptTokenCount":}}]'],
    ['array truncated', vertexArray, 'application/json', '[{"usageMetadata":{"promptTokenCount":1}'],
    ['nested usage is not read', vertexJson, 'application/json', '{"candidates":[{"usageMetadata":{"promptTokenCount":1}}]}'],
    ['non-json content-type', vertexJson, 'text/plain', '{"usageMetadata":{"promptTokenCount":1}}'],
    ['not an inference call', training, 'application/json', '{"usageMetadata":{"promptTokenCount":1}}'],
  ];
  for (const [name, target, ct, body] of cases) {
    it(`${name} → undefined`, () => {
      const b = Buffer.from(body);
      assert.equal(observe(target, ct, [b]), undefined);
      assert.equal(observe(target, ct, bytewise(b)), undefined);
    });
  }

  it('keeps good reports around a broken array element', () => {
    const body = Buffer.from('[{"usageMetadata":{"promptTokenCount":1,"totalTokenCount":1}},{"usageMetadata":{x}},{"a":1}]');
    assert.deepStrictEqual(observe(vertexArray, 'application/json', [body]), { promptTokens: 1, totalTokens: 1 });
  });

  it('ignores data after the closing bracket', () => {
    const body = Buffer.from('[{"a":1}]{"usageMetadata":{"promptTokenCount":1}}');
    assert.equal(observe(vertexArray, 'application/json', [body]), undefined);
  });
});

describe('observer contract', () => {
  it('result() is idempotent and pushes after it are ignored', () => {
    const o: UsageObserver = createUsageObserver(vertexSse, 'text/event-stream');
    o.push(GEMINI_SSE);
    const first = o.result();
    o.push(Buffer.from('data: {"usageMetadata":{"promptTokenCount":1000}}\n\n'));
    assert.deepStrictEqual(o.result(), first);
    assert.deepStrictEqual(first, GEMINI_SSE_USAGE);
  });
  it('copies what it keeps: callers may reuse their buffers', () => {
    const body = Buffer.from(GEMINI_ARRAY);
    const o = getProvider('vertex').usageObserver(vertexArray, 'application/json');
    const cut = body.indexOf('"totalTokenCount": 12') + 3;
    const a = Buffer.from(body.subarray(0, cut));
    o.push(a);
    a.fill(0x20); // overwrite after the push
    o.push(body.subarray(cut));
    assert.deepStrictEqual(o.result(), GEMINI_ARRAY_USAGE);
  });
  it('never throws on random bytes', () => {
    let seed = 42;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) & 0xff;
    const alphabet = Buffer.from('[]{}",:\\ \n\rdata:usage0123456789');
    for (const [t, ct] of [
      [vertexSse, 'text/event-stream'],
      [vertexArray, 'application/json'],
      [vertexJson, 'application/json'],
    ] as const) {
      for (let k = 0; k < 200; k++) {
        const b = Buffer.alloc(200);
        for (let i = 0; i < b.length; i++) b[i] = alphabet[rand() % alphabet.length]!;
        const o = createUsageObserver(t, ct);
        assert.doesNotThrow(() => {
          o.push(b.subarray(0, 77));
          o.push(b.subarray(77));
          o.result();
        });
      }
    }
  });
});

// ---- the splitters themselves -----------------------------------------------------------

describe('JsonArraySplitter', () => {
  const expected = (JSON.parse(GEMINI_ARRAY.toString('utf8')) as unknown[]).map((e) => JSON.stringify(e));
  it('emits exactly the top-level elements at every split point', () => {
    for (const [i, chunks] of splits(GEMINI_ARRAY)) {
      const got: string[] = [];
      const s = new JsonArraySplitter((b, truncated) => {
        assert.equal(truncated, false);
        got.push(JSON.stringify(JSON.parse(b.toString('utf8'))));
      }, 1 << 20, 1 << 10);
      for (const c of chunks) s.push(c);
      assert.deepStrictEqual(got, expected, `split at ${i}`);
    }
  });
  it('splits newline-delimited values and skips scalars and a BOM', () => {
    const got: string[] = [];
    const s = new JsonArraySplitter((b) => got.push(b.toString()), 1 << 20, 1 << 10);
    s.push(Buffer.from('\ufeff{"a":"}"}\n{"b":[1,{"c":2}]}\n'));
    s.push(Buffer.from('{"d":"\\\\"}'));
    assert.deepStrictEqual(got, ['{"a":"}"}', '{"b":[1,{"c":2}]}', '{"d":"\\\\"}']);
    const got2: string[] = [];
    const s2 = new JsonArraySplitter((b) => got2.push(b.toString()), 1 << 20, 1 << 10);
    s2.push(Buffer.from('[1, "x]", {"e":1}, [2], null]'));
    assert.deepStrictEqual(got2, ['{"e":1}', '[2]']);
  });
  it('marks an oversized element as truncated and keeps only its tail', () => {
    const got: [number, boolean][] = [];
    const s = new JsonArraySplitter((b, t) => got.push([b.length, t]), 100, 40);
    const el = `{"x":"${'z'.repeat(500)}"}`;
    for (let i = 0; i < el.length; i += 30) s.push(Buffer.from((i === 0 ? '[' : '') + el.slice(i, i + 30)));
    s.push(Buffer.from(']'));
    assert.equal(got.length, 1);
    assert.equal(got[0]![1], true);
    assert.ok(got[0]![0] >= 40 && got[0]![0] < 40 + 30, `kept ${got[0]![0]} bytes`);
  });
});

describe('SseSplitter', () => {
  it('joins multi-line data with \\n and ignores other fields', () => {
    const got: string[] = [];
    const s = new SseSplitter((b) => got.push(b.toString()), 1 << 20, 1 << 10);
    const body = Buffer.from('event: e\r\ndata: {"a":\r\ndata:1}\r\nid: 7\r\n\r\n:comment\n\ndata:x\n\ndata\n\n');
    for (const c of bytewise(body)) s.push(c);
    s.end();
    assert.deepStrictEqual(got, ['{"a":\n1}', 'x']);
  });
  it('keeps a \\r that is not part of a line ending', () => {
    const got: string[] = [];
    const s = new SseSplitter((b) => got.push(b.toString()), 1 << 20, 1 << 10);
    s.push(Buffer.from('data: a\r'));
    s.push(Buffer.from('b\r'));
    s.push(Buffer.from('\n\n'));
    assert.deepStrictEqual(got, ['a\rb']);
  });
});

describe('BoundedBytes', () => {
  it('keeps everything up to the cap', () => {
    const b = new BoundedBytes(10, 4);
    b.push(Buffer.from('hello'));
    b.push(Buffer.from('world'));
    assert.deepStrictEqual(b.take(), { bytes: Buffer.from('helloworld'), truncated: false });
    assert.equal(b.length, 0);
  });
  it('keeps a bounded tail past the cap', () => {
    const b = new BoundedBytes(10, 4);
    for (let i = 0; i < 1000; i++) {
      b.push(Buffer.from('ab'));
      assert.ok(b.length <= 10, `holds ${b.length}`);
    }
    b.push(Buffer.from('xyz'));
    const { bytes, truncated } = b.take();
    assert.equal(truncated, true);
    assert.ok(bytes.toString().endsWith('bxyz'));
    assert.ok(bytes.length >= 4 && bytes.length <= 6);
    b.push(Buffer.from('0123456789ABCDEF'));
    assert.deepStrictEqual(b.take(), { bytes: Buffer.from('CDEF'), truncated: true });
  });
});

describe('readUsage / usageFromTail', () => {
  it('reads each shape', () => {
    assert.deepStrictEqual(readUsage({ usageMetadata: { promptTokenCount: 1, candidatesTokenCount: 2, totalTokenCount: 3 } }), {
      promptTokens: 1,
      outputTokens: 2,
      totalTokens: 3,
    });
    assert.deepStrictEqual(readUsage({ usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } }), {
      promptTokens: 1,
      outputTokens: 2,
      totalTokens: 3,
    });
    assert.deepStrictEqual(readUsage({ usage: { input_tokens: 4, output_tokens: 5 } }), { promptTokens: 4, outputTokens: 5 });
    assert.deepStrictEqual(readUsage({ usageMetadata: { totalTokenCount: '42' } }), { totalTokens: 42 });
    assert.equal(readUsage({ usage: null }), undefined);
    assert.equal(readUsage({ usage: {} }), undefined);
    assert.equal(readUsage(null), undefined);
    assert.equal(readUsage([{ usage: { prompt_tokens: 1 } }]), undefined);
  });
  it('finds the real key in a tail, not a quoted one', () => {
    const tail =
      'AAAA"}},{"text":"say \\"usageMetadata\\": {\\"promptTokenCount\\": 1}"}]}}],' +
      '"usageMetadata": {"promptTokenCount": 2, "candidatesTokenCount": 3, "totalTokenCount": 5, "d": [{"x": "}"}]},"modelVersion":"m"}';
    assert.deepStrictEqual(usageFromTail(tail), { promptTokens: 2, outputTokens: 3, totalTokens: 5 });
    assert.equal(usageFromTail('"usageMetadata": {"promptTokenCount": 2'), undefined);
    assert.equal(usageFromTail('"usage": null}'), undefined);
    assert.deepStrictEqual(usageFromTail('xx"usage" : { "prompt_tokens": 3 } }'), { promptTokens: 3 });
  });
});

describe('Interactions (Vertex Interactions API)', () => {
  const interactionJson: Target = { provider: 'vertex', operation: 'interactions.create', operationClass: 'inference', stream: false };
  const interactionSse: Target = { ...interactionJson, stream: true, streamFormat: 'sse' };

  it('reads an Interaction\'s usage, thinking tokens counted as output, in both JSON spellings', () => {
    assert.deepStrictEqual(
      readUsage({ id: 'i1', status: 'completed', usage: { total_input_tokens: 12, total_output_tokens: 30, total_thought_tokens: 8, total_tokens: 50 } }),
      { promptTokens: 12, outputTokens: 38, totalTokens: 50 },
    );
    assert.deepStrictEqual(readUsage({ usage: { totalInputTokens: '7', totalOutputTokens: 3 } }), { promptTokens: 7, outputTokens: 3 });
  });

  it('a stream: step deltas carry a running total, interaction.completed the final one', () => {
    const events = [
      { event_type: 'interaction.created', event_id: 'e1', interaction: { id: 'i1', status: 'in_progress' } },
      { event_type: 'step.delta', event_id: 'e2', index: 0, delta: { type: 'text', text: '"usage": 99' }, metadata: { total_usage: { total_input_tokens: 5, total_output_tokens: 2 } } },
      { event_type: 'interaction.completed', event_id: 'e3', interaction: { id: 'i1', status: 'completed', usage: { total_input_tokens: 5, total_output_tokens: 9, total_tokens: 14 } } },
    ];
    const body = Buffer.from(events.map((e) => `event: ${e.event_type}\ndata: ${JSON.stringify(e)}\n\n`).join(''));
    for (const [i, chunks] of splits(body)) {
      assert.deepStrictEqual(observe(interactionSse, 'text/event-stream', chunks), { promptTokens: 5, outputTokens: 9, totalTokens: 14 }, `split at ${i}`);
    }
    // Cut off before the end: the running total is what was used.
    const cut = Buffer.from(events.slice(0, 2).map((e) => `data: ${JSON.stringify(e)}\n\n`).join(''));
    assert.deepStrictEqual(observe(interactionSse, 'text/event-stream', [cut]), { promptTokens: 5, outputTokens: 2, totalTokens: 7 });
  });
});
