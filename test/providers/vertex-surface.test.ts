// Classification of Vertex's 2026 surface: instance counts, Interactions, context caches, batch
// prediction jobs, locations.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyOpenAI } from '../../src/providers/openai.js';
import { classifyVertex, vertexInstancesInBody, vertexModelInBody } from '../../src/providers/vertex.js';

const P = '/v1/projects/p/locations/us-central1';
const M = `${P}/publishers/google/models`;

describe('instance counts', () => {
  const count = (path: string, body: unknown) => classifyVertex('POST', path, '', body).instances;
  it('counts predict instances, batchEmbedContents requests, one embedContent, token counts', () => {
    assert.equal(count(`${M}/text-embedding-005:predict`, { instances: [{ content: 'a' }, { content: 'b' }] }), 2);
    assert.equal(count(`${M}/text-embedding-005:explain`, { instances: [] }), 0);
    assert.equal(count(`${M}/gemini-embedding-001:batchEmbedContents`, { requests: [{}, {}, {}] }), 3);
    assert.equal(count(`${M}/gemini-embedding-001:embedContent`, { content: { parts: [{ text: 'x' }] } }), 1);
    assert.equal(count(`${M}/gemini-2.5-flash:countTokens`, { contents: [{ parts: [{ text: 'x' }] }] }), 1);
    assert.equal(count(`${M}/gemini-2.5-flash:countTokens`, { instances: [{}, {}] }), 2);
    assert.equal(count(`${P}/endpoints/openapi/embeddings`, { model: 'google/text-embedding-005', input: ['a', 'b'] }), 2);
    assert.equal(count(`${P}/endpoints/openapi/embeddings`, { model: 'google/text-embedding-005', input: 'a' }), 1);
    assert.equal(classifyOpenAI('POST', '/v1/embeddings', '', { model: 'text-embedding-3-small', input: ['a', 'b', 'c'] }).instances, 3);
  });

  it('knows no count without a body that lists the inputs, and none for other calls', () => {
    assert.equal(count(`${M}/text-embedding-005:predict`, undefined), undefined);
    assert.equal(count(`${M}/text-embedding-005:predict`, { instances: 'x' }), undefined);
    assert.equal(count(`${M}/gemini-2.5-flash:generateContent`, { contents: [] }), undefined);
    assert.equal(vertexInstancesInBody('POST', `${M}/text-embedding-005:predict`), true);
    assert.equal(vertexInstancesInBody('POST', `${P}/endpoints/openapi/embeddings`), true);
    assert.equal(vertexInstancesInBody('POST', `${M}/gemini-2.5-flash:generateContent`), false);
    assert.equal(vertexInstancesInBody('GET', `${M}/text-embedding-005:predict`), false);
  });
});

