import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyVertex, vertexModelInBody } from '../../src/providers/vertex.js';
import type { Target } from '../../src/types.js';

interface Case {
  name?: string;
  method?: string;
  path: string;
  query?: string;
  body?: unknown;
  want: Target;
}

const P = '/v1/projects/my-proj/locations/us-central1';
const PB = '/v1beta1/projects/my-proj/locations/us-central1';
const scope = { project: 'my-proj', location: 'us-central1' } as const;

function inf(operation: string, extra: Partial<Target>): Target {
  return { provider: 'vertex', operation, operationClass: 'inference', stream: false, ...extra };
}

const cases: Case[] = [];

// Every inference verb on every model-resource form, v1 and v1beta1.
const NON_STREAM = [
  'predict',
  'rawPredict',
  'explain',
  'generateContent',
  'countTokens',
  'computeTokens',
  'directPredict',
  'directRawPredict',
  'embedContent',
  'predictLongRunning',
  'fetchPredictOperation',
];
for (const v of ['v1', 'v1beta1']) {
  const pl = `/${v}/projects/my-proj/locations/us-central1`;
  for (const op of NON_STREAM) {
    cases.push({
      path: `${pl}/publishers/google/models/gemini-2.0-flash:${op}`,
      want: inf(op, { ...scope, publisher: 'google', model: 'gemini-2.0-flash', apiVersion: v }),
    });
    cases.push({
      path: `/${v}/publishers/google/models/gemini-2.0-flash:${op}`,
      want: inf(op, { publisher: 'google', model: 'gemini-2.0-flash', apiVersion: v }),
    });
    cases.push({
      path: `${pl}/endpoints/1234567890:${op}`,
      want: inf(op, { ...scope, endpoint: '1234567890', apiVersion: v }),
    });
    cases.push({
      path: `/${v}/models/gemini:${op}`,
      want: inf(op, { model: 'gemini', apiVersion: v }),
    });
    cases.push({
      path: `${pl}/models/my-model:${op}`,
      want: inf(op, { ...scope, model: 'my-model', apiVersion: v }),
    });
  }

  // Streaming verbs: JSON array by default, SSE with alt=sse; streamRawPredict always SSE.
  for (const op of ['streamGenerateContent', 'serverStreamingPredict', 'streamingPredict']) {
    for (const [query, fmt] of [
      ['', 'json-array'],
      ['alt=sse', 'sse'],
      ['$alt=sse', 'sse'],
      ['%24alt=sse', 'sse'],
      ['key=abc&alt=sse', 'sse'],
      ['alt=sse&key=abc', 'sse'],
      ['alt=sse;enum-encoding=int', 'sse'],
      ['$alt=json;enum-encoding=int', 'json-array'],
      ['alt=json', 'json-array'],
      ['alt=ssex', 'json-array'],
      ['salt=sse', 'json-array'],
      ['x=alt%3Dsse', 'json-array'],
      ['alt=sse&alt=json', 'json-array'],
      ['alt=json&alt=sse', 'sse'],
      ['alt=', 'json-array'],
      ['&&alt=sse&', 'sse'],
    ] as const) {
      cases.push({
        name: `${v} ${op} ?${query} → ${fmt}`,
        path: `${pl}/publishers/google/models/gemini-2.5-pro:${op}`,
        query,
        want: inf(op, {
          ...scope,
          publisher: 'google',
          model: 'gemini-2.5-pro',
          apiVersion: v,
          stream: true,
          streamFormat: fmt,
        }),
      });
    }
    cases.push({
      path: `/${v}/publishers/google/models/gemini:${op}`,
      query: 'alt=sse',
      want: inf(op, { publisher: 'google', model: 'gemini', apiVersion: v, stream: true, streamFormat: 'sse' }),
    });
    cases.push({
      path: `${pl}/endpoints/42:${op}`,
      want: inf(op, { ...scope, endpoint: '42', apiVersion: v, stream: true, streamFormat: 'json-array' }),
    });
  }
  for (const query of ['', '$alt=json;enum-encoding=int', 'alt=sse']) {
    cases.push({
      name: `${v} streamRawPredict ?${query}`,
      path: `${pl}/publishers/anthropic/models/claude-3-5-sonnet-v2@20241022:streamRawPredict`,
      query,
      want: inf('streamRawPredict', {
        ...scope,
        publisher: 'anthropic',
        model: 'claude-3-5-sonnet-v2@20241022',
        apiVersion: v,
        stream: true,
        streamFormat: 'sse',
      }),
    });
  }
  cases.push({
    path: `${pl}/endpoints/77:streamRawPredict`,
    want: inf('streamRawPredict', { ...scope, endpoint: '77', apiVersion: v, stream: true, streamFormat: 'sse' }),
  });

  // OpenAI-compatible endpoint.
  for (const ep of ['openapi', '987654']) {
    cases.push({
      name: `${v} ${ep} chat.completions non-stream`,
      path: `${pl}/endpoints/${ep}/chat/completions`,
      body: { model: 'google/gemini-2.0-flash', messages: [] },
      want: inf('chat.completions', {
        ...scope,
        endpoint: ep,
        publisher: 'google',
        model: 'gemini-2.0-flash',
        apiVersion: v,
      }),
    });
    cases.push({
      name: `${v} ${ep} chat.completions stream`,
      path: `${pl}/endpoints/${ep}/chat/completions`,
      body: { model: 'meta/llama-3.1-405b-instruct-maas', stream: true },
      want: inf('chat.completions', {
        ...scope,
        endpoint: ep,
        publisher: 'meta',
        model: 'llama-3.1-405b-instruct-maas',
        apiVersion: v,
        stream: true,
        streamFormat: 'sse',
      }),
    });
    cases.push({
      name: `${v} ${ep} embeddings (stream flag ignored)`,
      path: `${pl}/endpoints/${ep}/embeddings`,
      body: { model: 'google/text-embedding-005', stream: true },
      want: inf('embeddings', {
        ...scope,
        endpoint: ep,
        publisher: 'google',
        model: 'text-embedding-005',
        apiVersion: v,
      }),
    });
  }
  cases.push({
    name: `${v} openapi completions`,
    path: `${pl}/endpoints/openapi/completions`,
    body: { model: 'google/gemini-2.0-flash' },
    want: inf('completions', { ...scope, endpoint: 'openapi', publisher: 'google', model: 'gemini-2.0-flash', apiVersion: v }),
  });

  // Training: every job kind × create/list/get/cancel/delete.
  for (const kind of ['customJobs', 'pipelineJobs', 'hyperparameterTuningJobs', 'trainingPipelines', 'tuningJobs']) {
    const tr = (operation: string): Target => ({
      provider: 'vertex',
      operation,
      operationClass: 'training',
      stream: false,
      ...scope,
      apiVersion: v,
    });
    cases.push({ method: 'POST', path: `${pl}/${kind}`, body: { displayName: 'x' }, want: tr('training.create') });
    cases.push({ method: 'GET', path: `${pl}/${kind}`, want: tr('training.list') });
    cases.push({ method: 'GET', path: `${pl}/${kind}`, query: 'pageSize=10&filter=state%3DJOB_STATE_RUNNING', want: tr('training.list') });
    cases.push({ method: 'GET', path: `${pl}/${kind}/123`, want: tr('training.get') });
    cases.push({ method: 'HEAD', path: `${pl}/${kind}/123`, want: tr('training.get') });
    cases.push({ method: 'POST', path: `${pl}/${kind}/123:cancel`, want: tr('training.cancel') });
    cases.push({ method: 'DELETE', path: `${pl}/${kind}/123`, want: tr('training.delete') });
    // Anything else on a training resource stays in the training class.
    cases.push({ method: 'GET', path: `${pl}/${kind}/123:cancel`, want: tr('other') });
    cases.push({ method: 'PATCH', path: `${pl}/${kind}/123`, want: tr('other') });
    cases.push({ method: 'DELETE', path: `${pl}/${kind}`, want: tr('other') });
    cases.push({ method: 'POST', path: `${pl}/${kind}/123:pause`, want: tr('other') });
    cases.push({ method: 'POST', path: `${pl}/${kind}:search`, want: tr('other') });
    cases.push({ method: 'GET', path: `${pl}/${kind}/123/operations/456`, want: tr('other') });
  }
  // A tuning job names the model it tunes (baseModel); other jobs' bodies name none.
  const tuning = (extra: Partial<Target>): Target => ({ provider: 'vertex', operation: 'training.create', operationClass: 'training', stream: false, ...scope, apiVersion: v, ...extra });
  cases.push({ name: `${v} tuningJobs baseModel`, method: 'POST', path: `${pl}/tuningJobs`, body: { baseModel: 'gemini-2.0-flash-001', supervisedTuningSpec: {} }, want: tuning({ model: 'gemini-2.0-flash-001' }) });
  cases.push({ name: `${v} tuningJobs baseModel resource name`, method: 'POST', path: `${pl}/tuningJobs`, body: { baseModel: 'publishers/google/models/gemini-2.0-flash-001' }, want: tuning({ publisher: 'google', model: 'gemini-2.0-flash-001' }) });
  cases.push({ name: `${v} customJobs baseModel ignored`, method: 'POST', path: `${pl}/customJobs`, body: { baseModel: 'gemini-2.0-flash-001' }, want: tuning({}) });
}

