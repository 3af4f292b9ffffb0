// ext_authz answered to real Envoy, in both of Istio's shapes: Envoy's
// ext_authz filter configured as istiod configures it from the extension
// providers `warden istio render` writes (gRPC and HTTP; failure mode deny,
// status_on_error, the body with partial bodies allowed, the headers to send
// and to pass on), Envoy forwarding to the emulator. What the caller gets,
// what the emulator receives and what Envoy logs are read, not what Warden
// says it answered.
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { GoogleGenAI } from '@google/genai';
import { OAuth2Client } from 'google-auth-library';
import OpenAI from 'openai';
import { parseConfig } from '../../src/config/load.js';
import { devIssuerAuthentication } from '../../src/cli/demo.js';
import { meshConfig as renderMeshConfig } from '../../src/istio/render/mesh.js';
import { waitForAuditRow } from '../helpers/audit-db.js';
import { startEnvoy, type RunningEnvoy } from '../helpers/envoy.js';
import { closeServer, listen } from '../helpers/http-server.js';
import { extAuthzGrpc, extAuthzHttp, WARDEN_GRPC_CLUSTER, WARDEN_HTTP_CLUSTER, type IstioGrpcProvider, type IstioHttpProvider } from '../helpers/istio-filters.js';
import { startStack, type Stack } from '../helpers/stack.js';

const PROJECT = 'emulator-project';
const LOCATION = 'us-central1';
const GEMINI = 'gemini-2.0-flash';
const MODEL_PATH = `/v1/projects/${PROJECT}/locations/${LOCATION}/publishers/google/models/${GEMINI}`;
const TRAINING_PATH = `/v1/projects/${PROJECT}/locations/${LOCATION}/customJobs`;
const OPENAPI_PATH = `/v1/projects/${PROJECT}/locations/${LOCATION}/endpoints/openapi/chat/completions`;
const PROMPT = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Hello through Envoy' }] }] });

/**
 * Routes without a host: the callers here reach Envoy at 127.0.0.1 (in a mesh
 * the route is picked by the Vertex host). A second issuer's key set never
 * arrives (`slowIssuer`): a check for its token waits, as a Warden that is
 * slower than Envoy's timeout would.
 */
function config(o: { emulatorUrl: string; issuer: string; slowIssuer: string }): string {
  return `apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: mesh, namespace: warden}
spec:
  listen: {host: 127.0.0.1, port: 0}
  admin: {host: 127.0.0.1, port: 0}
  extAuthz:
    timeout: 5s
    grpc: {port: 0}
    http: {port: 0, pathPrefix: /check}
  routes:
    - name: vertex
      provider: vertex
      upstream: ${o.emulatorUrl}
      credential: vertex-sa
    - name: openai
      provider: openai
      match: {pathPrefix: /v1/chat/completions}
      upstream: ${o.emulatorUrl}
      credential: vertex-sa
  credentials:
    - name: vertex-sa
      google: {file: ./credentials/service-account.json}
  # A generation Envoy cuts short goes on here; with owners tracked it is refused (test/admission/unknown-facts).
  ownership: {enforce: off}
  audit: {sqlite: ./audit.db}
---
${devIssuerAuthentication(o.issuer, 'warden')}---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: slow-issuer}
spec:
  jwtRules:
    - issuer: ${o.slowIssuer}
      jwksUri: ${o.slowIssuer}/jwks
      timeout: 60s
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ml-engineers}
spec:
  action: ALLOW
  rules:
    - when:
        - key: request.auth.claims[groups]
          values: [ml-engineers]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: analysts-gemini}
spec:
  action: ALLOW
  rules:
    - when:
        - key: request.auth.claims[groups]
          values: [analysts]
        - key: request.operation
          values: [generateContent, streamGenerateContent, chat.completions]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: no-pro-models}
spec:
  action: DENY
  rules:
    - when:
        - key: request.model
          values: [gemini-2.5-pro]
`;
}