describe('interactions, context caches, batch jobs', () => {
  const V = '/v1beta1/projects/p/locations/us-central1';
  const c = (method: string, path: string, body?: unknown) => classifyVertex(method, path, '', body);

  it('classifies the Interactions API: create (streamed), continue, get, cancel, delete', () => {
    assert.deepEqual(
      { ...c('POST', `${V}/interactions`, { model: 'gemini-2.5-flash', input: 'hi', stream: true }) },
      { provider: 'vertex', operation: 'interactions.create', operationClass: 'inference', stream: true, streamFormat: 'sse', project: 'p', location: 'us-central1', model: 'gemini-2.5-flash', apiVersion: 'v1beta1', creates: 'interactions' },
    );
    const cont = c('POST', `${V}/interactions`, { agent: 'deep-research', input: 'more', previous_interaction_id: 'abc123' });
    assert.equal(cont.model, 'deep-research');
    assert.equal(cont.resource, 'interactions/abc123');
    assert.equal(c('GET', `${V}/interactions/abc123`).operation, 'interactions.get');
    assert.equal(c('GET', `${V}/interactions/abc123`).resource, 'interactions/abc123');
    assert.equal(c('POST', `${V}/interactions/abc123/cancel`).operation, 'interactions.cancel');
    assert.equal(c('DELETE', `${V}/interactions/abc123`).operation, 'interactions.delete');
    assert.equal(c('POST', '/v1beta1/interactions', { model: 'gemini-2.5-flash' }).operation, 'interactions.create', 'the global form, no project');
    // The custom methods on the bare name (getPoll, getStream, cancel in Google's reference).
    for (const [m, p, op] of [['GET', '/v1beta1/interactions/abc123:poll', 'interactions.get'], ['GET', '/v1/interactions/abc123:stream', 'interactions.get'], ['POST', '/v1beta1/interactions/abc123:cancel', 'interactions.cancel'], ['POST', `${V}/interactions/abc123:cancel`, 'interactions.cancel']] as const) {
      assert.deepEqual([c(m, p).operation, c(m, p).resource], [op, 'interactions/abc123'], `${m} ${p}`);
    }
    for (const [m, p] of [['POST', '/v1beta1/interactions/abc123:poll'], ['DELETE', '/v1beta1/interactions/abc123:cancel'], ['GET', '/v1beta1/interactions/abc123:delete'], ['GET', '/v1beta1/interactions/abc123/steps:poll'], ['GET', '/v1beta1/interactions/a.b:poll'], ['POST', `${V}/interactionsHttp/abc123:cancel`]] as const) {
      assert.throws(() => c(m, p), /Interactions API/, `${m} ${p}`);
    }
    assert.throws(() => c('POST', `${V}/interactions`, { model: 'm', previous_interaction_id: ['x'] }), /previous_interaction_id/);
    // Forms Warden does not classify (the raw-body methods, other shapes) are refused, never `other`.
    for (const [m, p] of [['POST', `${V}/interactions:createHttp`], ['POST', `${V}/interactions/abc123:cancelHttp`], ['PATCH', `${V}/interactions/abc123`], ['GET', `${V}/interactions/abc123/steps`], ['GET', `${V}/interactions/a.b`]] as const) {
      assert.throws(() => c(m, p), /Interactions API/, `${m} ${p}`);
    }
  });

  it('classifies the raw-body create (interactionsHttp) as the JSON one, from the raw JSON or the httpBody wrapper', () => {
    const wrap = (o: unknown, contentType = 'application/json') => ({ httpBody: { contentType, data: Buffer.from(JSON.stringify(o)).toString('base64') } });
    const json = { ...c('POST', `${V}/interactions`, { model: 'gemini-2.5-flash', input: 'hi', stream: true, previous_interaction_id: 'abc123' }) };
    assert.equal(json.operation, 'interactions.create');
    assert.deepEqual({ ...c('POST', `${V}/interactionsHttp`, { model: 'gemini-2.5-flash', input: 'hi', stream: true, previous_interaction_id: 'abc123' }) }, json);
    assert.deepEqual({ ...c('POST', `${V}/interactionsHttp`, wrap({ model: 'gemini-2.5-flash', input: 'hi', stream: true, previous_interaction_id: 'abc123' })) }, json);
    assert.equal(c('POST', `${V}/interactionsHttp`, { http_body: { data: Buffer.from('{"agent":"deep-research"}').toString('base64url') } }).model, 'deep-research', 'the proto field name, URL-safe base64, no contentType');
    // The body is read whole before classify: the route knows the model is in it.
    assert.equal(vertexModelInBody('POST', `${V}/interactionsHttp`), true);
    // A wrapper Warden cannot read as exactly one interaction is refused: the upstream could run another.
    for (const [what, body] of [
      ['something beside the wrapper', { ...wrap({ model: 'm' }), model: 'gemini-2.5-pro' }],
      ['a wrapper that is not an object', { httpBody: 'x' }],
      ['data that is not base64', { httpBody: { contentType: 'application/json', data: 'eyJtb2RlbCI6Im0ifQ==!' } }],
      ['data absent', { httpBody: { contentType: 'application/json' } }],
      ['a contentType other than JSON', wrap({ model: 'm' }, 'text/plain')],
      ['an unknown httpBody field', { httpBody: { ...wrap({ model: 'm' }).httpBody, extensions: [] } }],
      ['data that is not JSON', { httpBody: { data: Buffer.from('model=m').toString('base64') } }],
      ['a member named twice inside', { httpBody: { data: Buffer.from('{"model":"gemini-2.5-flash","model":"gemini-2.5-pro"}').toString('base64') } }],
      ['a wrapper inside the wrapper', wrap(wrap({ model: 'm' }))],
    ] as const) {
      assert.throws(() => c('POST', `${V}/interactionsHttp`, body), (e: Error & { reason?: string }) => e.reason === 'MODEL_INVALID' && /interactionsHttp body/.test(e.message), what);
    }
    assert.throws(() => c('POST', `${V}/interactionsHttp`, wrap({ model: 'm', previous_interaction_id: '../x' })), /previous_interaction_id/);
    // interactionsHttp has only create: its get and cancel are the …/interactions/{id}[/cancel] paths.
    for (const [m, p] of [['GET', `${V}/interactionsHttp`], ['GET', `${V}/interactionsHttp/abc123`], ['POST', `${V}/interactionsHttp/abc123/cancel`], ['POST', `${V}/interactionsHttp:create`]] as const) {
      assert.throws(() => c(m, p), /Interactions API/, `${m} ${p}`);
    }
  });

  it('classifies context caches, and the cache a generation reads', () => {
    assert.equal(c('POST', `${V}/cachedContents`, { model: 'projects/p/locations/us-central1/publishers/google/models/gemini-2.5-flash' }).model, 'gemini-2.5-flash');
    assert.equal(c('GET', `${V}/cachedContents`).lists, 'cachedContents');
    assert.equal(c('GET', `${V}/cachedContents/42`).operation, 'cachedContents.get');
    assert.equal(c('PATCH', `${V}/cachedContents/42`).operation, 'cachedContents.update');
    assert.equal(c('DELETE', `${V}/cachedContents/42`).resource, 'cachedContents/42');
    const gen = c('POST', `${V}/publishers/google/models/gemini-2.5-flash:generateContent`, { contents: [], cachedContent: 'projects/p/locations/us-central1/cachedContents/42' });
    assert.equal(gen.resource, 'cachedContents/42');
    assert.throws(() => c('POST', `${V}/publishers/google/models/gemini-2.5-flash:generateContent`, { cachedContent: 'cachedContents/42/../43' }), /cachedContent/);
    assert.throws(() => c('POST', `${V}/publishers/google/models/gemini-2.5-flash:generateContent`, { cachedContent: 42 }), /cachedContent/);
  });

  it('classifies batch jobs with their model, input and output URIs', () => {
    const t = c('POST', `${V}/batchPredictionJobs`, {
      displayName: 'b', model: 'publishers/google/models/gemini-2.5-flash',
      inputConfig: { instancesFormat: 'jsonl', gcsSource: { uris: ['gs://team/in-1.jsonl', 'gs://team/in-2.jsonl'] } },
      outputConfig: { predictionsFormat: 'bigquery', bigqueryDestination: { outputUri: 'bq://p.ds.out' } },
    });
    assert.deepEqual([t.operation, t.model, t.batchInputs, t.batchOutput, t.creates], ['batchPredictionJobs.create', 'gemini-2.5-flash', ['gs://team/in-1.jsonl', 'gs://team/in-2.jsonl'], 'bq://p.ds.out', 'batchPredictionJobs']);
    assert.deepEqual(c('POST', `${V}/batchPredictionJobs`, { model: 'm', inputConfig: { bigquerySource: { inputUri: 'bq://p.ds.in' } } }).batchInputs, ['bq://p.ds.in']);
    assert.throws(() => c('POST', `${V}/batchPredictionJobs`, { model: 'm', inputConfig: { gcsSource: { uris: 'gs://x' } } }), /not a list/);
    assert.equal(c('POST', `${V}/batchPredictionJobs/77:cancel`).operation, 'batchPredictionJobs.cancel');
    assert.equal(c('GET', `${V}/batchPredictionJobs`).lists, 'batchPredictionJobs');
    assert.equal(c('GET', `${V}/batchPredictionJobs/77`).resource, 'batchPredictionJobs/77');
  });
});
