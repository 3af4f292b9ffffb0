import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { metadataToken, postJson, readChunks, sseData } from './helpers.js';

let emu: Emulator;
let other: Emulator;
let token: string;
let base: string;
const MODEL = 'gemini-2.0-flash';
const prompt = (text: string) => ({ contents: [{ role: 'user', parts: [{ text }] }] });

interface GenerateResponse {
  candidates: Array<{ content: { role: string; parts: Array<{ text: string }> }; finishReason?: string | number; index: number }>;
  usageMetadata?: { promptTokenCount: number; candidatesTokenCount: number; totalTokenCount: number };
  modelVersion: string;
  responseId: string;
  createTime: string;
}

before(async () => {
  emu = await startEmulator({ port: 0 });
  other = await startEmulator({ port: 0 });
  token = await metadataToken(emu);
  base = `${emu.url}/v1/projects/p1/locations/us-central1`;
});
after(async () => {
  await emu.close();
  await other.close();
});

describe('Vertex authentication', () => {
  const url = () => `${base}/publishers/google/models/${MODEL}:generateContent`;

  it('rejects a call without a token with 401 google.rpc.Status', async () => {
    const rejected = emu.stats.rejectedCalls;
    const calls = emu.stats.vertexCalls;
    const r = await postJson(url(), undefined, prompt('hi'));
    assert.equal(r.status, 401);
    assert.deepEqual(Object.keys(((await r.json()) as { error: object }).error).sort(), ['code', 'message', 'status']);
    assert.equal(emu.stats.rejectedCalls, rejected + 1);
    assert.equal(emu.stats.vertexCalls, calls);
  });

  it('rejects a token minted by another emulator', async () => {
    const foreign = await metadataToken(other);
    const r = await postJson(url(), foreign, prompt('hi'));
    assert.equal(r.status, 401);
    const body = (await r.json()) as { error: { code: number; status: string } };
    assert.equal(body.error.code, 401);
    assert.equal(body.error.status, 'UNAUTHENTICATED');
  });

  it('rejects a dev OIDC token (an identity token is not a Google access token)', async () => {
    const r = await postJson(url(), await emu.mintIdToken({ sub: 'alice' }), prompt('hi'));
    assert.equal(r.status, 401);
  });

  it('rejects before routing: unknown paths without a token are 401 too', async () => {
    const r = await fetch(`${emu.url}/v1/nothing/here`);
    assert.equal(r.status, 401);
  });

  it('accepts a minted token, counts the call and records who made it', async () => {
    const calls = emu.stats.vertexCalls;
    const r = await postJson(url(), token, prompt('hi'), { traceparent: '00-abc-def-01' });
    assert.equal(r.status, 200);
    assert.equal(emu.stats.vertexCalls, calls + 1);
    const last = emu.vertexRequests.at(-1)!;
    assert.equal(last.identity, emu.serviceAccountEmail);
    assert.equal(last.headers.traceparent, '00-abc-def-01');
    assert.equal(last.status, 200);
  });
});

