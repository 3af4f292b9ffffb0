// Quotas end to end in one gateway: x-ratelimit-* on every answer, 429 in
// each caller's protocol, and token pre-charges settled from the emulator's
// real usage figures (streams at their end).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startStack, type Stack } from '../helpers/stack.js';

const MODEL = '/v1/projects/emulator-project/locations/us-central1/publishers/google/models/gemini-2.0-flash';
const LIMIT = 1000;

const config = ({ emulatorUrl }: { emulatorUrl: string }) => `
apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: limited}
spec:
  routes:
    - name: vertex
      provider: vertex
      match: {pathPrefix: /v1/}
      upstream: ${emulatorUrl}
      credential: vertex-sa
    - name: openai
      provider: openai
      match: {pathPrefix: /openai/}
      upstream: http://127.0.0.1:1
  credentials:
    - name: vertex-sa
      google: {file: ./credentials/service-account.json}
  limits:
    rules:
      - name: tokens-per-caller
        by: [principal]
        match: {routes: [vertex]}
        tokens: {limit: ${LIMIT}, per: 1h, count: total}
        requests: {limit: 100, per: 1h}
      - name: openai-closed
        match: {routes: [openai]}
        requests: {limit: 0, per: 1m}
`;

describe('quotas end to end', () => {
  let s: Stack;
  before(async () => {
    s = await startStack(config);
  });
  after(() => s.close());

  const generate = (text: string, verb = 'generateContent') =>
    fetch(`${s.gw.url}${MODEL}:${verb}${verb.startsWith('stream') ? '?alt=sse' : ''}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text }] }] }),
    });
  const remaining = (res: Response) => Number(res.headers.get('x-ratelimit-remaining-tokens'));
  const estimate = (text: string) => Math.ceil(text.length / 4);

  it('pre-charges the estimate and settles from usageMetadata, also for streams', async () => {
    const p1 = 'How many tokens does this prompt take? Count them for me, please.';
    const r1 = await generate(p1);
    assert.equal(r1.status, 200);
    assert.equal(r1.headers.get('x-ratelimit-limit-tokens'), String(LIMIT));
    assert.equal(r1.headers.get('x-ratelimit-limit-requests'), '100');
    assert.match(r1.headers.get('x-ratelimit-reset-tokens') ?? '', /^\d+s$/);
    assert.equal(remaining(r1), LIMIT - estimate(p1));
    const used1 = ((await r1.json()) as { usageMetadata: { totalTokenCount: number } }).usageMetadata.totalTokenCount;
    assert.ok(used1 > estimate(p1), 'the real figure (prompt + answer) differs from the estimate');

    const p2 = 'Now stream a short answer back to me.';
    const r2 = await generate(p2, 'streamGenerateContent');
    assert.equal(remaining(r2), LIMIT - used1 - estimate(p2), 'the first call was settled to its real usage');
    const sse = await r2.text();
    const used2 = Number(/"totalTokenCount":(\d+)/.exec(sse.split('\n').filter((l) => l.includes('usageMetadata')).at(-1)!)![1]);

    const p3 = 'x';
    const r3 = await generate(p3);
    assert.equal(remaining(r3), LIMIT - used1 - used2 - estimate(p3), 'the stream was settled at its end');
    await r3.body?.cancel();
  });

  it('refuses a prompt whose estimate exceeds what is left: 429 RESOURCE_EXHAUSTED with Retry-After', async () => {
    const res = await generate('y'.repeat(4 * LIMIT));
    assert.equal(res.status, 429);
    const retry = Number(res.headers.get('retry-after'));
    assert.ok(retry >= 1 && retry <= 3600);
    assert.ok(res.headers.get('x-ratelimit-remaining-tokens'));
    const body = (await res.json()) as { error: { status: string; details: { reason: string; retryDelay?: string }[] } };
    assert.equal(body.error.status, 'RESOURCE_EXHAUSTED');
    assert.equal(body.error.details[0]!.reason, 'RATE_LIMITED');
    assert.equal(body.error.details[1]!.retryDelay, `${retry}s`);
  });

  it("speaks OpenAI's rate_limit_exceeded on OpenAI routes", async () => {
    const res = await fetch(`${s.gw.url}/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-x', messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(res.status, 429);
    assert.ok(res.headers.get('retry-after'));
    assert.equal(res.headers.get('x-ratelimit-limit-requests'), '0');
    const body = (await res.json()) as { error: { code: string; type: string } };
    assert.equal(body.error.code, 'rate_limit_exceeded');
    assert.equal(body.error.type, 'rate_limit_error');
  });

  it('counts rejections in metrics', async () => {
    const metrics = await (await fetch(`${s.gw.adminUrl}/metrics`)).text();
    assert.match(metrics, /warden_ratelimit_rejections_total\{rule="tokens-per-caller",kind="tokens"\} 1/);
    assert.match(metrics, /warden_ratelimit_rejections_total\{rule="openai-closed",kind="requests"\} 1/);
  });
});