// Admin reads and other writes.
const adm = (extra: Partial<Target>): Target => ({
  provider: 'vertex',
  operation: 'other',
  operationClass: 'admin',
  stream: false,
  ...extra,
});
const oth = (extra: Partial<Target>): Target => ({
  provider: 'vertex',
  operation: 'other',
  operationClass: 'other',
  stream: false,
  ...extra,
});
cases.push(
  { method: 'GET', path: `${P}/endpoints`, want: adm({ ...scope, apiVersion: 'v1' }) },
  { method: 'GET', path: `${P}/endpoints/123`, want: adm({ ...scope, endpoint: '123', apiVersion: 'v1' }) },
  { method: 'GET', path: `${P}/models`, want: adm({ ...scope, apiVersion: 'v1' }) },
  { method: 'GET', path: `${P}/models/m1`, want: adm({ ...scope, model: 'm1', apiVersion: 'v1' }) },
  { method: 'GET', path: `${P}/operations/99`, want: adm({ ...scope, apiVersion: 'v1' }) },
  { method: 'GET', path: `${P}/datasets`, want: adm({ ...scope, apiVersion: 'v1' }) },
  { method: 'GET', path: P, want: adm({ ...scope, apiVersion: 'v1' }) },
  { method: 'GET', path: '/v1/projects/my-proj', want: adm({ project: 'my-proj', apiVersion: 'v1' }) },
  { method: 'GET', path: '/v1beta1/publishers/google/models', want: adm({ publisher: 'google', apiVersion: 'v1beta1' }) },
  {
    method: 'GET',
    path: '/v1beta1/publishers/google/models/gemini-2.0-flash',
    want: adm({ publisher: 'google', model: 'gemini-2.0-flash', apiVersion: 'v1beta1' }),
  },
  { method: 'POST', path: `${P}/endpoints`, want: oth({ ...scope, apiVersion: 'v1' }) },
  { method: 'DELETE', path: `${P}/endpoints/123`, want: oth({ ...scope, endpoint: '123', apiVersion: 'v1' }) },
  { method: 'POST', path: `${P}/endpoints/123:deployModel`, want: oth({ ...scope, endpoint: '123', apiVersion: 'v1' }) },
  { method: 'POST', path: `${P}/datasets`, want: oth({ ...scope, apiVersion: 'v1' }) },
  { method: 'POST', path: `${P}:evaluateInstances`, want: oth({ ...scope, apiVersion: 'v1' }) },
  { method: 'POST', path: `${P}/cachedContents`, want: { ...oth({ ...scope, apiVersion: 'v1' }), operation: 'cachedContents.create', creates: 'cachedContents' } },
  // Inference verbs need POST; unknown verbs are other.
  {
    method: 'GET',
    path: `${P}/publishers/google/models/gemini:generateContent`,
    want: oth({ ...scope, publisher: 'google', model: 'gemini', apiVersion: 'v1' }),
  },
  {
    method: 'POST',
    path: `${P}/publishers/google/models/gemini:frobnicate`,
    want: oth({ ...scope, publisher: 'google', model: 'gemini', apiVersion: 'v1' }),
  },
  { method: 'POST', path: `${P}/publishers/google/models/gemini:constructor`, want: oth({ ...scope, publisher: 'google', model: 'gemini', apiVersion: 'v1' }) },
  { method: 'GET', path: `${P}/endpoints/openapi/chat/completions`, want: oth({ ...scope, endpoint: 'openapi', apiVersion: 'v1' }) },
  { method: 'POST', path: `${P}/endpoints/openapi/chat/other`, want: oth({ ...scope, endpoint: 'openapi', apiVersion: 'v1' }) },
  // A model in a shape Warden does not know still carries its model to policy.
  { method: 'POST', path: `${P}/publishers/google/models/gemini/extra:generateContent`, want: oth({ ...scope, publisher: 'google', model: 'gemini', apiVersion: 'v1' }) },
  { method: 'GET', path: `${P}/models/m1/evaluations/7`, want: adm({ ...scope, model: 'm1', apiVersion: 'v1' }) },
  { method: 'POST', path: `${P}/models:upload`, want: oth({ ...scope, apiVersion: 'v1' }) },
  { method: 'POST', path: `${P}/endpoints/123/x:frob`, want: oth({ ...scope, endpoint: '123', apiVersion: 'v1' }) },
);