describe('generateContent', () => {
  it('echoes the last user text in the exact Vertex shape', async () => {
    const r = await postJson(`${base}/publishers/google/models/${MODEL}:generateContent`, token, {
      systemInstruction: { parts: [{ text: 'be brief' }] },
      contents: [
        { role: 'user', parts: [{ text: 'first question' }] },
        { role: 'model', parts: [{ text: 'an answer' }] },
        { role: 'user', parts: [{ text: 'what is ' }, { text: 'up?' }] },
      ],
    });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /application\/json/);
    const body = (await r.json()) as GenerateResponse;
    assert.deepEqual(Object.keys(body).sort(), ['candidates', 'createTime', 'modelVersion', 'responseId', 'usageMetadata']);
    assert.equal(body.candidates.length, 1);
    const c = body.candidates[0]!;
    assert.equal(c.content.role, 'model');
    assert.equal(c.content.parts[0]!.text, `Echo from ${MODEL}: what is \nup?`);
    assert.equal(c.finishReason, 'STOP');
    assert.equal(c.index, 0);
    const u = body.usageMetadata!;
    const promptChars = 'be brief\nfirst question\nan answer\nwhat is \nup?'.length;
    assert.equal(u.promptTokenCount, Math.ceil(promptChars / 4));
    assert.equal(u.candidatesTokenCount, Math.ceil(c.content.parts[0]!.text.length / 4));
    assert.equal(u.totalTokenCount, u.promptTokenCount + u.candidatesTokenCount);
    assert.equal(body.modelVersion, MODEL);
    assert.ok(!Number.isNaN(Date.parse(body.createTime)));
  });

  it('works without the projects/…/locations/… prefix and on v1beta1 (as @google/genai sends)', async () => {
    const r = await postJson(`${emu.url}/v1beta1/publishers/google/models/${MODEL}:generateContent`, token, prompt('short'));
    assert.equal(r.status, 200);
    assert.equal(((await r.json()) as GenerateResponse).candidates[0]!.content.parts[0]!.text, `Echo from ${MODEL}: short`);
  });

  it('works on endpoints, with the endpoint id as model', async () => {
    const r = await postJson(`${base}/endpoints/1234:generateContent`, token, prompt('tuned'));
    assert.equal(r.status, 200);
    assert.equal(((await r.json()) as GenerateResponse).candidates[0]!.content.parts[0]!.text, 'Echo from 1234: tuned');
  });

  it('answers numeric enums for $alt=json;enum-encoding=int', async () => {
    const r = await postJson(`${base}/publishers/google/models/${MODEL}:generateContent?$alt=json;enum-encoding=int`, token, prompt('x'));
    assert.equal(r.status, 200);
    assert.equal(((await r.json()) as GenerateResponse).candidates[0]!.finishReason, 1);
  });

  it('counts at least one token for an empty prompt', async () => {
    const r = await postJson(`${base}/publishers/google/models/${MODEL}:generateContent`, token, prompt(''));
    const body = (await r.json()) as GenerateResponse;
    assert.equal(body.usageMetadata!.promptTokenCount, 1);
  });

  it('refuses empty contents and malformed JSON with 400 INVALID_ARGUMENT', async () => {
    const empty = await postJson(`${base}/publishers/google/models/${MODEL}:generateContent`, token, { contents: [] });
    assert.equal(empty.status, 400);
    assert.equal(((await empty.json()) as { error: { status: string } }).error.status, 'INVALID_ARGUMENT');
    const bad = await postJson(`${base}/publishers/google/models/${MODEL}:generateContent`, token, '{"contents": [');
    assert.equal(bad.status, 400);
    const body = (await bad.json()) as { error: { code: number; status: string } };
    assert.equal(body.error.code, 400);
    assert.equal(body.error.status, 'INVALID_ARGUMENT');
  });
});

