// The whole road through Warden with plain HTTP: token → policy → Warden's
// own Google token → emulator → stream back → audit row.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'node:http';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { waitForAuditRow } from '../helpers/audit-db.js';
import { startStack, type Stack } from '../helpers/stack.js';

const MODEL = '/v1/projects/emulator-project/locations/us-central1/publishers/google/models/gemini-2.0-flash';
const PROMPT = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Hello, Warden' }] }] });

describe('gateway end to end (demo config)', () => {
  let s: Stack;
  let engineer: string;
  let analyst: string;
  before(async () => {
    s = await startStack();
    engineer = await s.token('alice', ['ml-engineers']);
    analyst = await s.token('bob', ['analysts']);
  });
  after(() => s.close());

  const call = (path: string, init: RequestInit & { token?: string } = {}) =>
    fetch(s.gw.url + path, {
      method: 'POST',
      body: PROMPT,
      ...init,
      headers: {
        'content-type': 'application/json',
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
        ...(init.headers as Record<string, string>),
      },
    });

  it('forwards an allowed generateContent with its own Google token and records it', async () => {
    const before = s.emu.stats.vertexCalls;
    const res = await call(`${MODEL}:generateContent`, { token: engineer, headers: { 'x-request-id': 'req-123' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-request-id'), 'req-123');
    const body = (await res.json()) as { candidates: { content: { parts: { text: string }[] } }[]; usageMetadata: { totalTokenCount: number } };
    assert.match(body.candidates[0].content.parts[0].text, /Hello, Warden/);
    assert.ok(body.usageMetadata.totalTokenCount > 0);
    // The emulator accepts only tokens it minted: the caller's OIDC token was replaced.
    assert.equal(s.emu.stats.vertexCalls, before + 1);
    assert.equal(s.emu.stats.byGrant['jwt-bearer'], 1);

    // Audit writes are batched off the request path: wait (bounded) for the row.
    const row = (await waitForAuditRow(join(s.dir, 'audit.db'), 'req-123'))!;
    assert.equal(row.principal, `${s.emu.issuer}/alice`);
    assert.equal(row.model, 'gemini-2.0-flash');
    assert.equal(row.operation, 'generateContent');
    assert.equal(row.decision, 'allow');
    assert.equal(row.policy, 'ml-engineers');
    assert.equal(row.status, 200);
    assert.equal(row.credential, 'vertex-sa');
    assert.equal(row.total_tokens, body.usageMetadata.totalTokenCount);
  });

  it('streams SSE chunk by chunk and reads usage from the last chunk', async () => {
    const res = await call(`${MODEL}:streamGenerateContent?alt=sse`, { token: analyst });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const reader = res.body!.getReader();
    let reads = 0;
    let text = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      reads++;
      text += Buffer.from(value).toString();
    }
    assert.ok(reads >= 2, `expected several chunks, got ${reads}`);
    const events = text.split(/\r?\n\r?\n/).filter(Boolean);
    assert.ok(events.length >= 3);
    assert.match(events.at(-1)!, /usageMetadata/);
  });

  it('passes the default JSON-array stream through', async () => {
    const res = await call(`${MODEL}:streamGenerateContent`, { token: engineer });
    assert.equal(res.status, 200);
    const arr = (await res.json()) as unknown[];
    assert.ok(Array.isArray(arr) && arr.length >= 3);
  });

  it('denies an analyst a training job with a google.rpc.Status 403', async () => {
    const res = await call('/v1/projects/emulator-project/locations/us-central1/customJobs', { token: analyst, body: '{"displayName":"x"}' });
    assert.equal(res.status, 403);
    const body = (await res.json()) as { error: { code: number; status: string; details: { reason: string }[] } };
    assert.equal(body.error.code, 403);
    assert.equal(body.error.status, 'PERMISSION_DENIED');
    assert.equal(body.error.details[0].reason, 'POLICY_DENIED');
  });

  it('lets an engineer create a training job', async () => {
    const res = await call('/v1/projects/emulator-project/locations/us-central1/customJobs', { token: engineer, body: '{"displayName":"x"}' });
    assert.equal(res.status, 200);
    const job = (await res.json()) as { name: string };
    assert.match(job.name, /customJobs\//);
  });

  it('denies an analyst a non-Gemini model', async () => {
    const res = await call(MODEL.replace('gemini-2.0-flash', 'claude-3') + ':generateContent', { token: analyst });
    assert.equal(res.status, 403);
  });

  it('denies a caller without a token (403) and rejects a bad token (401, WWW-Authenticate)', async () => {
    const none = await call(`${MODEL}:generateContent`);
    assert.equal(none.status, 403);
    const bad = await call(`${MODEL}:generateContent`, { token: 'not-a-jwt' });
    assert.equal(bad.status, 401);
    assert.match(bad.headers.get('www-authenticate') ?? '', /Bearer/);
    const body = (await bad.json()) as { error: { status: string; details: { reason: string }[] } };
    assert.equal(body.error.status, 'UNAUTHENTICATED');
    assert.equal(body.error.details[0].reason, 'TOKEN_MALFORMED');
  });

  it('rejects a token from another issuer key (forged) with 401', async () => {
    const [h, p] = engineer.split('.');
    const forged = `${h}.${p}.${Buffer.from('x'.repeat(256)).toString('base64url')}`;
    const res = await call(`${MODEL}:generateContent`, { token: forged });
    assert.equal(res.status, 401);
  });

  it('normalizes the path once, so dot segments cannot hide a model from policy', async () => {
    const raw = (path: string, token: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request(s.gw.url + '/', { method: 'POST', path, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode!));
        });
        req.on('error', reject);
        req.end(PROMPT);
      });
    const sneaky = MODEL + '/%2E%2E/claude-3:generateContent';
    assert.equal(await raw(sneaky, analyst), 403, 'the analyst policy sees claude-3, not an unknown path');
    assert.equal(await raw(sneaky, engineer), 200);
    const seen = s.emu.vertexRequests.at(-1)!;
    assert.equal(seen.path, MODEL.replace('gemini-2.0-flash', 'claude-3') + ':generateContent');
    assert.equal(await raw(MODEL + '%00:generateContent', engineer), 400);
  });

  it('answers malformed JSON with INVALID_ARGUMENT', async () => {
    const res = await call(`${MODEL}:generateContent`, { token: engineer, body: '{"contents": [' });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: { status: string } };
    assert.equal(body.error.status, 'INVALID_ARGUMENT');
  });

  it('refuses a compressed body it would have to inspect: 415 CONTENT_ENCODING_UNSUPPORTED, nothing forwarded', async () => {
    const before = s.emu.stats.vertexCalls;
    const gzipped = await call(`${MODEL}:generateContent`, { token: engineer, body: gzipSync(PROMPT), headers: { 'content-encoding': 'gzip' } });
    assert.equal(gzipped.status, 415);
    assert.equal(gzipped.headers.get('accept-encoding'), 'identity');
    const body = (await gzipped.json()) as { error: { status: string; message: string; details: { reason: string }[] } };
    assert.equal(body.error.status, 'INVALID_ARGUMENT');
    assert.equal(body.error.details[0]!.reason, 'CONTENT_ENCODING_UNSUPPORTED');
    assert.match(body.error.message, /^content-encoding "gzip" is not accepted for generateContent: .*send it uncompressed$/);
    // Larger than Warden reads whole (1 MiB): it would have streamed on, unread.
    const big = gzipSync(randomBytes(1536 * 1024));
    const streamed = await call(`${MODEL}:generateContent`, { token: engineer, body: big, headers: { 'content-encoding': 'gzip' } });
    assert.equal(streamed.status, 415);
    await streamed.body?.cancel();
    assert.equal(s.emu.stats.vertexCalls, before, 'nothing reached the upstream');
    // identity is no encoding at all.
    assert.equal((await call(`${MODEL}:generateContent`, { token: engineer, headers: { 'content-encoding': 'identity' } })).status, 200);
  });

  it('serves health, readiness and metrics on the admin port', async () => {
    assert.equal((await fetch(`${s.gw.adminUrl}/healthz`)).status, 200);
    assert.equal((await fetch(`${s.gw.adminUrl}/readyz`)).status, 200);
    const metrics = await (await fetch(`${s.gw.adminUrl}/metrics`)).text();
    assert.match(metrics, /warden_requests_total\{[^}]*model="gemini-2.0-flash"[^}]*\} \d+/);
    assert.match(metrics, /# TYPE gen_ai_client_token_usage histogram/);
  });

  it('writes one access log line per request with the decision', () => {
    const lines = s.logs.filter((l) => l.msg === 'request');
    assert.ok(lines.length >= 8);
    assert.ok(lines.some((l) => l.decision === 'deny' && l.status === 403));
    for (const l of lines) assert.ok(!JSON.stringify(l).includes(engineer), 'tokens never reach the log');
  });
});