// Unparseable, and no model call: other/other without scope.
const bare = oth({});
for (const path of ['', '/', '/v1', '/healthz', '/x1/datasets/1:frob', '/a/b/c/d/v1/datasets']) {
  cases.push({ name: `unparseable ${JSON.stringify(path.slice(0, 60))}`, method: 'POST', path, want: bare });
}
// A route mounted under a prefix: the API version may follow up to three base segments.
cases.push(
  { name: 'prefix before the version', path: '/team-a/v1/publishers/google/models/gemini:generateContent', want: inf('generateContent', { publisher: 'google', model: 'gemini', apiVersion: 'v1' }) },
  { name: 'prefix, no model call', path: '/openai/v1/chat/completions', want: oth({ apiVersion: 'v1' }) },
);

// Looks like a model call but cannot be classified: refused (MODEL_INVALID), never other without a model.
const refused = [
  `${P}/publishers/google/foo/gemini:generateContent`,
  '/v1/publishers/google/models/gemini:', // empty verb
  '/v1/publishers/google/models/:generateContent', // empty model
  '/v1/projects/p/locations/l/../../publishers/google/models/x:generateContent',
  '/v1/projects/p/locations/l/%2e%2e/publishers/google/models/x:generateContent',
  '/v1/publishers/google/models/a%2Fb:generateContent', // encoded slash
  '/v1/publishers/google/models/gemini-2.0-flash%2F..%2Fsecret-model:generateContent',
  '/v1/publishers/google/models/gemini-2.0-flash%5C..%5Csecret-model:generateContent', // encoded backslash
  '/v1/publishers/google/models/gemini\\..\\secret:generateContent', // raw backslash (normalization NONE)
  '/v1/publishers/google/models/gemini%252D2.5-pro:generateContent', // double encoding
  '/v1/publishers/google/models/%E0%A4%A:generateContent', // malformed escape
  '/v1/publishers/google/models/gemini%0A:generateContent', // control character
  '/v1' + '/x'.repeat(40),
  '/x1/publishers/google/models/gemini:generateContent',
  '/a/b/c/d/v1/publishers/google/models/gemini:generateContent',
  '/V1/publishers/google/models/gemini:generateContent',
  `${P}/Publishers/google/models/gemini:generateContent`,
  `${P}/publishers/google/MODELS/gemini:generateContent`,
  '/v1/PROJECTS/p/locations/l/publishers/google/models/gemini:generateContent',
  `${P}/publishers/google/models/Gemini-2.5-Pro:generateContent`, // upper case
  `${P}/publishers/google/models/gemini-2.5-pro.:generateContent`, // trailing dot
  `${P}/publishers/google/models/gemini-2.5-pro%20:generateContent`,
  `${P}/publishers/google/models/gemini;v=1:generateContent`,
  `${P}/publishers/google/models/gemini:generateContent:generateContent`,
  `${P}/publishers/Google/models/gemini:generateContent`,
  `${P}/models:generateContent`,
  `${P}:streamGenerateContent`,
  `${P}/endpoints:predict`,
];
describe('classifyVertex refuses what it cannot read', () => {
  for (const path of refused) {
    it(JSON.stringify(path.slice(0, 90)), () => {
      assert.throws(() => classifyVertex('POST', path, '', undefined), (e: Error & { reason?: string }) => e.reason === 'MODEL_INVALID');
    });
  }
  it('openapi body with a non-boolean stream: STREAM_INVALID', () => {
    assert.throws(() => classifyVertex('POST', `${P}/endpoints/openapi/chat/completions`, '', { model: 'google/gemini', stream: 'true' }), (e: Error & { reason?: string }) => e.reason === 'STREAM_INVALID');
  });
  for (const body of [{ model: 7 }, { model: 'google/Gemini' }, { model: 'a/b/c' }, { model: 'google/gemini ' }]) {
    it(`openapi body ${JSON.stringify(body)}`, () => {
      assert.throws(() => classifyVertex('POST', `${P}/endpoints/openapi/chat/completions`, '', body), (e: Error & { reason?: string }) => e.reason === 'MODEL_INVALID');
    });
  }
});

