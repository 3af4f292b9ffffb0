import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyHttp } from '../../src/providers/http.js';
import { classifyOpenAI } from '../../src/providers/openai.js';
import type { Target } from '../../src/types.js';

const t = (operation: string, operationClass: Target['operationClass'], extra: Partial<Target> = {}): Target => ({
  provider: 'openai',
  operation,
  operationClass,
  stream: false,
  apiVersion: 'v1',
  ...extra,
});

interface Case {
  method?: string;
  path: string;
  body?: unknown;
  want: Target;
}

const cases: Case[] = [
  { path: '/v1/chat/completions', body: { model: 'gpt-4o', messages: [] }, want: t('chat.completions', 'inference', { model: 'gpt-4o' }) },
  {
    path: '/v1/chat/completions',
    body: { model: 'gpt-4o', stream: true },
    want: t('chat.completions', 'inference', { model: 'gpt-4o', stream: true, streamFormat: 'sse' }),
  },
  { path: '/v1/chat/completions', body: { model: 'gpt-4o', stream: null }, want: t('chat.completions', 'inference', { model: 'gpt-4o' }) },
  // Calls that name their model in the body beyond inference endpoints.
  { path: '/v1/batches', body: { input_file_id: 'file-1', endpoint: '/v1/chat/completions' }, want: t('batches.create', 'inference') },
  { path: '/v1/fine_tuning/jobs', body: { model: 'gpt-4o-mini', training_file: 'file-1' }, want: t('fine_tuning.jobs.create', 'training', { model: 'gpt-4o-mini' }) },
  { path: '/v1/assistants', body: { model: 'gpt-4o' }, want: t('assistants.create', 'other', { model: 'gpt-4o' }) },
  { path: '/v1/threads/runs', body: { assistant_id: 'a', model: 'gpt-4o', stream: true }, want: t('threads.runs.create', 'inference', { model: 'gpt-4o', stream: true, streamFormat: 'sse' }) },
  { path: '/v1/threads/thread_1/runs', body: { assistant_id: 'a' }, want: t('threads.runs.create', 'inference') },
  { path: '/v1/realtime/sessions', body: { model: 'gpt-4o-realtime-preview' }, want: t('realtime.sessions.create', 'inference', { model: 'gpt-4o-realtime-preview' }) },
  { path: '/v1/realtime/client_secrets', body: { session: { type: 'realtime', model: 'gpt-realtime' } }, want: t('realtime.client_secrets.create', 'inference', { model: 'gpt-realtime' }) },
  { path: '/v1/chat/completions', body: { model: 'gpt-4o', stream: false }, want: t('chat.completions', 'inference', { model: 'gpt-4o' }) },
  { path: '/v1/chat/completions', want: t('chat.completions', 'inference') },
  { path: '/v1/chat/completions', body: 'not an object', want: t('chat.completions', 'inference') },
  {
    path: '/v1/chat/completions',
    body: { model: 'google/gemini-2.0-flash' },
    want: t('chat.completions', 'inference', { model: 'google/gemini-2.0-flash' }),
  },
  { path: '/v1/completions', body: { model: 'gpt-3.5-turbo-instruct' }, want: t('completions', 'inference', { model: 'gpt-3.5-turbo-instruct' }) },
  {
    path: '/v1/completions',
    body: { model: 'm', stream: true },
    want: t('completions', 'inference', { model: 'm', stream: true, streamFormat: 'sse' }),
  },
  { path: '/v1/embeddings', body: { model: 'text-embedding-3-small', stream: true }, want: t('embeddings', 'inference', { model: 'text-embedding-3-small' }) },
  { path: '/v1/responses', body: { model: 'gpt-4.1' }, want: t('responses', 'inference', { model: 'gpt-4.1' }) },
  {
    path: '/v1/responses',
    body: { model: 'gpt-4.1', stream: true },
    want: t('responses', 'inference', { model: 'gpt-4.1', stream: true, streamFormat: 'sse' }),
  },
  { path: '/v1/images/generations', body: { model: 'dall-e-3' }, want: t('images.generations', 'inference', { model: 'dall-e-3' }) },
  { path: '/v1/audio/transcriptions', want: t('audio.transcriptions', 'inference') },
  { path: '/v1/moderations', body: { model: 'omni-moderation-latest' }, want: t('moderations', 'inference', { model: 'omni-moderation-latest' }) },
  { method: 'GET', path: '/v1/models', want: t('models.list', 'admin') },
  { method: 'GET', path: '/v1/models/gpt-4o', want: t('models.get', 'admin', { model: 'gpt-4o' }) },
  { method: 'GET', path: '/v1/models/meta-llama/Llama-3.1-8B', want: t('models.get', 'admin', { model: 'meta-llama/Llama-3.1-8B' }) },
  { method: 'GET', path: '/v1/models/ft%3Agpt-4o%3Aorg', want: t('models.get', 'admin', { model: 'ft:gpt-4o:org' }) },
  { method: 'HEAD', path: '/v1/models', want: t('models.list', 'admin') },
  // Base path before v1.
  { path: '/openai/v1/chat/completions', body: { model: 'llama3' }, want: t('chat.completions', 'inference', { model: 'llama3' }) },
  { path: '/v1/chat/completions/', body: { model: 'x' }, want: t('chat.completions', 'inference', { model: 'x' }) },
  // Other.
  { method: 'GET', path: '/v1/chat/completions', want: t('other', 'other') },
  { method: 'DELETE', path: '/v1/models/ft-1', want: t('other', 'other') },
  { method: 'POST', path: '/v1/models', want: t('other', 'other') },
  { path: '/v1/files', want: t('other', 'other') },
  { method: 'GET', path: '/v1/fine_tuning/jobs', want: t('other', 'other') },
  { path: '/v1/chat/completions/abc/messages', want: t('other', 'other') },
  { path: '/v1/chat', want: t('other', 'other') },
  { path: '/v1/constructor', want: t('other', 'other') },
  { path: '/v1', want: t('other', 'other') },
  { path: '/v2/chat/completions', want: { provider: 'openai', operation: 'other', operationClass: 'other', stream: false } },
  { path: '/a/b/c/d/v1/chat/completions', want: { provider: 'openai', operation: 'other', operationClass: 'other', stream: false } },
  { path: '/', want: { provider: 'openai', operation: 'other', operationClass: 'other', stream: false } },
];

