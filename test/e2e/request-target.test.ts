// The request target and the path, as an attacker sends them (issue: a model
// DENY bypassed through an absolute-form target, paths that classify as "no
// model", parser refusals without a trace). An upstream records what reaches
// it: a refused request must never arrive there.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startGatewayFromYaml, type YamlGateway } from '../helpers/gateway.js';
import { rawRequest, startRecordingUpstream, type RecordingUpstream } from '../helpers/recording-upstream.js';
import { waitForAuditRow } from '../helpers/audit-db.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { join } from 'node:path';

const MODELS = '/v1/projects/p/locations/us-central1/publishers/google/models';
const PROMPT = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] });

export function gatewayYaml(upstream: string, extra = ''): string {
  return `apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: t}
spec:
  listen: {host: 127.0.0.1, port: 0${extra}}
  audit: {sqlite: ./audit.db}
  routes:
    - {name: vertex, provider: vertex, match: {pathPrefix: /}, upstream: "${upstream}"}
    - {name: openai, provider: openai, match: {pathPrefix: /openai/}, upstream: "${upstream}"}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: no-gemini-pro}
spec:
  action: DENY
  rules: [{when: [{key: request.model, values: ["gemini-2.5-pro*", gpt-4o]}]}]
`;
}

function post(target: string, body = PROMPT, headers = ''): string {
  return `POST ${target} HTTP/1.1\r\nHost: us-central1-aiplatform.googleapis.com\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${headers}Connection: close\r\n\r\n${body}`;
}

const reasonOf = (body: string) => (JSON.parse(body) as { error: { details: { reason: string }[] } }).error.details[0]!.reason;