describe('streamGenerateContent', () => {
  const text = 'tell me a fairly long story about streams';
  const expected = `Echo from ${MODEL}: ${text}`;

  it('streams a JSON array, chunk by chunk, usage on the last chunk only', async () => {
    const r = await postJson(`${base}/publishers/google/models/${MODEL}:streamGenerateContent`, token, prompt(text));
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
    const pieces = await readChunks(r);
    // Timing-tolerant: the body must arrive in more than one read (it is streamed), however loaded the machine.
    assert.ok(pieces.length >= 2, `expected several reads, got ${pieces.length}`);
    const whole = pieces.join('');
    assert.ok(whole.startsWith('['));
    assert.ok(whole.endsWith(']'));
    assert.ok(whole.includes('\n,\r\n'), 'Vertex separates elements with \\n,\\r\\n');
    const chunks = JSON.parse(whole) as GenerateResponse[];
    assert.ok(chunks.length >= 3);
    assert.equal(chunks.map((c) => c.candidates[0]!.content.parts[0]!.text).join(''), expected);
    for (const c of chunks.slice(0, -1)) {
      assert.equal(c.usageMetadata, undefined);
      assert.equal(c.candidates[0]!.finishReason, undefined);
    }
    const last = chunks.at(-1)!;
    assert.equal(last.candidates[0]!.finishReason, 'STOP');
    assert.equal(last.usageMetadata!.candidatesTokenCount, Math.ceil(expected.length / 4));
    assert.equal(last.usageMetadata!.totalTokenCount, last.usageMetadata!.promptTokenCount + last.usageMetadata!.candidatesTokenCount);
  });

  it('streams SSE with alt=sse', async () => {
    const r = await postJson(`${emu.url}/v1beta1/projects/p1/locations/us-central1/publishers/google/models/${MODEL}:streamGenerateContent?alt=sse`, token, prompt(text));
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/event-stream/);
    const pieces = await readChunks(r);
    // Timing-tolerant: the body must arrive in more than one read (it is streamed), however loaded the machine.
    assert.ok(pieces.length >= 2, `expected several reads, got ${pieces.length}`);
    const whole = pieces.join('');
    assert.ok(whole.includes('\r\n\r\n'));
    const chunks = sseData(whole).map((d) => JSON.parse(d) as GenerateResponse);
    assert.ok(chunks.length >= 3);
    assert.equal(chunks.map((c) => c.candidates[0]!.content.parts[0]!.text).join(''), expected);
    assert.equal(chunks.filter((c) => c.usageMetadata).length, 1);
    assert.ok(chunks.at(-1)!.usageMetadata);
    assert.equal(chunks.at(-1)!.candidates[0]!.finishReason, 'STOP');
  });
});

describe('countTokens and computeTokens', () => {
  it('countTokens answers totalTokens and totalBillableCharacters', async () => {
    const r = await postJson(`${base}/publishers/google/models/${MODEL}:countTokens`, token, prompt('hello big world'));
    assert.equal(r.status, 200);
    const body = (await r.json()) as { totalTokens: number; totalBillableCharacters: number };
    assert.equal(body.totalTokens, Math.ceil('hello big world'.length / 4));
    assert.equal(body.totalBillableCharacters, 'hellobigworld'.length);
  });

  it('countTokens accepts the older instances form (LlmUtilityService)', async () => {
    const r = await postJson(`${base}/endpoints/e1:countTokens`, token, { instances: ['abcdefgh'] });
    assert.equal(((await r.json()) as { totalTokens: number }).totalTokens, 2);
  });

  it('computeTokens answers tokensInfo with base64 tokens and string ids per content', async () => {
    const r = await postJson(`${base}/publishers/google/models/${MODEL}:computeTokens`, token, {
      contents: [
        { role: 'user', parts: [{ text: 'abcdefghij' }] },
        { role: 'model', parts: [{ text: 'xy' }] },
      ],
    });
    assert.equal(r.status, 200);
    const body = (await r.json()) as { tokensInfo: Array<{ tokens: string[]; tokenIds: string[]; role: string }> };
    assert.equal(body.tokensInfo.length, 2);
    const [a, b] = body.tokensInfo;
    assert.equal(a!.role, 'user');
    assert.equal(b!.role, 'model');
    assert.deepEqual(a!.tokens.map((t) => Buffer.from(t, 'base64').toString()), ['abcd', 'efgh', 'ij']);
    assert.equal(a!.tokenIds.length, 3);
    for (const id of a!.tokenIds) assert.match(id, /^\d+$/);
  });
});