/** Paths and bodies that name a model Warden cannot read: refused (MODEL_INVALID), never `other` without a model. */
const refused: { method?: string; path: string; body?: unknown }[] = [
  { path: '/v1/../v1/chat/completions' },
  { path: '/v1/chat%2Fcompletions' },
  { path: '/v1/chat%5Ccompletions' },
  { path: '/v1/chat/%252e%252e/completions' },
  { path: '/V1/chat/completions' },
  { path: '/v1/Chat/Completions' },
  { path: '/openai/v1/EMBEDDINGS' },
  { method: 'GET', path: '/v1/Models/gpt-4o' },
  { path: '/v1/chat/completions', body: { model: '' } },
  { path: '/v1/chat/completions', body: { model: 7 } },
  { path: '/v1/chat/completions', body: { model: ['gpt-4o'] } },
  { path: '/v1/chat/completions', body: { model: 'gpt-4o ' } },
  { path: '/v1/chat/completions', body: { model: 'gpt-4o.' } },
  { path: '/v1/chat/completions', body: { model: 'gpt-4o\u200b' } },
  { path: '/v1/chat/completions', body: { model: 'a/../gpt-4o' } },
  { method: 'GET', path: '/v1/models/gpt-4o%20' },
];

/** A `stream` that is not a boolean is refused: lenient upstreams stream on `"true"` or `1`. */
describe('classifyOpenAI: stream', () => {
  for (const stream of ['true', 'yes', 1, 0, {}, []]) {
    it(JSON.stringify(stream), () => {
      assert.throws(() => classifyOpenAI('POST', '/v1/chat/completions', '', { model: 'gpt-4o', stream }), (e: Error & { reason?: string }) => e.reason === 'STREAM_INVALID');
    });
  }
});

describe('classifyOpenAI', () => {
  for (const c of cases) {
    const method = c.method ?? 'POST';
    it(`${method} ${c.path} ${c.body === undefined ? '' : JSON.stringify(c.body)}`, () => {
      assert.deepStrictEqual(classifyOpenAI(method, c.path, '', c.body), c.want);
    });
  }
});

describe('classifyOpenAI refuses what it cannot read', () => {
  for (const c of refused) {
    const method = c.method ?? 'POST';
    it(`${method} ${c.path} ${c.body === undefined ? '' : JSON.stringify(c.body)}`, () => {
      assert.throws(() => classifyOpenAI(method, c.path, '', c.body), (e: Error & { reason?: string }) => e.reason === 'MODEL_INVALID');
    });
  }
});

describe('classifyHttp', () => {
  it('is other/other with the model from the body', () => {
    assert.deepStrictEqual(classifyHttp('POST', '/api/generate', '', { model: 'llama3', stream: true }), {
      provider: 'http',
      operation: 'other',
      operationClass: 'other',
      stream: false,
      model: 'llama3',
    });
  });
  it('has no model without a model id in body.model', () => {
    for (const body of [undefined, null, [], { model: 1 }, { model: '' }, { model: 'Toyota Corolla' }, 'model']) {
      assert.deepStrictEqual(classifyHttp('GET', '/x', 'a=b', body), {
        provider: 'http',
        operation: 'other',
        operationClass: 'other',
        stream: false,
      });
    }
  });
});