describe('request targets and paths that hide a model', () => {
  let up: RecordingUpstream;
  let g: YamlGateway;
  let dir: string;
  let port: number;

  before(async () => {
    up = await startRecordingUpstream();
    dir = makeTempDir('warden-target-');
    g = await startGatewayFromYaml(gatewayYaml(up.url), { dir, quiet: true });
    port = Number(new URL(g.gw.url).port);
  });
  after(async () => {
    await g?.gw.close();
    await up?.close();
    removeDir(dir);
  });

  it('finding 1: an absolute-form target is decided on its own path, its authority replacing Host', async () => {
    const before = up.seen.length;
    const bypass = await rawRequest(port, post(`http://anything${MODELS}/gemini-2.0-flash/%2e%2e/gemini-2.5-pro:generateContent`));
    assert.equal(bypass.status, 403, bypass.body);
    assert.equal(reasonOf(bypass.body), 'POLICY_DENIED');
    const plain = await rawRequest(port, post(`http://anything${MODELS}/gemini-2.5-pro:generateContent`));
    assert.equal(plain.status, 403);
    assert.equal(up.seen.length, before, 'nothing reached the upstream');

    const allowed = await rawRequest(port, post(`HTTP://Example.COM:80${MODELS}/gemini-2.0-flash:generateContent?alt=json`));
    assert.equal(allowed.status, 200, allowed.body);
    assert.equal(up.seen.at(-1)!.url, `${MODELS}/gemini-2.0-flash:generateContent?alt=json`, 'the upstream gets the path, not the URL');
  });

  it('finding 1: the 404 message keeps host and path apart', async () => {
    const g2dir = makeTempDir('warden-target-404-');
    const g2 = await startGatewayFromYaml(gatewayYaml(up.url).replace('match: {pathPrefix: /}', 'match: {pathPrefix: /, host: vertex.example}'), { dir: g2dir, quiet: true });
    try {
      const r = await rawRequest(Number(new URL(g2.gw.url).port), post('http://anything/v1/x:generateContent'));
      assert.equal(r.status, 404);
      const message = (JSON.parse(r.body) as { error: { message: string } }).error.message;
      assert.equal(message, 'no route for host "anything" and path "/v1/x:generateContent"');
    } finally {
      await g2.gw.close();
      removeDir(g2dir);
    }
  });

  it('finding 1: asterisk-form and authority-form get 400, with a request id and a record', async () => {
    const star = await rawRequest(port, 'OPTIONS * HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');
    assert.equal(star.status, 400);
    assert.equal(reasonOf(star.body), 'REQUEST_TARGET_INVALID');
    const connect = await rawRequest(port, 'CONNECT us-central1-aiplatform.googleapis.com:443 HTTP/1.1\r\nHost: us-central1-aiplatform.googleapis.com:443\r\n\r\n');
    assert.equal(connect.status, 400);
    assert.equal(reasonOf(connect.body), 'REQUEST_TARGET_INVALID');
    assert.ok(connect.headers['x-request-id']);
    const row = await waitForAuditRow<{ status: number; reason: string; decision: string }>(join(dir, 'audit.db'), connect.headers['x-request-id']!);
    assert.equal(row?.status, 400);
    assert.match(row!.reason, /^REQUEST_TARGET_INVALID: /);
    const authority = await rawRequest(port, 'GET example.com:80 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');
    assert.equal(authority.status, 400);
    assert.equal(reasonOf(authority.body), 'REQUEST_MALFORMED');
    const userinfo = await rawRequest(port, post(`http://user@anything${MODELS}/gemini-2.0-flash:generateContent`));
    assert.equal(userinfo.status, 400);
    assert.equal(reasonOf(userinfo.body), 'REQUEST_TARGET_INVALID');
  });

  it('finding 1: spec.listen.absoluteForm: refuse answers 400', async () => {
    const d = makeTempDir('warden-target-refuse-');
    const g2 = await startGatewayFromYaml(gatewayYaml(up.url, ', absoluteForm: refuse'), { dir: d, quiet: true });
    try {
      const before = up.seen.length;
      const r = await rawRequest(Number(new URL(g2.gw.url).port), post(`http://anything${MODELS}/gemini-2.0-flash:generateContent`));
      assert.equal(r.status, 400);
      assert.equal(reasonOf(r.body), 'REQUEST_TARGET_INVALID');
      assert.equal(up.seen.length, before);
    } finally {
      await g2.gw.close();
      removeDir(d);
    }
  });

  it('finding 2: a path under models/ that cannot be classified is refused with 400 MODEL_INVALID, in the caller\'s protocol', async () => {
    const before = up.seen.length;
    for (const model of ['gemini-2.0-flash%2F..%2Fgemini-2.5-pro', 'gemini-2.0-flash%5C..%5Cgemini-2.5-pro', 'gemini-2.0-flash%252F..%252Fgemini-2.5-pro', 'Gemini-2.5-Pro', 'gemini-2.5-pro.']) {
      const r = await rawRequest(port, post(`${MODELS}/${model}:generateContent`));
      assert.equal(r.status, 400, `${model}: ${r.body}`);
      assert.equal(reasonOf(r.body), 'MODEL_INVALID', model);
      assert.ok(r.headers['x-request-id']);
    }
    const openai = await rawRequest(port, post('/openai/v1/Chat/Completions', JSON.stringify({ model: 'gpt-4o', messages: [] })));
    assert.equal(openai.status, 400);
    assert.equal((JSON.parse(openai.body) as { error: { code: string } }).error.code, 'model_invalid');
    const spaced = await rawRequest(port, post('/openai/v1/chat/completions', JSON.stringify({ model: 'gpt-4o ', messages: [] })));
    assert.equal(spaced.status, 400);
    assert.equal(up.seen.length, before, 'nothing reached the upstream');
  });

  for (const [name, raw, status, reason] of [
    ['Content-Length with Transfer-Encoding', 'POST /v1/x HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n', 400, 'REQUEST_MALFORMED'],
    ['a disguised Transfer-Encoding', 'POST /v1/x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, identity\r\nConnection: close\r\n\r\n0\r\n\r\n', 400, 'REQUEST_MALFORMED'],
    ['two Content-Lengths', 'POST /v1/x HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\nConnection: close\r\n\r\nabcd', 400, 'REQUEST_MALFORMED'],
    ['oversized headers', `GET /v1/x HTTP/1.1\r\nHost: h\r\nX-Big: ${'a'.repeat(20_000)}\r\nConnection: close\r\n\r\n`, 431, 'HEADERS_TOO_LARGE'],
  ] as const) {
    it(`finding 3: ${name} is answered with x-request-id and recorded`, async () => {
      const r = await rawRequest(port, raw);
      assert.equal(r.status, status);
      assert.equal(reasonOf(r.body), reason);
      const id = r.headers['x-request-id'];
      assert.ok(id, 'x-request-id');
      const row = await waitForAuditRow<{ status: number; reason: string; decision: string }>(join(dir, 'audit.db'), id);
      assert.ok(row, 'an audit record');
      assert.equal(row.status, status);
      assert.equal(row.decision, 'deny');
      assert.match(row.reason, new RegExp(`^${reason}: `));
    });
  }
});