// Tolerance: percent-encoding, doubled and trailing slashes, encoded verb separator.
cases.push(
  {
    name: 'percent-encoded @ in model',
    path: `${P}/publishers/anthropic/models/claude-3-haiku%4020240307:rawPredict`,
    want: inf('rawPredict', { ...scope, publisher: 'anthropic', model: 'claude-3-haiku@20240307', apiVersion: 'v1' }),
  },
  {
    name: 'encoded colon before verb',
    path: `${P}/publishers/google/models/gemini%3AgenerateContent`,
    want: inf('generateContent', { ...scope, publisher: 'google', model: 'gemini', apiVersion: 'v1' }),
  },
  {
    name: 'doubled slashes',
    path: `/v1//projects/my-proj/locations/us-central1//publishers/google/models/gemini:generateContent`,
    want: inf('generateContent', { ...scope, publisher: 'google', model: 'gemini', apiVersion: 'v1' }),
  },
  {
    name: 'location global',
    path: '/v1/projects/p/locations/global/publishers/google/models/gemini-2.5-flash:generateContent',
    want: inf('generateContent', { project: 'p', location: 'global', publisher: 'google', model: 'gemini-2.5-flash', apiVersion: 'v1' }),
  },
  {
    name: 'project without location',
    path: '/v1/projects/p/publishers/google/models/gemini:generateContent',
    want: inf('generateContent', { project: 'p', publisher: 'google', model: 'gemini', apiVersion: 'v1' }),
  },
  {
    name: 'other API version',
    path: '/v1alpha/publishers/google/models/gemini:countTokens',
    want: inf('countTokens', { publisher: 'google', model: 'gemini', apiVersion: 'v1alpha' }),
  },
  {
    name: 'openapi without body',
    path: `${PB}/endpoints/openapi/chat/completions`,
    want: inf('chat.completions', { ...scope, endpoint: 'openapi', apiVersion: 'v1beta1' }),
  },
  {
    name: 'openapi model without publisher',
    path: `${P}/endpoints/openapi/chat/completions`,
    body: { model: 'gemini-2.0-flash', stream: false },
    want: inf('chat.completions', { ...scope, endpoint: 'openapi', model: 'gemini-2.0-flash', apiVersion: 'v1' }),
  },
  {
    name: 'batch prediction job: the model its body names',
    path: `${P}/batchPredictionJobs`,
    body: { displayName: 'b', model: 'publishers/google/models/gemini-2.5-pro', inputConfig: {} },
    want: inf('batchPredictionJobs.create', { ...scope, publisher: 'google', model: 'gemini-2.5-pro', apiVersion: 'v1', creates: 'batchPredictionJobs' }),
  },
  {
    name: 'batch prediction job of a project model',
    path: `${P}/batchPredictionJobs`,
    body: { model: 'projects/p/locations/l/models/123' },
    want: inf('batchPredictionJobs.create', { ...scope, model: '123', apiVersion: 'v1', creates: 'batchPredictionJobs' }),
  },
  {
    name: 'openapi model as resource name',
    path: `${P}/endpoints/openapi/chat/completions`,
    body: { model: 'projects/p/locations/l/publishers/google/models/gemini-2.0-flash' },
    want: inf('chat.completions', { ...scope, endpoint: 'openapi', publisher: 'google', model: 'gemini-2.0-flash', apiVersion: 'v1' }),
  },
  {
    name: 'openapi non-string model and array body',
    path: `${P}/endpoints/openapi/chat/completions`,
    body: [{ model: 'x', stream: true }],
    want: inf('chat.completions', { ...scope, endpoint: 'openapi', apiVersion: 'v1' }),
  },
);