describe('predict and explain', () => {
  it('predict on an endpoint returns one prediction per instance', async () => {
    const r = await postJson(`${base}/endpoints/777:predict`, token, { instances: [{ a: 1 }, { prompt: 'hi' }, 'raw'], parameters: { t: 1 } });
    assert.equal(r.status, 200);
    const body = (await r.json()) as { predictions: unknown[]; deployedModelId: string; model: string; modelDisplayName: string };
    assert.equal(body.predictions.length, 3);
    assert.deepEqual(body.predictions[0], { echo: { a: 1 } });
    assert.deepEqual(body.predictions[1], { content: 'Echo from 777: hi' });
    assert.deepEqual(body.predictions[2], { echo: 'raw' });
    assert.match(body.deployedModelId, /^\d+$/);
    assert.match(body.model, /^projects\/p1\/locations\/us-central1\/models\//);
    assert.equal(body.modelDisplayName, '777');
  });

  it('predict on a publisher embedding model returns embedding-shaped predictions', async () => {
    const r = await postJson(`${base}/publishers/google/models/text-embedding-005:predict`, token, { instances: [{ content: 'embed me' }] });
    const body = (await r.json()) as { predictions: Array<{ embeddings: { values: number[]; statistics: { token_count: number } } }>; model: string };
    assert.equal(body.predictions[0]!.embeddings.values.length, 8);
    assert.equal(body.predictions[0]!.embeddings.statistics.token_count, 2);
    assert.equal(body.model, 'projects/p1/locations/us-central1/publishers/google/models/text-embedding-005');
  });

  it('explain adds one explanation per instance', async () => {
    const r = await postJson(`${base}/endpoints/777:explain`, token, { instances: [{ f1: 1, f2: 2 }] });
    assert.equal(r.status, 200);
    const body = (await r.json()) as { predictions: unknown[]; explanations: Array<{ attributions: Array<{ featureAttributions: Record<string, number> }> }> };
    assert.equal(body.predictions.length, 1);
    assert.equal(body.explanations.length, 1);
    assert.deepEqual(body.explanations[0]!.attributions[0]!.featureAttributions, { f1: 0.5, f2: 0.5 });
  });

  it('predict without instances is 400', async () => {
    const r = await postJson(`${base}/endpoints/777:predict`, token, {});
    assert.equal(r.status, 400);
  });
});

describe('rawPredict and streamRawPredict', () => {
  it('echoes a raw JSON body', async () => {
    const r = await postJson(`${base}/endpoints/42:rawPredict`, token, { anything: ['goes'] });
    assert.equal(r.status, 200);
    const body = (await r.json()) as { received: unknown; bytes: number };
    assert.deepEqual(body.received, { anything: ['goes'] });
    assert.equal(body.bytes, JSON.stringify({ anything: ['goes'] }).length);
  });

  it('echoes a non-JSON body as text', async () => {
    const r = await fetch(`${base}/endpoints/42:rawPredict`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' },
      body: 'plain words',
    });
    const body = (await r.json()) as { received: unknown; bytes: number; contentType: string };
    assert.equal(body.received, 'plain words');
    assert.equal(body.bytes, 11);
    assert.equal(body.contentType, 'text/plain');
  });

  it('unwraps the httpBody wrapper @google-cloud/aiplatform sends, and wraps the answer', async () => {
    const inner = JSON.stringify({ prompt: 'wrapped' });
    const r = await postJson(`${base}/publishers/anthropic/models/claude:rawPredict?$alt=json;enum-encoding=int`, token, {
      httpBody: { contentType: 'application/json', data: Buffer.from(inner).toString('base64') },
    });
    // …and answers in kind, since that client decodes the reply as an HttpBody.
    const wrapper = (await r.json()) as { contentType: string; data: string };
    assert.equal(wrapper.contentType, 'application/json');
    const body = JSON.parse(Buffer.from(wrapper.data, 'base64').toString()) as { received: unknown; bytes: number; contentType: string };
    assert.deepEqual(body.received, { prompt: 'wrapped' });
    assert.equal(body.bytes, inner.length);
    assert.equal(body.contentType, 'application/json');
  });

  it('streamRawPredict streams SSE events derived from the body', async () => {
    const r = await postJson(`${base}/endpoints/42:streamRawPredict`, token, { q: 'stream this please' });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/event-stream/);
    const pieces = await readChunks(r);
    assert.ok(pieces.length >= 2, `expected several reads, got ${pieces.length}`);
    const events = sseData(pieces.join('')).map((d) => JSON.parse(d) as { delta?: string; done?: boolean; received?: unknown });
    const last = events.at(-1)!;
    assert.equal(last.done, true);
    assert.deepEqual(last.received, { q: 'stream this please' });
    assert.equal(events.slice(0, -1).map((e) => e.delta).join(''), `Echo from 42: ${JSON.stringify({ q: 'stream this please' })}`);
  });
});

