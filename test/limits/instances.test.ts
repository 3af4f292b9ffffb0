// Calls billed by input (embeddings, predict, token counting) carry their instance count to quotas:
// a request quota with `count: instances` counts an embedding call of 3 texts as 3, a call whose
// inputs Warden cannot count is refused rather than counted as one, and counting tokens costs no
// tokens. Through the official @google/genai client.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApiError, GoogleGenAI } from '@google/genai';
import { OAuth2Client } from 'google-auth-library';
import { waitForAuditRow } from '../helpers/audit-db.js';
import { startStack, type Stack } from '../helpers/stack.js';

const BASE = '/v1/projects/emulator-project/locations/us-central1/publishers/google/models';

const config = ({ emulatorUrl }: { emulatorUrl: string }) => `
apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: instances}
spec:
  routes:
    - {name: vertex, provider: vertex, upstream: '${emulatorUrl}', credential: vertex-sa, maxBodyBytes: 4194304}
  credentials:
    - {name: vertex-sa, google: {file: ./credentials/service-account.json}}
  audit: {sqlite: ./audit.db}
  limits:
    rules:
      - {name: embedding-inputs, match: {operations: [predict, embedContent, batchEmbedContents]}, requests: {limit: 5, per: 1h, count: instances}}
      - {name: tokens, tokens: {limit: 100000, per: 1h, count: total}}
`;

describe('instance counts for quotas', () => {
  let s: Stack;
  let ai: GoogleGenAI;
  before(async () => {
    s = await startStack(config);
    const auth = new OAuth2Client();
    auth.setCredentials({ access_token: 'unused-by-warden' });
    ai = new GoogleGenAI({ vertexai: true, project: 'emulator-project', location: 'us-central1', httpOptions: { baseUrl: s.gw.url }, googleAuthOptions: { authClient: auth } });
  });
  after(() => s.close());

  const audit = (id: string) => waitForAuditRow<Record<string, unknown>>(join(s.dir, 'audit.db'), id);
  const post = (path: string, body: unknown) => fetch(`${s.gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('an embedding call of three texts counts three against a quota on inputs; the audit records the count', async () => {
    const r = await ai.models.embedContent({ model: 'text-embedding-005', contents: ['one', 'two', 'three'] });
    assert.equal(r.embeddings?.length, 3);
    const res = await post(`${BASE}/text-embedding-005:predict`, { instances: [{ content: 'four' }] });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-ratelimit-remaining-requests'), '1', '3 + 1 of 5 used');
    assert.equal((await audit(res.headers.get('x-request-id')!))?.instances, 1);
    // Two more inputs do not fit what is left (one): refused, not counted as one request.
    const over = await ai.models.embedContent({ model: 'text-embedding-005', contents: ['five', 'six'] }).then(
      () => assert.fail('expected a 429'),
      (e: unknown) => e,
    );
    assert.ok(over instanceof ApiError && over.status === 429, `got ${String(over)}`);
  });

  it('a call whose inputs cannot be counted is refused, never counted as one', async () => {
    const res = await post(`${BASE}/text-embedding-005:predict`, { parameters: {} });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: { details: { reason: string }[] } };
    assert.equal(body.error.details[0]!.reason, 'INSTANCES_UNKNOWN');
  });

  it('a large body whose inputs a quota counts is read whole, not streamed past the count', async () => {
    const big = 'x'.repeat(1024 * 1024);
    const res = await post(`${BASE}/text-embedding-005:batchEmbedContents`, { requests: [{ content: { parts: [{ text: big }] } }, { content: { parts: [{ text: big }] } }] });
    // The emulator does not serve batchEmbedContents; what matters is that Warden counted both inputs.
    const row = await audit(res.headers.get('x-request-id')!);
    assert.equal(row?.instances, 2);
    assert.match(String(row?.quota), /"exceeded":"embedding-inputs"/, 'two inputs, one left: refused by the quota on inputs');
  });

  it('countTokens counts as a request and never as tokens', async () => {
    const r = await ai.models.countTokens({ model: 'gemini-2.5-flash', contents: 'how many tokens is this sentence, please?' });
    assert.ok((r.totalTokens ?? 0) > 0);
    const res = await post(`${BASE}/gemini-2.5-flash:countTokens`, { contents: [{ role: 'user', parts: [{ text: 'count me as well please' }] }] });
    const row = await audit(res.headers.get('x-request-id')!);
    const quota = JSON.parse(String(row?.quota)) as { rules: string[]; estimatedTokens: number; settledTokens?: number };
    assert.deepEqual(quota.rules, ['tokens']);
    assert.equal(quota.estimatedTokens, 0);
    assert.equal(row?.total_tokens, null, 'a token count is not usage');
    const again = await post(`${BASE}/gemini-2.5-flash:countTokens`, { contents: [{ role: 'user', parts: [{ text: 'and once more' }] }] });
    assert.equal(again.headers.get('x-ratelimit-remaining-tokens'), res.headers.get('x-ratelimit-remaining-tokens'), 'no tokens were charged in between');
    await again.body?.cancel();
  });
});
