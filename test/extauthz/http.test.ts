// ext_authz in raw HTTP mode, as Istio's envoyExtAuthzHttp calls it: the
// original method, `pathPrefix` + the original path, the original Host and
// the headers listed in includeRequestHeadersInCheck, plus the body.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HEADERS_TO_REMOVE } from '../../src/extauthz/http-server.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { MODEL_PATH, PROMPT, TRAINING_PATH, VERTEX_HOST, meshConfig } from './mesh.js';
import { until } from '../helpers/process.js';
import { waitForAuditRow } from '../helpers/audit-db.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

describe('ext_authz HTTP (envoyExtAuthzHttp)', () => {
  let s: Stack;
  let port: number;
  before(async () => {
    s = await startStack((o) => meshConfig({ ...o, audit: '{sqlite: ./audit.db}', storePrompts: true }));
    port = s.gw.extAuthz!.http!.port;
  });
  after(() => s?.close());

  /** What Envoy's HTTP ext_authz client sends for a call to `path`. */
  const check = (o: { method?: string; path: string; token?: string; body?: string; requestId: string; extra?: Record<string, string> }) =>
    new Promise<Reply>((resolve, reject) => {
      const headers: Record<string, string> = {
        host: VERTEX_HOST,
        'content-type': 'application/json',
        'x-request-id': o.requestId,
        'x-forwarded-client-cert': 'By=spiffe://cluster.local/ns/istio-system/sa/istio-egressgateway-service-account;URI=spiffe://cluster.local/ns/ml/sa/trainer',
        ...o.extra,
      };
      if (o.token) headers.authorization = `Bearer ${o.token}`;
      const req = request({ host: '127.0.0.1', port, method: o.method ?? 'POST', path: `/check${o.path}`, headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end(o.body);
    });

  it('allows with 200, the upstream headers to set and the caller credentials to remove', async () => {
    const token = await s.token('alice', ['ml-engineers']);
    // The HTTP mode carries no SPIFFE principal (only XFCC, believed from trusted proxies): use the analysts' policy.
    const analyst = await s.token('dana', ['analysts']);
    const denied = await check({ path: `${MODEL_PATH}:generateContent`, token, body: PROMPT, requestId: 'http-nospiffe-1' });
    assert.equal(denied.status, 403, 'ml-engineers needs a mesh source principal, which HTTP mode does not carry');

    const res = await check({ path: `${MODEL_PATH}:generateContent`, token: analyst, body: PROMPT, requestId: 'http-allow-1' });
    assert.equal(res.status, 200);
    assert.equal(res.body, '');
    const minted = /^Bearer (.+)$/.exec(String(res.headers.authorization))?.[1];
    assert.ok(minted && minted !== analyst);
    assert.equal(s.emu.isValidAccessToken(minted), true, 'the emulator accepts the minted token');
    assert.deepEqual(String(res.headers[HEADERS_TO_REMOVE]).split(',').sort(), ['x-api-key', 'x-forwarded-client-cert', 'x-goog-api-key']);
    assert.equal(res.headers['content-length'], '0');
  });

  it('denies by policy with 403 and a google.rpc.Status body for Envoy to pass on', async () => {
    const token = await s.token('bob', ['analysts']);
    const res = await check({ path: TRAINING_PATH, token, body: '{"displayName":"job"}', requestId: 'http-deny-1' });
    assert.equal(res.status, 403);
    assert.equal(res.headers['content-type'], 'application/json; charset=UTF-8');
    assert.equal(res.headers['x-request-id'], 'http-deny-1');
    assert.equal(res.headers.authorization, undefined);
    const body = JSON.parse(res.body) as { error: { code: number; status: string; details: { reason: string }[] } };
    assert.deepEqual([body.error.code, body.error.status, body.error.details[0].reason], [403, 'PERMISSION_DENIED', 'POLICY_DENIED']);
  });

  it('refuses an invalid token with 401 and WWW-Authenticate', async () => {
    const res = await check({ path: `${MODEL_PATH}:generateContent`, token: 'not.a.jwt', body: PROMPT, requestId: 'http-unauth-1' });
    assert.equal(res.status, 401);
    assert.match(String(res.headers['www-authenticate']), /^Bearer realm="warden"/);
    assert.equal(JSON.parse(res.body).error.status, 'UNAUTHENTICATED');
  });

  it('refuses a token in the query, which this mode cannot remove before the upstream', async () => {
    const token = await s.token('dana', ['analysts']);
    const res = await check({ path: `${MODEL_PATH}:generateContent?access_token=${token}`, body: PROMPT, requestId: 'http-query-1' });
    assert.equal(res.status, 400);
    assert.equal(JSON.parse(res.body).error.details[0].reason, 'TOKEN_IN_QUERY');
  });

  it('refuses a token in the query even when the same token also came as Authorization: Bearer', async () => {
    const token = await s.token('dana', ['analysts']);
    const res = await check({ path: `${MODEL_PATH}:generateContent?access_token=${token}`, token, body: PROMPT, requestId: 'http-query-2' });
    assert.equal(res.status, 400);
    assert.equal(JSON.parse(res.body).error.details[0].reason, 'TOKEN_IN_QUERY');
  });

  it('refuses a body over the check’s 1 MiB limit with 413', async () => {
    const token = await s.token('dana', ['analysts']);
    const big = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'x'.repeat(1024 * 1024 + 10) }] }] });
    const res = await check({ path: `${MODEL_PATH}:generateContent`, token, body: big, requestId: 'http-big-1' });
    assert.equal(res.status, 413);
  });

  it('records the size, SHA-256 and (storePrompts) text of a body Envoy sent whole; neither size nor digest of a partial one', async () => {
    const analyst = await s.token('dana', ['analysts']);
    const whole = await check({ path: `${MODEL_PATH}:generateContent`, token: analyst, body: PROMPT, requestId: 'http-body-whole' });
    // Envoy cut the body at its max_request_bytes: the first bytes only.
    const cut = PROMPT.slice(0, 20);
    const partial = await check({ path: `${MODEL_PATH}:generateContent`, token: analyst, body: cut, requestId: 'http-body-partial', extra: { 'x-envoy-auth-partial-body': 'true' } });
    assert.deepEqual([whole.status, partial.status], [200, 200]);
    type Row = { request_bytes: number | null; request_sha256: string | null; prompt: string | null };
    const row = async (id: string) => (await waitForAuditRow<Row>(join(s.dir, 'audit.db'), id))!;
    const w = await row('http-body-whole');
    assert.equal(w.request_bytes, Buffer.byteLength(PROMPT));
    assert.equal(w.request_sha256, createHash('sha256').update(PROMPT).digest('hex'));
    assert.equal(w.prompt, PROMPT);
    const p = await row('http-body-partial');
    assert.deepEqual([p.request_bytes, p.request_sha256, p.prompt], [null, null, null], 'a partial body is not the request body');
  });

  it('records every check', async () => {
    const line = (id: string) => s.logs.find((l) => l.requestId === id);
    await until(() => ['http-allow-1', 'http-deny-1', 'http-unauth-1', 'http-query-1'].every((id) => line(id)), 'the checks\' access log lines');
    assert.deepEqual(
      ['http-allow-1', 'http-deny-1', 'http-unauth-1', 'http-query-1'].map((id) => [line(id)?.decision, line(id)?.status]),
      // The token-in-query check was allowed by policy, then refused: deny, as the check answered.
      [['allow', 200], ['deny', 403], ['deny', 401], ['deny', 400]],
    );
  });
});
