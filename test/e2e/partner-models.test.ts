// Partner models on Vertex (Claude through `publishers/anthropic/models/{m}:rawPredict` and
// `:streamRawPredict`, Llama and Gemini through the OpenAI-compatible endpoint) through Warden:
// the model comes from the URL for any publisher, the usage of answers and streams lands in the
// audit record and is charged to token quotas, and the guardrails read these bodies both ways.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { waitForAuditRow } from '../helpers/audit-db.js';
import { startStack, type Stack } from '../helpers/stack.js';

const BASE = '/v1/projects/emulator-project/locations/us-east5';
const CLAUDE = `${BASE}/publishers/anthropic/models/claude-sonnet-4-5@20250929`;
const LIMIT = 10_000;

const config = ({ emulatorUrl, issuer }: { emulatorUrl: string; issuer: string }) => `
apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: partners}
spec:
  routes:
    - {name: vertex, provider: vertex, upstream: '${emulatorUrl}', credential: vertex-sa}
  credentials:
    - {name: vertex-sa, google: {file: ./credentials/service-account.json}}
  audit: {sqlite: ./audit.db}
  guardrails:
    # Prompts are only flagged, so the emulator's echo carries the address: only guard(response) removes it.
    request: {EMAIL: flag}
    response: {EMAIL: redact}
  limits:
    rules:
      - {name: claude-tokens, by: [principal], match: {models: [claude-sonnet-4-5@20250929]}, tokens: {limit: ${LIMIT}, per: 1h, count: total}}
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: dev}
spec:
  jwtRules: [{issuer: '${issuer}', audiences: [warden], jwksUri: '${issuer}/jwks'}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: anthropic-only-for-ml}
spec:
  action: DENY
  rules:
    - when:
        - {key: request.publisher, values: [anthropic]}
        - {key: 'request.auth.claims[groups]', notValues: [ml]}
`;

