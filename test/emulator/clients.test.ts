// The official clients, pointed straight at the emulator: proof that its
// wire shapes are the ones Google's and OpenAI's libraries expect.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GoogleGenAI } from '@google/genai';
import aiplatform from '@google-cloud/aiplatform';
import { OAuth2Client } from 'google-auth-library';
import OpenAI from 'openai';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { metadataToken } from './helpers.js';

let emu: Emulator;
let token: string;
let authClient: OAuth2Client;
const MODEL = 'gemini-2.0-flash';
const PARENT = 'projects/p1/locations/us-central1';

before(async () => {
  emu = await startEmulator({ port: 0 });
  token = await metadataToken(emu);
  authClient = new OAuth2Client();
  authClient.setCredentials({ access_token: token, expiry_date: Date.now() + 3_600_000 });
});
after(() => emu.close());

describe('@google/genai (Vertex mode)', () => {
  const genai = () =>
    new GoogleGenAI({
      vertexai: true,
      project: 'p1',
      location: 'us-central1',
      httpOptions: { baseUrl: emu.url },
      googleAuthOptions: { authClient },
    });

  it('generateContent', async () => {
    const r = await genai().models.generateContent({ model: MODEL, contents: 'hello genai' });
    assert.equal(r.text, `Echo from ${MODEL}: hello genai`);
    assert.equal(r.usageMetadata?.totalTokenCount, (r.usageMetadata?.promptTokenCount ?? 0) + (r.usageMetadata?.candidatesTokenCount ?? 0));
    assert.match(emu.vertexRequests.at(-1)!.path, /^\/v1beta1\/projects\/p1\/locations\/us-central1\/publishers\/google\/models\//);
  });

  it('generateContentStream (SSE)', async () => {
    let text = '';
    let chunks = 0;
    let usage = 0;
    for await (const c of await genai().models.generateContentStream({ model: MODEL, contents: 'stream genai' })) {
      chunks++;
      text += c.text ?? '';
      if (c.usageMetadata) usage++;
    }
    assert.equal(text, `Echo from ${MODEL}: stream genai`);
    assert.ok(chunks >= 3);
    assert.equal(usage, 1);
    assert.equal(emu.vertexRequests.at(-1)!.query, 'alt=sse');
  });

  it('countTokens, computeTokens and embedContent', async () => {
    const ai = genai();
    assert.equal((await ai.models.countTokens({ model: MODEL, contents: 'count me' })).totalTokens, 2);
    const ct = await ai.models.computeTokens({ model: MODEL, contents: 'compute me' });
    assert.equal(ct.tokensInfo?.[0]?.tokens?.length, 3);
    const em = await ai.models.embedContent({ model: 'text-embedding-005', contents: 'embed me' });
    assert.equal(em.embeddings?.[0]?.values?.length, 8);
  });
});

describe('openai (Vertex OpenAI-compatible endpoint)', () => {
  const client = () => new OpenAI({ baseURL: `${emu.url}/v1/${PARENT}/endpoints/openapi`, apiKey: token });

  it('chat.completions.create', async () => {
    const r = await client().chat.completions.create({ model: 'google/gemini-2.0-flash', messages: [{ role: 'user', content: 'hi openai' }] });
    assert.equal(r.choices[0]!.message.content, 'Echo from google/gemini-2.0-flash: hi openai');
    assert.equal(r.usage!.total_tokens, r.usage!.prompt_tokens + r.usage!.completion_tokens);
  });

  it('streaming with include_usage', async () => {
    const stream = await client().chat.completions.create({
      model: 'google/gemini-2.0-flash',
      messages: [{ role: 'user', content: 'hi stream' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let total = 0;
    for await (const ch of stream) {
      text += ch.choices[0]?.delta?.content ?? '';
      if (ch.usage) total = ch.usage.total_tokens;
    }
    assert.equal(text, 'Echo from google/gemini-2.0-flash: hi stream');
    assert.ok(total > 0);
  });

  it('surfaces a 401 for a foreign key', async () => {
    const bad = new OpenAI({ baseURL: `${emu.url}/v1/${PARENT}/endpoints/openapi`, apiKey: 'ya29.foreign', maxRetries: 0 });
    await assert.rejects(bad.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }), { status: 401 });
  });
});

describe('@google-cloud/aiplatform (REST fallback)', () => {
  // google-gax bundles its own google-auth-library: same runtime shape, different class type.
  type GaxAuthClient = NonNullable<ConstructorParameters<typeof aiplatform.v1.PredictionServiceClient>[0]>['authClient'];
  const opts = () => ({ apiEndpoint: '127.0.0.1', port: emu.port, fallback: true, protocol: 'http', authClient: authClient as unknown as GaxAuthClient });
  const model = `${PARENT}/publishers/google/models/${MODEL}`;

  it('PredictionService.generateContent (numeric enums decode)', async () => {
    const pc = new aiplatform.v1.PredictionServiceClient(opts());
    const [r] = await pc.generateContent({ model, contents: [{ role: 'user', parts: [{ text: 'hello aip' }] }] });
    assert.equal(r.candidates?.[0]?.content?.parts?.[0]?.text, `Echo from ${MODEL}: hello aip`);
    assert.equal(r.candidates?.[0]?.finishReason, 'STOP');
    assert.match(emu.vertexRequests.at(-1)!.query, /enum-encoding=int/);
    await pc.close();
  });

  it('PredictionService.streamGenerateContent (JSON array stream)', async () => {
    const pc = new aiplatform.v1.PredictionServiceClient(opts());
    const stream = pc.streamGenerateContent({ model, contents: [{ role: 'user', parts: [{ text: 'aip stream' }] }] });
    let text = '';
    let chunks = 0;
    let usage: number | null | undefined;
    for await (const d of stream) {
      const r = d as { candidates?: Array<{ content?: { parts?: Array<{ text?: string }> } }>; usageMetadata?: { totalTokenCount?: number } };
      chunks++;
      text += r.candidates?.[0]?.content?.parts?.[0]?.text ?? '';
      if (r.usageMetadata?.totalTokenCount) usage = r.usageMetadata.totalTokenCount;
    }
    assert.equal(text, `Echo from ${MODEL}: aip stream`);
    assert.ok(chunks >= 3);
    assert.ok(usage && usage > 0);
    await pc.close();
  });

  it('PredictionService.predict and rawPredict', async () => {
    const pc = new aiplatform.v1.PredictionServiceClient(opts());
    const endpoint = `${PARENT}/endpoints/123`;
    const [p] = await pc.predict({ endpoint, instances: [{ structValue: { fields: { prompt: { stringValue: 'x' } } } }] });
    assert.equal(p.predictions?.[0]?.structValue?.fields?.content?.stringValue, 'Echo from 123: x');
    const [raw] = await pc.rawPredict({ endpoint, httpBody: { contentType: 'application/json', data: Buffer.from('{"a":1}') } });
    const decoded = JSON.parse(Buffer.from(raw.data as Uint8Array).toString()) as { received: unknown };
    assert.deepEqual(decoded.received, { a: 1 });
    await pc.close();
  });

  it('LlmUtilityService.countTokens', async () => {
    const lc = new aiplatform.v1.LlmUtilityServiceClient(opts());
    const [r] = await lc.countTokens({ endpoint: model, model, contents: [{ role: 'user', parts: [{ text: 'count aip' }] }] });
    assert.equal(r.totalTokens, 3);
    await lc.close();
  });

  it('JobService custom job lifecycle', async () => {
    const jc = new aiplatform.v1.JobServiceClient(opts());
    const [job] = await jc.createCustomJob({ parent: PARENT, customJob: { displayName: 'j', jobSpec: { workerPoolSpecs: [] } } });
    assert.equal(job.state, 'JOB_STATE_PENDING');
    const [jobs] = await jc.listCustomJobs({ parent: PARENT });
    assert.ok(jobs.some((j) => j.name === job.name));
    await jc.cancelCustomJob({ name: job.name! });
    const [again] = await jc.getCustomJob({ name: job.name! });
    assert.equal(again.state, 'JOB_STATE_CANCELLED');
    await jc.close();
  });
});
