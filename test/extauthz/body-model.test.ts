// ext_authz checks of calls that name their model in the body (Vertex's
// OpenAI-compatible endpoint): Envoy sends at most `maxRequestBytes` of the
// body (1 MiB as Warden's mesh config renders it), cut short beyond. A cut
// body, or none for a request that has one, says nothing about the model, so
// the check refuses it (413 BODY_TOO_LARGE_TO_CLASSIFY) instead of letting
// policy on request.model decide on an absent model.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { credentials, loadPackageDefinition, type Client, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { LOADER_OPTIONS } from '../../src/envoy-api/load.js';
import { EXTERNAL_AUTH_PROTO, type CheckRequest } from '../../src/extauthz/proto.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { MODEL_PATH, VERTEX_HOST, meshConfig, sidecarCheck } from './mesh.js';

const CHAT = '/v1/projects/emulator-project/locations/us-central1/endpoints/openapi/chat/completions';
const MAX_REQUEST_BYTES = 1024 * 1024;

const denyPro = `---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: no-gemini-pro}
spec:
  action: DENY
  rules: [{when: [{key: request.model, values: [gemini-2.5-pro]}]}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: analysts-chat}
spec:
  rules: [{when: [{key: "request.auth.claims[groups]", values: [analysts]}, {key: request.operation, values: [chat.completions]}]}]
`;

const chat = (model: string, n: number) => JSON.stringify({ model, messages: [{ role: 'user', content: 'x'.repeat(n) }] });

interface Answer {
  status: { code: number; message?: string };
  deniedResponse?: { body: string };
  httpResponse?: string;
}
type AuthorizationClient = Client & { Check(req: CheckRequest, cb: (err: ServiceError | null, res: Answer) => void): void };

/** The check Envoy sends for `body` when it passes on at most `max` bytes of it (allowPartialMessage). */
function cutCheck(o: { path: string; token: string; body: string; requestId: string; max?: number }): CheckRequest {
  const max = o.max ?? MAX_REQUEST_BYTES;
  const req = sidecarCheck({ path: o.path, token: o.token, body: o.body.slice(0, max), requestId: o.requestId });
  const http = req.attributes!.request!.http!;
  http.size = String(Buffer.byteLength(o.body));
  http.headers!['content-length'] = http.size;
  http.headers!['x-envoy-auth-partial-body'] = 'true';
  if (max === 0) {
    // Envoy not asked for the body: neither the body nor the mark.
    delete http.rawBody;
    delete http.headers!['x-envoy-auth-partial-body'];
  }
  return req;
}

const reasonOf = (a: Answer) => (JSON.parse(a.deniedResponse!.body) as { error: { details: { reason: string }[] } }).error.details[0]!.reason;

describe('ext_authz: the model named in a body Envoy cut short', () => {
  let s: Stack;
  let client: AuthorizationClient;
  let token: string;
  const check = (req: CheckRequest) => new Promise<Answer>((resolve, reject) => client.Check(req, (err, res) => (err ? reject(err) : resolve(res))));

  before(async () => {
    s = await startStack((o) => meshConfig(o) + denyPro);
    const pkg = loadPackageDefinition(loadSync(EXTERNAL_AUTH_PROTO, LOADER_OPTIONS)) as unknown as {
      envoy: { service: { auth: { v3: { Authorization: new (addr: string, creds: ReturnType<typeof credentials.createInsecure>) => AuthorizationClient } } } };
    };
    client = new pkg.envoy.service.auth.v3.Authorization(`127.0.0.1:${s.gw.extAuthz!.grpc!.port}`, credentials.createInsecure());
    token = await s.token('alice', ['ml-engineers']);
  });
  after(async () => {
    client?.close();
    await s?.close();
  });

  it('a whole body: policy decides on its model', async () => {
    const denied = await check(sidecarCheck({ path: CHAT, token, body: chat('google/gemini-2.5-pro', 100), requestId: 'body-model-1' }));
    assert.equal(denied.status.code, 7);
    assert.equal(reasonOf(denied), 'POLICY_DENIED');
    const allowed = await check(sidecarCheck({ path: CHAT, token, body: chat('google/gemini-2.0-flash', 100), requestId: 'body-model-2' }));
    assert.equal(allowed.status.code, 0);
  });

  it('gRPC: a body cut at maxRequestBytes is refused, whatever the model', async () => {
    for (const model of ['google/gemini-2.5-pro', 'google/gemini-2.0-flash']) {
      const res = await check(cutCheck({ path: CHAT, token, body: chat(model, 1_100_000), requestId: `body-model-cut-${model}` }));
      assert.equal(res.status.code, 3, `INVALID_ARGUMENT for ${model}`);
      assert.equal(res.httpResponse, 'deniedResponse');
      assert.equal(reasonOf(res), 'BODY_TOO_LARGE_TO_CLASSIFY');
    }
  });

  it('gRPC: no body for a request that has one is refused', async () => {
    const res = await check(cutCheck({ path: CHAT, token, body: chat('google/gemini-2.5-pro', 100), requestId: 'body-model-none', max: 0 }));
    assert.equal(res.status.code, 3);
    assert.equal(reasonOf(res), 'BODY_TOO_LARGE_TO_CLASSIFY');
  });

  it('a cut body of a call whose model is in the path still passes', async () => {
    const body = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'x'.repeat(1_100_000) }] }] });
    const res = await check(cutCheck({ path: `${MODEL_PATH}:generateContent`, token, body, requestId: 'body-model-path' }));
    assert.equal(res.status.code, 0);
  });

  it('HTTP: a body Envoy marks partial is refused with 413', async () => {
    const analyst = await s.token('dana', ['analysts']);
    const body = chat('google/gemini-2.5-pro', 1_100_000).slice(0, MAX_REQUEST_BYTES);
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: s.gw.extAuthz!.http!.port,
          method: 'POST',
          path: `/check${CHAT}`,
          headers: { host: VERTEX_HOST, 'content-type': 'application/json', authorization: `Bearer ${analyst}`, 'x-envoy-auth-partial-body': 'true' },
        },
        (r) => {
          let text = '';
          r.setEncoding('utf8');
          r.on('data', (c: string) => (text += c));
          r.on('end', () => resolve({ status: r.statusCode!, body: text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    assert.equal(res.status, 413);
    assert.equal((JSON.parse(res.body) as { error: { details: { reason: string }[] } }).error.details[0]!.reason, 'BODY_TOO_LARGE_TO_CLASSIFY');
  });
});