describe('classifyVertex', () => {
  for (const c of cases) {
    const method = c.method ?? 'POST';
    it(c.name ?? `${method} ${c.path}${c.query ? '?' + c.query : ''}`, () => {
      assert.deepStrictEqual(classifyVertex(method, c.path, c.query ?? '', c.body), c.want);
    });
  }

  it('has a large table', () => {
    assert.ok(cases.length > 300, `only ${cases.length} cases`);
  });

  it('does not mutate or depend on shared state between calls', () => {
    const a = classifyVertex('POST', `${P}/publishers/google/models/a:generateContent`, '', undefined);
    const b = classifyVertex('POST', `${P}/publishers/google/models/b:generateContent`, '', undefined);
    assert.equal(a.model, 'a');
    assert.equal(b.model, 'b');
    assert.notEqual(a, b);
  });
});

describe('vertexModelInBody', () => {
  const pl = '/v1/projects/p/locations/us-central1';
  it('is true for the calls whose model is in the body: OpenAI-compatible ones and a tuning job\'s creation', () => {
    assert.equal(vertexModelInBody('POST', `${pl}/endpoints/openapi/chat/completions`), true);
    assert.equal(vertexModelInBody('POST', `${pl}/tuningJobs`), true);
    assert.equal(vertexModelInBody('POST', `${pl}/batchPredictionJobs`), true);
    assert.equal(vertexModelInBody('POST', `${pl}/tuningJobs/123:cancel`), false);
    assert.equal(vertexModelInBody('GET', `${pl}/tuningJobs`), false);
    assert.equal(vertexModelInBody('POST', `${pl}/customJobs`), false);
    assert.equal(vertexModelInBody('POST', `${pl}/publishers/google/models/gemini-2.0-flash:generateContent`), false);
  });
});