describe('OpenAI-compatible chat completions', () => {
  const url = () => `${base}/endpoints/openapi/chat/completions`;
  const messages = [
    { role: 'system', content: 'sys' },
    { role: 'user', content: [{ type: 'text', text: 'hello openai' }] },
  ];

  it('answers a chat.completion with usage', async () => {
    const r = await postJson(url(), token, { model: 'google/gemini-2.0-flash', messages });
    assert.equal(r.status, 200);
    const body = (await r.json()) as {
      object: string;
      model: string;
      id: string;
      choices: Array<{ message: { role: string; content: string }; finish_reason: string; index: number }>;
      usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
    };
    assert.equal(body.object, 'chat.completion');
    assert.equal(body.model, 'google/gemini-2.0-flash');
    assert.match(body.id, /^chatcmpl-/);
    assert.equal(body.choices[0]!.message.role, 'assistant');
    assert.equal(body.choices[0]!.message.content, 'Echo from google/gemini-2.0-flash: hello openai');
    assert.equal(body.choices[0]!.finish_reason, 'stop');
    assert.equal(body.usage.total_tokens, body.usage.prompt_tokens + body.usage.completion_tokens);
    assert.equal(body.usage.completion_tokens, Math.ceil(body.choices[0]!.message.content.length / 4));
  });

  it('streams chat.completion.chunk events ending in [DONE], usage once', async () => {
    for (const include_usage of [true, false]) {
      const r = await postJson(url(), token, { model: 'google/gemini-2.0-flash', messages, stream: true, stream_options: { include_usage } });
      assert.equal(r.status, 200);
      assert.match(r.headers.get('content-type') ?? '', /^text\/event-stream/);
      const pieces = await readChunks(r);
      assert.ok(pieces.length >= 2, `expected several reads, got ${pieces.length}`);
      const data = sseData(pieces.join(''));
      assert.equal(data.at(-1), '[DONE]');
      const chunks = data.slice(0, -1).map(
        (d) => JSON.parse(d) as { object: string; choices: Array<{ delta: { content?: string }; finish_reason: string | null }>; usage?: { total_tokens: number } },
      );
      for (const c of chunks) assert.equal(c.object, 'chat.completion.chunk');
      const text = chunks.flatMap((c) => c.choices.map((ch) => ch.delta.content ?? '')).join('');
      assert.equal(text, 'Echo from google/gemini-2.0-flash: hello openai');
      assert.equal(chunks.filter((c) => c.usage).length, 1);
      assert.ok(chunks.at(-1)!.usage, 'usage is on the last chunk');
      if (include_usage) assert.deepEqual(chunks.at(-1)!.choices, []);
    }
  });

  it('refuses a request without messages', async () => {
    const r = await postJson(url(), token, { model: 'm' });
    assert.equal(r.status, 400);
  });
});

describe('unknown Vertex routes', () => {
  it('answers 404 NOT_FOUND google.rpc.Status for unknown paths and verbs', async () => {
    for (const path of ['/v1/projects/p1/locations/us-central1/datasets', `/v1/publishers/google/models/${MODEL}:fly`]) {
      const r = await postJson(`${emu.url}${path}`, token, {});
      assert.equal(r.status, 404, path);
      const body = (await r.json()) as { error: { code: number; status: string } };
      assert.equal(body.error.status, 'NOT_FOUND');
      assert.equal(body.error.code, 404);
    }
  });

  it('answers 404 to GET on an operation', async () => {
    const r = await fetch(`${base}/publishers/google/models/${MODEL}:generateContent`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(r.status, 404);
  });
});
