// `count: output` token quotas hold for concurrent requests: a request
// reserves the output it may produce (its declared maximum, else 1024 tokens)
// until its answer settles the real count, and a request is refused once what
// earlier ones used and reserved takes the budget (overshoot: at most one
// request's reservation).
// Before, output counters were only checked, so any number of requests in
// flight passed before the first one settled.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_OUTPUT_RESERVE, outputReserve } from '../../src/limits/estimate.js';
import { startGatewayFromYaml, type YamlGateway } from '../helpers/gateway.js';
import { closeServer, listen } from '../helpers/http-server.js';
import { until } from '../helpers/process.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';

describe('output-token quotas and requests in flight', () => {
  const held: (() => void)[] = [];
  let arrived = 0;
  const upstream = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      arrived++;
      held.push(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 'c', object: 'chat.completion', choices: [], usage: { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 } }));
      });
    });
  });
  let g: YamlGateway;
  let dir: string;

  before(async () => {
    const up = await listen(upstream);
    dir = makeTempDir('warden-output-reserve-');
    g = await startGatewayFromYaml(
      `apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: t}
spec:
  routes:
    - {name: openai, provider: openai, upstream: "${up}"}
  limits:
    rules:
      - {name: answers, tokens: {limit: 100, per: 1h, count: output}}
`,
      { dir, quiet: true },
    );
  });
  after(async () => {
    for (const release of held.splice(0)) release();
    await g?.gw.close();
    await closeServer(upstream);
    removeDir(dir);
  });

  const chat = (extra: Record<string, unknown> = {}) =>
    fetch(`${g.gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], ...extra }),
    });

  it('a second request in flight is refused while the first holds the whole output budget', async () => {
    const first = chat();
    await until(() => arrived === 1, 'the first request at the upstream');
    const second = await chat();
    assert.equal(second.status, 429, 'the first reserved the limit (no max_tokens: 1024, capped at 100)');
    assert.equal(arrived, 1);
    for (const release of held.splice(0)) release();
    assert.equal((await first).status, 200);
    // Settled at its real 5 output tokens: room again, for requests that declare what they may use.
    const a = chat({ max_tokens: 40 });
    const b = chat({ max_completion_tokens: 40 });
    const c = chat({ max_output_tokens: 40 });
    await until(() => arrived === 4, 'three requests declaring 40 tokens each, side by side (5 + 40 + 40 < 100)');
    const d = await chat({ max_tokens: 40 });
    assert.equal(d.status, 429, '5 + 40 + 40 + 40 ≥ 100: the budget is taken by what is used and reserved');
    for (const release of held.splice(0)) release();
    assert.deepEqual([(await a).status, (await b).status, (await c).status], [200, 200, 200]);
  });
});

describe('outputReserve', () => {
  it("reads Gemini's maximum under its JSON or proto name (Vertex accepts both), and the largest of several", () => {
    assert.equal(outputReserve({ generationConfig: { maxOutputTokens: 300 } }), 300);
    assert.equal(outputReserve({ generation_config: { max_output_tokens: 60000 } }), 60000);
    assert.equal(outputReserve({ generationConfig: { maxOutputTokens: 10 }, generation_config: { max_output_tokens: 5000 } }), 5000);
    assert.equal(outputReserve({ max_tokens: 10, max_completion_tokens: 900 }), 900);
    assert.equal(outputReserve({ generationConfig: { maxOutputTokens: '5000' } }), DEFAULT_OUTPUT_RESERVE);
  });
});