describe('partner models through Warden', () => {
  let s: Stack;
  let ml: string;
  let analyst: string;
  before(async () => {
    s = await startStack(config);
    ml = await s.token('alice', ['ml']);
    analyst = await s.token('bob', ['analysts']);
  });
  after(() => s.close());

  const post = (path: string, token: string, body: unknown) =>
    fetch(`${s.gw.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const claudeBody = (text: string, extra: Record<string, unknown> = {}) => ({
    anthropic_version: 'vertex-2023-10-16',
    max_tokens: 256,
    system: 'You are terse.',
    messages: [{ role: 'user', content: [{ type: 'text', text }] }],
    ...extra,
  });
  const audit = (id: string) => waitForAuditRow<Record<string, unknown>>(join(s.dir, 'audit.db'), id);

  it('names the model and publisher from the URL, so policy on request.publisher applies', async () => {
    const denied = await post(`${CLAUDE}:rawPredict`, analyst, claudeBody('hi'));
    assert.equal(denied.status, 403);
    const row = await audit(denied.headers.get('x-request-id')!);
    assert.equal(row?.model, 'claude-sonnet-4-5@20250929');
    assert.equal(row?.operation, 'rawPredict');
    assert.equal(row?.decision, 'deny');
  });

  it('a Claude answer: usage in the audit record and charged to the token quota; an e-mail in it redacted', async () => {
    const res = await post(`${CLAUDE}:rawPredict`, ml, claudeBody('write to alice@example.com'));
    assert.equal(res.status, 200);
    const body = (await res.json()) as { type: string; content: { text: string }[]; usage: { input_tokens: number; output_tokens: number } };
    assert.equal(body.type, 'message');
    // The prompt left as it was (flagged); the echo of it was redacted on its way back.
    assert.doesNotMatch(body.content[0]!.text, /alice@example\.com/);
    assert.match(body.content[0]!.text, /\[EMAIL/);
    const row = await audit(res.headers.get('x-request-id')!);
    const findings = JSON.parse(String(row?.findings)) as { type: string; direction: string; action: string; locations: string[] }[];
    assert.deepEqual(findings.map((f) => `${f.direction} ${f.action} ${f.locations[0]!.replace(/\[\d+:\d+\]$/, '')}`).sort(), ['request flag messages[0].content[0].text', 'response redact content[0].text']);
    assert.equal(row?.prompt_tokens, body.usage.input_tokens);
    assert.equal(row?.output_tokens, body.usage.output_tokens);
    assert.equal(row?.total_tokens, body.usage.input_tokens + body.usage.output_tokens);
    assert.equal(JSON.parse(String(row?.quota)).settledTokens, body.usage.input_tokens + body.usage.output_tokens);
  });

  it('a Claude stream: message_start and message_delta usage lands in the audit record and the quota', async () => {
    const res = await post(`${CLAUDE}:streamRawPredict`, ml, claudeBody('stream a reply to bob@example.org', { stream: true }));
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const left = Number(res.headers.get('x-ratelimit-remaining-tokens'));
    const sse = await res.text();
    const events = sse.split('\n').filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6)) as Record<string, any>);
    const start = events.find((e) => e.type === 'message_start')!;
    const delta = events.find((e) => e.type === 'message_delta')!;
    const text = events.filter((e) => e.type === 'content_block_delta').map((e) => e.delta.text).join('');
    assert.doesNotMatch(text, /bob@example\.org/, 'the streamed answer passed the redaction');
    assert.match(text, /stream a reply to/);
    assert.match(sse, /event: content_block_delta/, 'the stream keeps its event names');
    const input = start.message.usage.input_tokens as number;
    const output = delta.usage.output_tokens as number;
    assert.ok(output > 1, 'message_delta carries the final output count');

    const row = await audit(res.headers.get('x-request-id')!);
    assert.equal(row?.stream, 1);
    assert.equal(row?.prompt_tokens, input);
    assert.equal(row?.output_tokens, output);
    assert.equal(row?.total_tokens, input + output);
    const quota = JSON.parse(String(row?.quota)) as { estimatedTokens: number; settledTokens: number };
    assert.equal(quota.settledTokens, input + output);

    // The next call sees the stream settled at its real usage, not its estimate.
    const next = await post(`${CLAUDE}:rawPredict`, ml, claudeBody('y'));
    const nextRow = await audit(next.headers.get('x-request-id')!);
    const nextEstimate = (JSON.parse(String(nextRow?.quota)) as { estimatedTokens: number }).estimatedTokens;
    assert.equal(Number(next.headers.get('x-ratelimit-remaining-tokens')), left + quota.estimatedTokens - (input + output) - nextEstimate);
    await next.body?.cancel();
  });

  it('the OpenAI-compatible endpoint: a partner model named in the body (meta/…), usage recorded', async () => {
    const res = await post(`${BASE}/endpoints/openapi/chat/completions`, ml, {
      model: 'meta/llama-4-maverick-17b-128e-instruct-maas',
      messages: [{ role: 'user', content: 'hello llama' }],
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { usage: { prompt_tokens: number; completion_tokens: number } };
    const row = await audit(res.headers.get('x-request-id')!);
    assert.equal(row?.model, 'llama-4-maverick-17b-128e-instruct-maas');
    assert.equal(row?.operation, 'chat.completions');
    assert.equal(row?.prompt_tokens, body.usage.prompt_tokens);
    assert.equal(row?.output_tokens, body.usage.completion_tokens);
  });

  it('the OpenAI-compatible endpoint with google/… streams: usage recorded', async () => {
    const res = await post(`${BASE}/endpoints/openapi/chat/completions`, ml, {
      model: 'google/gemini-2.5-flash',
      stream: true,
      messages: [{ role: 'user', content: 'hello gemini' }],
    });
    assert.equal(res.status, 200);
    const sse = await res.text();
    const usage = sse.split('\n').filter((l) => l.includes('"usage":{')).map((l) => JSON.parse(l.slice(6)).usage).at(-1) as { prompt_tokens: number; total_tokens: number };
    const row = await audit(res.headers.get('x-request-id')!);
    assert.equal(row?.model, 'gemini-2.5-flash');
    assert.equal(row?.total_tokens, usage.total_tokens);
  });

  it('a partner rawPredict body must be JSON as sent: compressed bodies are refused (what is scanned is what leaves)', async () => {
    const res = await fetch(`${s.gw.url}${CLAUDE}:rawPredict`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ml}`, 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: Buffer.from([0x1f, 0x8b, 0, 0]),
    });
    assert.equal(res.status, 415);
    assert.equal(((await res.json()) as { error: { details: { reason: string }[] } }).error.details[0]!.reason, 'CONTENT_ENCODING_UNSUPPORTED');
  });
});