/** The extension providers `warden istio render` writes for this config (ports as a cluster would have them). */
function renderedProviders(s: Stack): { grpc: IstioGrpcProvider; http: IstioHttpProvider } {
  const loaded = parseConfig(config({ emulatorUrl: s.emu.url, issuer: s.emu.issuer, slowIssuer: 'http://127.0.0.1:1' }), join(s.dir, 'x.yaml'), s.dir);
  const op = renderMeshConfig('warden.warden.svc.cluster.local', loaded.gateway.value, { http: 8080, admin: 9901, grpcExtAuthz: 9191, httpExtAuthz: 9192 },
    loaded.requestAuthentications.map((r) => r.value));
  const providers = (op.spec as { meshConfig: { extensionProviders: Record<string, unknown>[] } }).meshConfig.extensionProviders;
  const grpc = providers.find((p) => p.envoyExtAuthzGrpc)!.envoyExtAuthzGrpc as IstioGrpcProvider;
  const http = providers.find((p) => p.envoyExtAuthzHttp)!.envoyExtAuthzHttp as IstioHttpProvider;
  return { grpc, http };
}

/** A JWT from the slow issuer: never verified (its keys never come), so its signature does not matter. */
function slowIssuerToken(issuer: string): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'RS256', kid: 'k1', typ: 'JWT' })}.${part({ iss: issuer, sub: 'late', exp: Math.floor(Date.now() / 1000) + 600 })}.${Buffer.alloc(256).toString('base64url')}`;
}

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

type Mode = 'grpc' | 'http';

// The timeout only turns a hang into a failure; nothing here is timed.
describe('ext_authz through real Envoy (Istio envoyExtAuthzGrpc and envoyExtAuthzHttp)', { timeout: 180_000 }, () => {
  let s: Stack;
  let slow: ReturnType<typeof createServer>;
  let slowUrl: string;
  const held: ServerResponse[] = [];
  const envoys: Partial<Record<Mode | 'grpcShort' | 'httpShort', RunningEnvoy>> = {};
  let alice: string;
  let bob: string;
  let seq = 0;

  before(async () => {
    // The slow issuer's JWKS endpoint takes requests and never answers them.
    slow = createServer((_req, res) => held.push(res));
    slowUrl = await listen(slow);
    s = await startStack((o) => config({ ...o, slowIssuer: slowUrl }));
    alice = await s.token('alice', ['ml-engineers']);
    bob = await s.token('bob', ['analysts']);
    const { grpc, http } = renderedProviders(s);
    // Istio's render writes 0.2 s; 5 s here so that a first check on a loaded 2-core machine is not cut off.
    // The 'Short' pair keeps a short timeout for the slow-Warden tests.
    const clusters = [
      { name: 'upstream', port: s.emu.port },
      { name: WARDEN_GRPC_CLUSTER, port: s.gw.extAuthz!.grpc!.port, http2: true },
      { name: WARDEN_HTTP_CLUSTER, port: s.gw.extAuthz!.http!.port },
    ];
    const start = (filter: object) => startEnvoy({ httpFilters: [filter], clusters, routeTo: 'upstream' });
    [envoys.grpc, envoys.http, envoys.grpcShort, envoys.httpShort] = await Promise.all([
      start(extAuthzGrpc({ ...grpc, timeout: '5s', statusOnError: '503' })),
      start(extAuthzHttp({ ...http, timeout: '5s' })),
      start(extAuthzGrpc({ ...grpc, timeout: '0.3s', statusOnError: '503' })),
      start(extAuthzHttp({ ...http, timeout: '0.3s' })),
    ]);
  });
  after(async () => {
    await Promise.all(Object.values(envoys).map((e) => e?.stop()));
    await s?.close();
    for (const res of held) res.destroy();
    if (slow) await closeServer(slow);
  });

  const rid = (name: string) => `envoy-${name}-${++seq}`;
  /** `chunked`: the body as a stream, so sent without a content-length. */
  async function call(mode: keyof typeof envoys, path: string, o: { id: string; token?: string; body?: string; chunked?: boolean; headers?: Record<string, string>; method?: string }): Promise<Answer> {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-request-id': o.id, ...o.headers };
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    const body = o.chunked && o.body !== undefined ? Readable.toWeb(Readable.from([Buffer.from(o.body)])) : o.body;
    const res = await fetch(`${envoys[mode]!.url}${path}`, { method: o.method ?? 'POST', headers, body: body as BodyInit, ...(o.chunked ? { duplex: 'half' } : {}) });
    return { status: res.status, headers: res.headers, text: await res.text() };
  }
  const upstreamSaw = (id: string) => s.emu.vertexRequests.find((r) => r.headers['x-request-id'] === id);
  const auditRow = async (id: string) => {
    const row = await waitForAuditRow<Record<string, unknown>>(join(s.dir, 'audit.db'), id, { tries: 250, intervalMs: 20 });
    assert.ok(row, `the audit record of ${id}`);
    return row;
  };

  for (const mode of ['grpc', 'http'] as const) {
    describe(`${mode} ext_authz`, () => {
      it('an allowed call reaches the emulator with Warden\'s Google token, without the caller\'s credentials', async () => {
        const id = rid(`${mode}-allow`);
        const res = await call(mode, `${MODEL_PATH}:generateContent`, {
          id,
          token: alice,
          body: PROMPT,
          headers: { 'x-goog-api-key': 'caller-api-key', 'x-api-key': 'caller-other-key' },
        });
        assert.equal(res.status, 200, res.text);
        assert.match(JSON.parse(res.text).candidates[0].content.parts[0].text, /Hello through Envoy/);
        const up = upstreamSaw(id);
        assert.ok(up, 'the emulator saw the call');
        assert.equal(up.status, 200);
        const auth = String(up.headers.authorization);
        assert.ok(!auth.includes(alice), 'the caller\'s token never reaches the upstream');
        assert.ok(s.emu.isValidAccessToken(auth.replace(/^Bearer /, '')), 'a token the emulator minted');
        assert.equal(up.identity, s.emu.serviceAccountEmail, 'Warden\'s minted Google token');
        assert.equal(up.headers['x-goog-api-key'], undefined);
        assert.equal(up.headers['x-api-key'], undefined);
        assert.equal(up.headers['x-forwarded-client-cert'], undefined);
        assert.equal(up.headers['x-envoy-auth-partial-body'], undefined, 'Envoy\'s mark for Warden stays off the upstream request');

        const row = await auditRow(id);
        assert.deepEqual([row.decision, row.status, row.principal, row.policy, row.model, row.operation, row.credential],
          ['allow', 200, `${s.emu.issuer}/alice`, 'ml-engineers', GEMINI, 'generateContent', 'vertex-sa']);
        assert.equal(row.request_bytes, Buffer.byteLength(PROMPT), 'Envoy sent the whole body');
      });

      it('a denied call gets Warden\'s status, headers and google.rpc.Status body', async () => {
        const id = rid(`${mode}-deny`);
        const res = await call(mode, TRAINING_PATH, { id, token: bob, body: '{"displayName":"job"}' });
        assert.equal(res.status, 403);
        assert.equal(res.headers.get('content-type'), 'application/json; charset=UTF-8');
        assert.equal(res.headers.get('x-request-id'), id);
        const err = JSON.parse(res.text).error;
        assert.deepEqual([err.code, err.status, err.details[0].reason, err.details[0].metadata.requestId], [403, 'PERMISSION_DENIED', 'POLICY_DENIED', id]);
        assert.equal(upstreamSaw(id), undefined, 'nothing reached the emulator');
      });

      it('an invalid token: 401 with WWW-Authenticate', async () => {
        const id = rid(`${mode}-unauth`);
        const res = await call(mode, `${MODEL_PATH}:generateContent`, { id, token: 'not.a.jwt', body: PROMPT });
        assert.equal(res.status, 401);
        assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer realm="warden"/);
        assert.equal(JSON.parse(res.text).error.status, 'UNAUTHENTICATED');
      });

      it('a denied call on an OpenAI route gets OpenAI\'s error object', async () => {
        const id = rid(`${mode}-openai-deny`);
        const res = await call(mode, '/v1/chat/completions', { id, body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }) });
        assert.equal(res.status, 403);
        assert.equal(res.headers.get('content-type'), 'application/json');
        assert.deepEqual(JSON.parse(res.text), { error: { message: 'permission denied by policy', type: 'permission_error', param: null, code: 'policy_denied' } });
      });

      it('a body larger than Envoy sends with the check (partial): a Vertex call goes on whole, unmeasured', async () => {
        const id = rid(`${mode}-partial`);
        const big = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: `big ${'x'.repeat(1536 * 1024)}` }] }] });
        const res = await call(mode, `${MODEL_PATH}:generateContent`, { id, token: alice, body: big });
        assert.equal(res.status, 200, res.text);
        assert.ok(upstreamSaw(id), 'the whole request went on');
        const row = await auditRow(id);
        assert.equal(row.decision, 'allow');
        // Warden saw only the first 1 MiB: the record claims no size or digest of a body it did not see whole.
        assert.equal(row.request_bytes, null);
        assert.equal(row.request_sha256, null);
      });

      it('a body too large to read the model from (OpenAI-style, model in the body), on a route whose policy needs the model: 413, nothing sent', async () => {
        const id = rid(`${mode}-partial-openai`);
        const big = JSON.stringify({ model: 'google/gemini-2.0-flash', messages: [{ role: 'user', content: 'y'.repeat(1536 * 1024) }] });
        const res = await call(mode, OPENAPI_PATH, { id, token: bob, body: big });
        assert.equal(res.status, 413);
        assert.equal(JSON.parse(res.text).error.details[0].reason, 'BODY_TOO_LARGE_TO_CLASSIFY');
        assert.equal(upstreamSaw(id), undefined);
        // Chunked, without a content-length: Envoy's x-envoy-auth-partial-body is all that says the body was cut.
        const chunked = rid(`${mode}-partial-chunked`);
        const res2 = await call(mode, OPENAPI_PATH, { id: chunked, token: bob, body: big, chunked: true });
        assert.equal(res2.status, 413);
        assert.equal(JSON.parse(res2.text).error.details[0].reason, 'BODY_TOO_LARGE_TO_CLASSIFY');
        assert.equal(upstreamSaw(chunked), undefined);
      });

      it('Warden slower than Envoy\'s timeout: Envoy denies (fail closed), nothing reaches the emulator', async () => {
        const id = rid(`${mode}-slow`);
        const short = mode === 'grpc' ? 'grpcShort' : 'httpShort';
        const before = held.length;
        const res = await call(short, `${MODEL_PATH}:generateContent`, { id, token: slowIssuerToken(slowUrl), body: PROMPT });
        assert.ok(held.length > before || held.length > 0, 'Warden was waiting for the slow issuer\'s keys');
        if (mode === 'http') {
          // Envoy gives up at 0.3 s, long before Warden's own 5 s: status_on_error, Istio's default 403, and no body.
          assert.equal(res.status, 403);
          assert.equal(res.text, '');
        } else {
          // gRPC carries Envoy's deadline to Warden, which refuses at it (CHECK_TIMEOUT) as Envoy gives up
          // (status_on_error 503): whichever comes first, the call is refused with 503.
          assert.equal(res.status, 503);
          if (res.text) assert.equal(JSON.parse(res.text).error.details[0].reason, 'CHECK_TIMEOUT');
        }
        assert.equal(upstreamSaw(id), undefined);
        const log = await envoys[short]!.waitForLog((l) => l.requestId === id, id);
        assert.equal(log.upstreamHost, null, 'Envoy never forwarded it');
      });
    });
  }

  it('gRPC: the token in the query is consumed and removed before Envoy forwards (query_parameters_to_remove)', async () => {
    const id = rid('grpc-query');
    const res = await call('grpc', `${MODEL_PATH}:generateContent?alt=json&access_token=${alice}&x=%24y`, { id, body: PROMPT });
    assert.equal(res.status, 200, res.text);
    const up = upstreamSaw(id)!;
    assert.equal(up.query, 'alt=json&x=%24y', 'only the consumed parameter is gone');
    assert.ok(!JSON.stringify(up.headers).includes(alice));
    assert.equal(up.identity, s.emu.serviceAccountEmail);
  });

  it('HTTP: a token in the query is refused (HTTP ext_authz cannot remove it): 400 TOKEN_IN_QUERY', async () => {
    const id = rid('http-query');
    const res = await call('http', `${MODEL_PATH}:generateContent?access_token=${alice}`, { id, body: PROMPT });
    assert.equal(res.status, 400);
    assert.equal(JSON.parse(res.text).error.details[0].reason, 'TOKEN_IN_QUERY');
    assert.equal(upstreamSaw(id), undefined);
  });

  it('gRPC: the dynamic metadata Warden returns is in Envoy\'s access log, for allowed and denied calls', async () => {
    const ok = rid('grpc-meta-allow');
    const no = rid('grpc-meta-deny');
    assert.equal((await call('grpc', `${MODEL_PATH}:generateContent`, { id: ok, token: bob, body: PROMPT })).status, 200);
    assert.equal((await call('grpc', TRAINING_PATH, { id: no, token: bob, body: '{}' })).status, 403);
    const allowed = await envoys.grpc!.waitForLog((l) => l.requestId === ok, ok);
    const denied = await envoys.grpc!.waitForLog((l) => l.requestId === no, no);
    const a = allowed.extAuthz as Record<string, string>;
    assert.deepEqual(
      { ...a, reason: undefined, ext_authz_duration: undefined },
      { requestId: ok, decision: 'allow', principal: `${s.emu.issuer}/bob`, policy: 'analysts-gemini', route: 'vertex', model: GEMINI, operation: 'generateContent', reason: undefined, ext_authz_duration: undefined },
    );
    assert.match(a.reason, /analysts-gemini/);
    assert.equal(allowed.status, 200);
    const d = denied.extAuthz as Record<string, string>;
    assert.deepEqual([d.requestId, d.decision, d.reason, d.operation], [no, 'deny', 'POLICY_DENIED', 'training.create']);
    assert.equal(denied.status, 403);
    assert.equal(denied.details, 'ext_authz_denied');
  });

  describe('official clients through Envoy', () => {
    const authClient = (token: string) => {
      const c = new OAuth2Client();
      c.setCredentials({ access_token: token, expiry_date: Date.now() + 3_600_000 });
      return c;
    };
    for (const mode of ['grpc', 'http'] as const) {
      it(`@google/genai generateContent and a stream (${mode})`, async () => {
        const genai = new GoogleGenAI({ vertexai: true, project: PROJECT, location: LOCATION, httpOptions: { baseUrl: envoys[mode]!.url }, googleAuthOptions: { authClient: authClient(bob) } });
        const id = rid(`${mode}-genai`);
        const r = await genai.models.generateContent({ model: GEMINI, contents: 'hello through envoy', config: { httpOptions: { headers: { 'x-request-id': id } } } });
        assert.equal(r.text, `Echo from ${GEMINI}: hello through envoy`);
        assert.equal(upstreamSaw(id)?.identity, s.emu.serviceAccountEmail);

        const sid = rid(`${mode}-genai-stream`);
        let text = '';
        for await (const c of await genai.models.generateContentStream({ model: GEMINI, contents: 'stream through envoy', config: { httpOptions: { headers: { 'x-request-id': sid } } } })) {
          text += c.text ?? '';
        }
        assert.equal(text, `Echo from ${GEMINI}: stream through envoy`);
        const row = await auditRow(sid);
        assert.deepEqual([row.decision, row.operation, row.stream, row.policy], ['allow', 'streamGenerateContent', 1, 'analysts-gemini']);
      });

      it(`openai chat.completions on Vertex's OpenAI endpoint (${mode})`, async () => {
        const openai = new OpenAI({ baseURL: `${envoys[mode]!.url}/v1/projects/${PROJECT}/locations/${LOCATION}/endpoints/openapi`, apiKey: bob, maxRetries: 0 });
        const id = rid(`${mode}-openai`);
        const r = await openai.chat.completions.create({ model: `google/${GEMINI}`, messages: [{ role: 'user', content: 'hi through envoy' }] }, { headers: { 'x-request-id': id } });
        assert.match(r.choices[0].message.content ?? '', /hi through envoy/);
        assert.equal(upstreamSaw(id)?.identity, s.emu.serviceAccountEmail);
        const row = await auditRow(id);
        assert.deepEqual([row.decision, row.operation, row.model], ['allow', 'chat.completions', GEMINI]);

        // Refused: the openai client's own error class, from Warden's OpenAI-shaped body through Envoy.
        const err = await openai.chat.completions.create({ model: `google/${GEMINI}`, messages: [{ role: 'user', content: 'x' }] }, { headers: { authorization: 'Bearer not.a.jwt' } })
          .then(() => assert.fail('expected a rejection'), (e: unknown) => e);
        assert.ok(err instanceof OpenAI.AuthenticationError, String(err));
      });
    }
  });

  it('Warden stopped: Envoy denies every call (fail closed) with status_on_error', async () => {
    await s.gw.close();
    for (const mode of ['grpc', 'http'] as const) {
      const id = rid(`${mode}-down`);
      const res = await call(mode, `${MODEL_PATH}:generateContent`, { id, token: alice, body: PROMPT });
      assert.equal(res.status, mode === 'grpc' ? 503 : 403);
      assert.equal(upstreamSaw(id), undefined);
    }
  });
});
