// Classification of Vertex's 2026 surface: instance counts, Interactions, context caches, batch
// prediction jobs, locations.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyOpenAI } from '../../src/providers/openai.js';
import { classifyVertex, vertexInstancesInBody } from '../../src/providers/vertex.js';

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
