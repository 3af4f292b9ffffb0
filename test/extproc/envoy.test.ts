// ext_proc through real Envoy: the filter exactly as `warden istio render`
// writes it (STREAMED both ways, the header answer waiting for the body),
// disabled on the listener and enabled on the model host, Envoy forwarding
// to the emulator. Warden runs the whole pipeline: the credential and the
// header removals, request and response redaction, quotas settled from the
// answer's usage, one record per request. What the caller gets, what the
// emulator receives and what Envoy logs are read.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request as httpRequest, createServer, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GoogleGenAI } from '@google/genai';
import aiplatform from '@google-cloud/aiplatform';
import { OAuth2Client } from 'google-auth-library';
import OpenAI from 'openai';
import { devIssuerAuthentication } from '../../src/cli/demo.js';
import { parseConfig } from '../../src/config/load.js';
import { renderManifests } from '../../src/istio/render.js';
import { auditRequestIds, waitForAuditRow } from '../helpers/audit-db.js';
import { startEnvoy, type RunningEnvoy } from '../helpers/envoy.js';
import { closeServer, listen } from '../helpers/http-server.js';
import { extProcFromEnvoyFilter } from '../helpers/istio-filters.js';
import { startStack, type Stack } from '../helpers/stack.js';

const PROJECT = 'emulator-project';
const LOCATION = 'us-central1';
const GEMINI = 'gemini-2.0-flash';
const MODEL_PATH = `/v1/projects/${PROJECT}/locations/${LOCATION}/publishers/google/models/${GEMINI}`;
const TRAINING_PATH = `/v1/projects/${PROJECT}/locations/${LOCATION}/customJobs`;
const OPENAPI_PATH = `/v1/projects/${PROJECT}/locations/${LOCATION}/endpoints/openapi/chat/completions`;
const WARDEN = 'warden-ext-proc';
const RENDER = {
  image: 'warden:test', replicas: 2, maxReplicas: 4, namespace: 'warden', egressNamespace: 'istio-system',
  egressSelector: { istio: 'egressgateway' }, egressServiceAccount: 'istio-egressgateway-service-account', trustDomain: 'cluster.local', secret: 'warden-files',
  metricsFrom: { namespaces: ['monitoring'], principals: [] }, ephemeralAudit: true,
};

const prompt = (text: string) => JSON.stringify({ contents: [{ role: 'user', parts: [{ text }] }] });

/** Routes without a host (callers reach Envoy at 127.0.0.1). Guardrails redact e-mail addresses in prompts and phone numbers in answers; group armored's answers wait for Model Armor. */
function config(o: { emulatorUrl: string; issuer: string; slowIssuer: string }): string {
  return `apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: mesh, namespace: warden}
spec:
  listen: {host: 127.0.0.1, port: 0}
  admin: {host: 127.0.0.1, port: 0}
  extProc: {grpc: {port: 0}, timeout: 5s}
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
  guardrails:
    request: {EMAIL: redact}
    response: {PHONE: redact, MODEL_ARMOR_SDP: redact}
    modelArmor: {project: ${PROJECT}, location: ${LOCATION}, endpoint: ${o.emulatorUrl}, credential: vertex-sa, mode: api}
    rules:
      - name: answers screened by Model Armor
        match: {groups: [armored]}
        modelArmor: {responseTemplate: baseline}
  limits:
    rules:
      - name: tiny-output
        by: [principal]
        match: {groups: [quota]}
        tokens: {limit: 5, per: 1h, count: output}
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
          values: [ml-engineers, quota, armored]
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

function slowIssuerToken(issuer: string): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'RS256', kid: 'k1', typ: 'JWT' })}.${part({ iss: issuer, sub: 'late', exp: Math.floor(Date.now() / 1000) + 600 })}.${Buffer.alloc(256).toString('base64url')}`;
}

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

type Row = Record<string, unknown>;

// The timeout only turns a hang into a failure; nothing here is timed.
describe('ext_proc through real Envoy (the filter warden istio render writes)', { timeout: 180_000 }, () => {
  let s: Stack;
  let slow: ReturnType<typeof createServer>;
  let slowUrl: string;
  const held: ServerResponse[] = [];
  let streamed: RunningEnvoy;
  let buffered: RunningEnvoy;
  let none: RunningEnvoy;
  let answerUnread: RunningEnvoy;
  let short: RunningEnvoy;
  let retrying: RunningEnvoy;
  let flaky: ReturnType<typeof createServer>;
  /** Attempts the flaky upstream saw, by x-request-id. */
  const attempts = new Map<string, number>();
  let alice: string;
  let bob: string;
  let seq = 0;

  before(async () => {
    slow = createServer((_req, res) => held.push(res));
    slowUrl = await listen(slow);
    s = await startStack((o) => config({ ...o, slowIssuer: slowUrl }));
    alice = await s.token('alice', ['ml-engineers']);
    bob = await s.token('bob', ['analysts']);
    const clusters = [
      { name: 'upstream', port: s.emu.port },
      { name: WARDEN, port: s.gw.extProc!.port, http2: true },
    ];
    // The EnvoyFilter render writes for this config (a cluster's port in place of 0), on the test's cluster.
    const text = config({ emulatorUrl: s.emu.url, issuer: s.emu.issuer, slowIssuer: slowUrl }).replace('extProc: {grpc: {port: 0}', 'extProc: {grpc: {port: 9193}');
    const rendered = renderManifests(parseConfig(text, join(s.dir, 'render.yaml'), s.dir), text, RENDER).manifests.find((m) => m.kind === 'EnvoyFilter')!;
    const { filter, perFilterConfig, runtime } = extProcFromEnvoyFilter(rendered, WARDEN);
    // BUFFERED: Envoy sends the body whole once the headers are answered; the body's answer carries the changes.
    const bufferedFilter = structuredClone(filter);
    bufferedFilter.typed_config.processing_mode.request_body_mode = 'BUFFERED';
    delete bufferedFilter.typed_config.send_body_without_waiting_for_header_response;
    // NONE: the request body never passes Warden (proto3 leaves the zero enum value off the wire).
    const noneFilter = structuredClone(filter);
    noneFilter.typed_config.processing_mode.request_body_mode = 'NONE';
    delete noneFilter.typed_config.send_body_without_waiting_for_header_response;
    // The answer passes Envoy without Warden: refused, since usage, guardrails and the record need it.
    const answerUnreadFilter = structuredClone(filter);
    answerUnreadFilter.typed_config.processing_mode.response_body_mode = 'NONE';
    // Envoy waits 0.3 s for each answer: shorter than Warden's admission deadline.
    const shortFilter = structuredClone(filter);
    shortFilter.typed_config.message_timeout = '0.3s';
    const start = (f: object) =>
      startEnvoy({ httpFilters: [f], clusters, routeTo: 'upstream', perFilterConfig, runtime, otherHosts: [{ domains: ['other.example.com'] }] });
    [streamed, buffered, none, answerUnread, short] = await Promise.all([start(filter), start(bufferedFilter), start(noneFilter), start(answerUnreadFilter), start(shortFilter)]);
    // Envoy retrying a 503 (as Istio's default retry policy does) before an upstream whose first
    // attempt at each request fails: the emulator answers the second.
    flaky = createServer((req, res) => {
      const id = String(req.headers['x-request-id']);
      attempts.set(id, (attempts.get(id) ?? 0) + 1);
      if (attempts.get(id) === 1) {
        req.resume();
        res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":{"code":503,"message":"try again","status":"UNAVAILABLE"}}');
        return;
      }
      const up = httpRequest({ host: '127.0.0.1', port: s.emu.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode!, answer.headers);
        answer.pipe(res);
      });
      req.pipe(up);
    });
    const flakyPort = Number(new URL(await listen(flaky)).port);
    retrying = await startEnvoy({
      httpFilters: [filter], clusters: [...clusters, { name: 'flaky', port: flakyPort }], routeTo: 'flaky', perFilterConfig, runtime,
      retryPolicy: { retry_on: 'retriable-status-codes', retriable_status_codes: [503], num_retries: 2 },
    });
  });
  after(async () => {
    await Promise.all([streamed?.stop(), buffered?.stop(), none?.stop(), answerUnread?.stop(), short?.stop(), retrying?.stop()]);
    if (flaky) await closeServer(flaky);
    await s?.close();
    for (const res of held) res.destroy();
    if (slow) await closeServer(slow);
  });

  const rid = (name: string) => `extproc-${name}-${++seq}`;
  async function call(envoy: RunningEnvoy, path: string, o: { id: string; token?: string; body?: string; headers?: Record<string, string>; method?: string }): Promise<Answer> {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-request-id': o.id, ...o.headers };
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    const res = await fetch(`${envoy.url}${path}`, { method: o.method ?? 'POST', headers, body: o.body });
    return { status: res.status, headers: res.headers, text: await res.text() };
  }
  const upstreamSaw = (id: string) => s.emu.vertexRequests.find((r) => r.headers['x-request-id'] === id);
  const auditRow = async (id: string): Promise<Row> => {
    const row = await waitForAuditRow<Row>(join(s.dir, 'audit.db'), id, { tries: 250, intervalMs: 20 });
    assert.ok(row, `the audit record of ${id}`);
    return row;
  };
  const findings = (row: Row) => (JSON.parse(String(row.findings ?? '[]')) as { type: string; direction: string; action: string }[]).map((f) => `${f.direction}:${f.type}:${f.action}`);

  it('an allowed call: Warden\'s token upstream, the caller\'s credentials and unlisted headers gone, the answer and its usage recorded', async () => {
    const id = rid('allow');
    const body = prompt('Hello through ext_proc');
    const res = await call(streamed, `${MODEL_PATH}:generateContent`, {
      id,
      token: alice,
      body,
      headers: { cookie: 'session=caller', 'x-goog-api-key': 'caller-key', 'x-api-key': 'caller-other', 'x-internal-note': 'not for Google', accept: 'application/json' },
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers.get('x-request-id'), id);
    const answer = JSON.parse(res.text);
    assert.equal(answer.candidates[0].content.parts[0].text, `Echo from ${GEMINI}: Hello through ext_proc`);

    const up = upstreamSaw(id)!;
    assert.ok(up, 'the emulator saw the call');
    assert.equal(up.identity, s.emu.serviceAccountEmail, 'with the token Warden minted');
    assert.ok(!String(up.headers.authorization).includes(alice));
    for (const h of ['cookie', 'x-goog-api-key', 'x-api-key', 'x-internal-note']) assert.equal(up.headers[h], undefined, `${h} is not forwarded, as on the proxy`);
    assert.equal(up.headers.accept, 'application/json', 'allow-listed headers are');

    const row = await auditRow(id);
    assert.deepEqual(
      [row.decision, row.status, row.upstream_status, row.principal, row.policy, row.model, row.operation, row.credential, row.route],
      ['allow', 200, 200, `${s.emu.issuer}/alice`, 'ml-engineers', GEMINI, 'generateContent', 'vertex-sa', 'vertex'],
    );
    assert.deepEqual([row.prompt_tokens, row.output_tokens, row.total_tokens],
      [answer.usageMetadata.promptTokenCount, answer.usageMetadata.candidatesTokenCount, answer.usageMetadata.totalTokenCount]);
    assert.equal(row.request_bytes, Buffer.byteLength(body));
    assert.equal(row.response_bytes, Buffer.byteLength(res.text));
    assert.ok(Number(row.upstream_ms) >= 0 && Number(row.latency_ms) >= Number(row.upstream_ms), 'upstream time within the request\'s');
  });

  it('ownership through ext_proc: an interaction (streamed too) and a cache are their creator\'s; a list is cut to the caller\'s own', async () => {
    const carol = await s.token('carol', ['ml-engineers']);
    const base = `/v1beta1/projects/${PROJECT}/locations/${LOCATION}`;
    const reason = (a: Answer) => (JSON.parse(a.text) as { error: { details: { reason: string }[] } }).error.details[0]!.reason;
    const created = await call(streamed, `${base}/interactions`, { id: rid('ix'), token: alice, body: JSON.stringify({ model: GEMINI, input: 'hi' }) });
    assert.equal(created.status, 200, created.text);
    const ix = `${base}/interactions/${String(JSON.parse(created.text).id)}`;
    assert.equal((await call(streamed, ix, { id: rid('ix-get'), token: alice, method: 'GET' })).status, 200);
    const refused = await call(streamed, ix, { id: rid('ix-carol'), token: carol, method: 'GET' });
    assert.equal(refused.status, 403);
    assert.equal(reason(refused), 'NOT_OWNER');

    const sse = await call(streamed, `${base}/interactions`, { id: rid('ix-sse'), token: alice, body: JSON.stringify({ model: GEMINI, input: 'stream', stream: true }) });
    assert.equal(sse.status, 200, sse.text);
    const first = JSON.parse(sse.text.split('\n').find((l) => l.startsWith('data: '))!.slice(6)) as { interaction: { id: string } };
    assert.equal((await call(streamed, `${base}/interactions/${first.interaction.id}?stream=true`, { id: rid('ix-resume'), token: alice, method: 'GET' })).status, 200);
    assert.equal((await call(streamed, `${base}/interactions/${first.interaction.id}`, { id: rid('ix-del'), token: carol, method: 'DELETE' })).status, 403);

    const cache = (token: string, text: string) => call(streamed, `${base}/cachedContents`, { id: rid('cache'), token, body: JSON.stringify({ model: `publishers/google/models/${GEMINI}`, contents: [{ role: 'user', parts: [{ text }] }] }) });
    const mine = JSON.parse((await cache(alice, 'alice context')).text).name as string;
    const theirs = JSON.parse((await cache(carol, 'carol context')).text).name as string;
    const listed = await call(streamed, `${base}/cachedContents`, { id: rid('cache-list'), token: alice, method: 'GET' });
    assert.equal(listed.status, 200, listed.text);
    assert.deepEqual((JSON.parse(listed.text) as { cachedContents: { name: string }[] }).cachedContents.map((c) => c.name), [mine]);
    const use = await call(streamed, `${MODEL_PATH}:generateContent`, { id: rid('cache-use'), token: alice, body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'x' }] }], cachedContent: theirs }) });
    assert.equal(use.status, 403);
    assert.equal(reason(use), 'NOT_OWNER');
  });

  it('the raw-body Interactions form (interactionsHttp) through ext_proc: classified, its usage (streamed too) in the record, its creator recorded', async () => {
    const carol = await s.token('carol', ['ml-engineers']);
    const base = `/v1beta1/projects/${PROJECT}/locations/${LOCATION}`;
    const id = rid('ixhttp');
    const created = await call(streamed, `${base}/interactionsHttp`, { id, token: alice, body: JSON.stringify({ model: GEMINI, input: 'a raw-body hello' }) });
    assert.equal(created.status, 200, created.text);
    const answer = JSON.parse(created.text) as { id: string; usage: { total_input_tokens: number; total_output_tokens: number; total_tokens: number } };
    const row = await auditRow(id);
    assert.deepEqual([row.operation, row.model, row.resource, row.prompt_tokens, row.output_tokens, row.total_tokens],
      ['interactions.create', GEMINI, `interactions/${answer.id}`, answer.usage.total_input_tokens, answer.usage.total_output_tokens, answer.usage.total_tokens]);
    const refused = await call(streamed, `${base}/interactions/${answer.id}`, { id: rid('ixhttp-carol'), token: carol, method: 'GET' });
    assert.equal(refused.status, 403);
    assert.equal((JSON.parse(refused.text) as { error: { details: { reason: string }[] } }).error.details[0]!.reason, 'NOT_OWNER');

    const sid = rid('ixhttp-sse');
    const sse = await call(streamed, `${base}/interactionsHttp`, { id: sid, token: alice, body: JSON.stringify({ model: GEMINI, input: 'a raw-body stream', stream: true }) });
    assert.equal(sse.status, 200, sse.text);
    const events = sse.text.split('\n').filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6)) as { interaction?: { id: string; usage?: { total_tokens: number } } });
    const streamRow = await auditRow(sid);
    assert.deepEqual([streamRow.stream, streamRow.resource, streamRow.total_tokens], [1, `interactions/${events[0]!.interaction!.id}`, events.at(-1)!.interaction!.usage!.total_tokens]);
    const other = await call(streamed, `${base}/interactions/${events[0]!.interaction!.id}`, { id: rid('ixhttp-sse-carol'), token: carol, method: 'GET' });
    assert.equal(other.status, 403);
  });

  it('Envoy retries (its route\'s retry policy; Warden does not retry under Envoy): Warden processes the call once, and the answer that reached the caller is the one metered and owned', async () => {
    const carol = await s.token('carol', ['ml-engineers']);
    const base = `/v1beta1/projects/${PROJECT}/locations/${LOCATION}`;
    const id = rid('retried');
    const created = await call(retrying, `${base}/interactions`, { id, token: alice, body: JSON.stringify({ model: GEMINI, input: 'second time lucky' }) });
    assert.equal(created.status, 200, created.text);
    assert.equal(attempts.get(id), 2, 'Envoy sent it twice: the first attempt got 503');
    const answer = JSON.parse(created.text) as { id: string; usage: { total_tokens: number } };
    const row = await auditRow(id);
    assert.deepEqual([row.status, row.upstream_status, row.resource, row.total_tokens], [200, 200, `interactions/${answer.id}`, answer.usage.total_tokens]);
    assert.equal(auditRequestIds(join(s.dir, 'audit.db')).filter((r) => r === id).length, 1, 'one record for the call, not one per attempt');
    assert.equal((await call(retrying, `${base}/interactions/${answer.id}`, { id: rid('retried-get'), token: alice, method: 'GET' })).status, 200);
    assert.equal((await call(retrying, `${base}/interactions/${answer.id}`, { id: rid('retried-carol'), token: carol, method: 'GET' })).status, 403);
  });

  it('guard(request) redacts the body that leaves; guard(response) redacts an SSE answer chunk by chunk', async () => {
    const id = rid('redact-sse');
    const text = 'mail bob@example.com or call +1 415 555 0100';
    const res = await call(streamed, `${MODEL_PATH}:streamGenerateContent?alt=sse`, { id, token: alice, body: prompt(text) });
    assert.equal(res.status, 200, res.text);
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const events = res.text.split('\n\n').filter((e) => e.startsWith('data: ')).map((e) => JSON.parse(e.slice(6)));
    assert.ok(events.length >= 3, `several events, got ${events.length}`);
    const said = events.map((e) => e.candidates?.[0]?.content?.parts?.[0]?.text ?? '').join('');
    // The upstream echoed what it was sent: the address redacted on the way in, the number on the way out.
    assert.equal(said, `Echo from ${GEMINI}: mail [EMAIL_1] or call [PHONE_1]`);
    assert.ok(!res.text.includes('bob@example.com') && !res.text.includes('555 0100'));

    const row = await auditRow(id);
    assert.deepEqual(findings(row).sort(), ['request:EMAIL:redact', 'request:PHONE:flag', 'response:PHONE:redact']);
    assert.equal(row.stream, 1);
    assert.ok(Number(row.output_tokens) > 0, 'usage read from the stream\'s last event');
  });

  it('guard(response) on a whole JSON answer: content-length dropped, the body rewritten', async () => {
    const id = rid('redact-json');
    const res = await call(streamed, `${MODEL_PATH}:generateContent`, { id, token: alice, body: prompt('call +44 20 7946 0958') });
    assert.equal(res.status, 200);
    assert.equal(JSON.parse(res.text).candidates[0].content.parts[0].text, `Echo from ${GEMINI}: call [PHONE_1]`);
    assert.equal((await auditRow(id)).response_bytes, Buffer.byteLength(res.text));
  });

  it('an answer Model Armor reads (sanitizeModelResponse) is held until it has, and its findings leave redacted, in an SSE stream', async () => {
    const id = rid('armor-sse');
    const armored = await s.token('carol', ['armored']);
    const res = await call(streamed, `${MODEL_PATH}:streamGenerateContent?alt=sse`, { id, token: armored, body: prompt('my SSN is 123-45-6789, call +1 415 555 0100') });
    assert.equal(res.status, 200, res.text);
    const events = res.text.split('\n\n').filter((e) => e.startsWith('data: ')).map((e) => JSON.parse(e.slice(6)));
    assert.ok(events.length >= 3, `several events, got ${events.length}`);
    const said = events.map((e) => e.candidates?.[0]?.content?.parts?.[0]?.text ?? '').join('');
    assert.equal(said, `Echo from ${GEMINI}: my SSN is [MODEL_ARMOR_SDP_1], call [PHONE_1]`);
    assert.ok(!res.text.includes('6789'));
    assert.ok(s.emu.modelArmorCalls.some((c) => c.method === 'sanitizeModelResponse' && c.text.includes('123-45-6789')));
    assert.ok(findings(await auditRow(id)).includes('response:MODEL_ARMOR_SDP:redact'));
  });

  it('BUFFERED request mode: the body\'s answer carries the credential and the redacted body (content-length set)', async () => {
    const id = rid('buffered');
    const res = await call(buffered, `${MODEL_PATH}:generateContent`, { id, token: alice, body: prompt('write to carol@example.org') });
    assert.equal(res.status, 200, res.text);
    assert.equal(JSON.parse(res.text).candidates[0].content.parts[0].text, `Echo from ${GEMINI}: write to [EMAIL_1]`);
    assert.equal(upstreamSaw(id)?.identity, s.emu.serviceAccountEmail);
    assert.deepEqual(findings(await auditRow(id)), ['request:EMAIL:redact']);
  });

  it('NONE request mode: a call whose body Warden must read is refused, not passed unread; one that needs no body is served', async () => {
    const id = rid('none-read');
    const res = await call(none, `${MODEL_PATH}:generateContent`, { id, token: alice, body: prompt('write to carol@example.org') });
    assert.equal(res.status, 413, res.text);
    // Owners are tracked here (spec.ownership's default): a generation's body may name a cache, so it is
    // refused as unclassifiable before the guardrails would refuse it as unscanned.
    assert.equal(JSON.parse(res.text).error.details[0].reason, 'BODY_TOO_LARGE_TO_CLASSIFY');
    assert.equal(upstreamSaw(id), undefined);
    const gid = rid('none-get');
    const got = await call(none, MODEL_PATH, { id: gid, token: alice, method: 'GET' });
    const row = await auditRow(gid);
    assert.deepEqual([row.decision, row.upstream_status, got.status], ['allow', 404, 404], 'forwarded, answered by the upstream (which serves no GET there)');
  });

  it('response_body_mode NONE: refused (500 EXT_PROC_MODE), recorded; nothing reaches the upstream', async () => {
    const id = rid('answer-unread');
    const res = await call(answerUnread, `${MODEL_PATH}:generateContent`, { id, token: alice, body: prompt('hello') });
    assert.equal(res.status, 500, res.text);
    assert.equal(JSON.parse(res.text).error.details[0].reason, 'EXT_PROC_MODE');
    assert.match(JSON.parse(res.text).error.message, /response_body_mode NONE/);
    assert.equal(upstreamSaw(id), undefined);
    assert.equal((await auditRow(id)).status, 500);
  });

  for (const [mode, envoy] of [['STREAMED', () => streamed], ['BUFFERED', () => buffered]] as const) {
    it(`a refusal is an immediate response in the caller's protocol; nothing reaches the upstream (${mode})`, async () => {
      const id = rid(`deny-${mode}`);
      const res = await call(envoy(), TRAINING_PATH, { id, token: bob, body: '{"displayName":"job"}' });
      assert.equal(res.status, 403);
      assert.equal(res.headers.get('content-type'), 'application/json; charset=UTF-8');
      assert.equal(res.headers.get('x-request-id'), id);
      const err = JSON.parse(res.text).error;
      assert.deepEqual([err.status, err.details[0].reason, err.details[0].metadata.requestId], ['PERMISSION_DENIED', 'POLICY_DENIED', id]);
      assert.equal(upstreamSaw(id), undefined);

      const oid = rid(`deny-openai-${mode}`);
      const o = await call(envoy(), '/v1/chat/completions', { id: oid, token: 'not.a.jwt', body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }) });
      assert.equal(o.status, 401);
      assert.equal(JSON.parse(o.text).error.type, 'authentication_error');
      assert.match(o.headers.get('www-authenticate') ?? '', /^Bearer/);
      const row = await auditRow(oid);
      assert.deepEqual([row.decision, row.status, row.route], ['deny', 401, 'openai']);
    });
  }

  it('the output-token quota is settled from the answer: the next call is refused 429', async () => {
    const carol = await s.token('carol', ['quota']);
    const first = rid('quota-1');
    const res = await call(streamed, `${MODEL_PATH}:generateContent`, { id: first, token: carol, body: prompt('count my tokens') });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers.get('x-ratelimit-limit-tokens'), '5', 'the quota headers reach the caller');
    const row = await auditRow(first);
    assert.ok(Number(row.output_tokens) > 5);
    assert.equal(JSON.parse(String(row.quota)).settledTokens, row.total_tokens, 'settled from the usage');

    const second = rid('quota-2');
    const refused = await call(streamed, `${MODEL_PATH}:generateContent`, { id: second, token: carol, body: prompt('again') });
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers.get('retry-after')) > 0);
    assert.equal(JSON.parse(refused.text).error.details[0].reason, 'RATE_LIMITED');
    assert.equal(upstreamSaw(second), undefined);
  });

  it('a body over bodyBufferBytes streams on: the whole body reaches the upstream, its size and digest recorded', async () => {
    const id = rid('big');
    // rawPredict: a body Warden does not read, so the guardrails have nothing to refuse in it.
    const body = JSON.stringify({ instances: [{ text: `big ${'x'.repeat(1536 * 1024)}` }] });
    const res = await call(streamed, `/v1/projects/${PROJECT}/locations/${LOCATION}/endpoints/123:rawPredict`, { id, token: alice, body });
    assert.equal(res.status, 200, res.text.slice(0, 300));
    assert.equal(JSON.parse(res.text).bytes, Buffer.byteLength(body), 'the upstream got all of it');
    const row = await auditRow(id);
    assert.equal(row.request_bytes, Buffer.byteLength(body));
    assert.equal(row.request_sha256, createHash('sha256').update(body).digest('hex'));
    assert.equal(row.operation, 'rawPredict');
  });

  it('a body over bodyBufferBytes that guardrails would have to read: 413 BODY_TOO_LARGE_TO_SCAN (fail closed, as on the proxy)', async () => {
    const id = rid('big-scan');
    const res = await call(streamed, `${MODEL_PATH}:countTokens`, { id, token: alice, body: prompt(`big ${'x'.repeat(1536 * 1024)}`) });
    assert.equal(res.status, 413);
    assert.equal(JSON.parse(res.text).error.details[0].reason, 'BODY_TOO_LARGE_TO_SCAN');
    assert.equal(upstreamSaw(id), undefined);
    assert.deepEqual(findings(await auditRow(id)), ['request:UNSCANNED:block']);
  });

  it('a model named in a body over bodyBufferBytes cannot be read, and a policy needs it: 413, nothing sent', async () => {
    const id = rid('big-openai');
    const body = JSON.stringify({ model: `google/${GEMINI}`, messages: [{ role: 'user', content: 'y'.repeat(1536 * 1024) }] });
    const res = await call(streamed, OPENAPI_PATH, { id, token: bob, body });
    assert.equal(res.status, 413);
    assert.equal(JSON.parse(res.text).error.details[0].reason, 'BODY_TOO_LARGE_TO_CLASSIFY');
    assert.equal(upstreamSaw(id), undefined);
  });

  it('fails closed as the proxy does: a denied model in a body without content type, a non-boolean stream, a model segment that does not classify; nothing sent', async () => {
    const cases = [
      // No content type and leading white space: read as JSON all the same (a lenient upstream would), so the DENY holds.
      { path: OPENAPI_PATH, body: '\n{"model":"google/gemini-2.5-pro","messages":[{"role":"user","content":"hi"}]}', type: undefined, status: 403, reason: 'POLICY_DENIED' },
      { path: OPENAPI_PATH, body: JSON.stringify({ model: `google/${GEMINI}`, stream: 'true', messages: [{ role: 'user', content: 'hi' }] }), type: 'application/json', status: 400, reason: 'STREAM_INVALID' },
      { path: `${MODEL_PATH}%2F..%2Fgemini-2.5-pro:generateContent`, body: prompt('hi'), type: 'application/json', status: 400, reason: 'MODEL_INVALID' },
    ];
    for (const c of cases) {
      const id = rid(`fail-closed-${c.reason}`);
      const headers: Record<string, string> = { authorization: `Bearer ${bob}`, 'x-request-id': id };
      if (c.type) headers['content-type'] = c.type;
      // Bytes, not a string: fetch would add text/plain to a string body.
      const res = await fetch(`${streamed.url}${c.path}`, { method: 'POST', headers, body: new TextEncoder().encode(c.body) });
      const text = await res.text();
      assert.deepEqual([res.status, JSON.parse(text).error.details[0].reason], [c.status, c.reason], `${c.path}: ${text}`);
      assert.equal(upstreamSaw(id), undefined);
      assert.equal((await auditRow(id)).status, c.status);
    }
  });

  it('a token in the query is consumed and dropped from the path Envoy forwards', async () => {
    const id = rid('query');
    const res = await call(streamed, `${MODEL_PATH}:generateContent?alt=json&access_token=${alice}&x=%24y`, { id, body: prompt('query token') });
    assert.equal(res.status, 200, res.text);
    const up = upstreamSaw(id)!;
    assert.equal(up.query, 'alt=json&x=%24y');
    assert.equal(up.identity, s.emu.serviceAccountEmail);
  });

  it('Envoy\'s access log carries Warden\'s decision and the answer\'s usage (dynamic metadata)', async () => {
    const ok = rid('meta-allow');
    const no = rid('meta-deny');
    assert.equal((await call(streamed, `${MODEL_PATH}:generateContent`, { id: ok, token: bob, body: prompt('meta') })).status, 200);
    assert.equal((await call(streamed, TRAINING_PATH, { id: no, token: bob, body: '{}' })).status, 403);
    const allowed = (await streamed.waitForLog((l) => l.requestId === ok, ok)).extProc as Record<string, unknown>;
    const row = await auditRow(ok);
    assert.deepEqual(
      { ...allowed, reason: undefined },
      { requestId: ok, decision: 'allow', principal: `${s.emu.issuer}/bob`, policy: 'analysts-gemini', route: 'vertex', model: GEMINI, operation: 'generateContent', reason: undefined,
        promptTokens: row.prompt_tokens, outputTokens: row.output_tokens, totalTokens: row.total_tokens },
    );
    const denied = await streamed.waitForLog((l) => l.requestId === no, no);
    assert.deepEqual([(denied.extProc as Row).decision, (denied.extProc as Row).reason, denied.status, denied.details], ['deny', 'POLICY_DENIED', 403, 'warden_policy_denied']);
  });

  it('only the model hosts reach Warden: the filter is off for other virtual hosts', async () => {
    const id = rid('other-host');
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${streamed.url}${MODEL_PATH}:generateContent`, {
        method: 'POST',
        headers: { host: 'other.example.com', authorization: `Bearer ${alice}`, 'content-type': 'application/json', 'x-request-id': id },
      }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      });
      req.on('error', reject);
      req.end(prompt('not through Warden'));
    });
    // Straight to the emulator with the caller's own token, which it does not accept; Warden saw nothing.
    assert.equal(status, 401);
    assert.equal(upstreamSaw(id)?.identity, undefined);
    const log = await streamed.waitForLog((l) => l.requestId === id, id);
    assert.equal(log.extProc, null);
  });

  describe('official clients through Envoy and Warden\'s ext_proc', () => {
    const authClient = (token: string) => {
      const c = new OAuth2Client();
      c.setCredentials({ access_token: token, expiry_date: Date.now() + 3_600_000 });
      return c;
    };

    it('@google/genai: generateContent and an SSE stream, audited with their usage', async () => {
      const genai = new GoogleGenAI({ vertexai: true, project: PROJECT, location: LOCATION, httpOptions: { baseUrl: streamed.url }, googleAuthOptions: { authClient: authClient(bob) } });
      const id = rid('genai');
      const r = await genai.models.generateContent({ model: GEMINI, contents: 'hello via ext_proc', config: { httpOptions: { headers: { 'x-request-id': id } } } });
      assert.equal(r.text, `Echo from ${GEMINI}: hello via ext_proc`);
      assert.equal((await auditRow(id)).total_tokens, r.usageMetadata?.totalTokenCount);

      const sid = rid('genai-stream');
      let text = '';
      let total: number | undefined;
      for await (const c of await genai.models.generateContentStream({ model: GEMINI, contents: 'stream via ext_proc', config: { httpOptions: { headers: { 'x-request-id': sid } } } })) {
        text += c.text ?? '';
        total = c.usageMetadata?.totalTokenCount ?? total;
      }
      assert.equal(text, `Echo from ${GEMINI}: stream via ext_proc`);
      const row = await auditRow(sid);
      assert.deepEqual([row.operation, row.stream, row.total_tokens, row.status], ['streamGenerateContent', 1, total, 200]);
    });

    it('@google-cloud/aiplatform: streamGenerateContent as a JSON-array stream, audited with its usage', async () => {
      const client = new aiplatform.v1.PredictionServiceClient({
        apiEndpoint: '127.0.0.1',
        port: Number(new URL(streamed.url).port),
        fallback: true,
        protocol: 'http',
        authClient: authClient(alice) as never,
      });
      try {
        const id = rid('aiplatform-stream');
        const stream = client.streamGenerateContent(
          { model: `projects/${PROJECT}/locations/${LOCATION}/publishers/google/models/${GEMINI}`, contents: [{ role: 'user', parts: [{ text: 'array via ext_proc' }] }] },
          { otherArgs: { headers: { 'x-request-id': id } } },
        );
        let text = '';
        let total: number | undefined;
        for await (const c of stream) {
          text += c.candidates?.[0]?.content?.parts?.[0]?.text ?? '';
          total = c.usageMetadata?.totalTokenCount ?? total;
        }
        assert.equal(text, `Echo from ${GEMINI}: array via ext_proc`);
        const row = await auditRow(id);
        assert.deepEqual([row.operation, row.stream, row.total_tokens], ['streamGenerateContent', 1, total]);
      } finally {
        await client.close();
      }
    });

    it('openai: a chat stream without include_usage; Warden asks for the usage, hides it from the caller, records it', async () => {
      const openai = new OpenAI({ baseURL: `${streamed.url}/v1`, apiKey: alice, maxRetries: 0 });
      const id = rid('openai-stream');
      const stream = await openai.chat.completions.create({ model: 'gpt-test', stream: true, messages: [{ role: 'user', content: 'stream through ext_proc' }] }, { headers: { 'x-request-id': id } });
      let text = '';
      for await (const c of stream) {
        assert.equal(c.usage, undefined, 'the caller gets the stream it asked for: no usage');
        text += c.choices[0]?.delta?.content ?? '';
      }
      assert.match(text, /stream through ext_proc/);
      const row = await auditRow(id);
      assert.deepEqual([row.route, row.operation, row.stream], ['openai', 'chat.completions', 1]);
      assert.ok(Number(row.output_tokens) > 0, 'its usage recorded');

      const oid = rid('openai-vertex');
      const v = new OpenAI({ baseURL: `${streamed.url}/v1/projects/${PROJECT}/locations/${LOCATION}/endpoints/openapi`, apiKey: bob, maxRetries: 0 });
      const r = await v.chat.completions.create({ model: `google/${GEMINI}`, messages: [{ role: 'user', content: 'vertex openai via ext_proc' }] }, { headers: { 'x-request-id': oid } });
      assert.match(r.choices[0].message.content ?? '', /vertex openai via ext_proc/);
      assert.equal((await auditRow(oid)).total_tokens, r.usage?.total_tokens);
    });
  });

  it('Envoy closes each processing stream, never resets it (Node\'s HTTP/2 would take many resets for an attack)', async () => {
    const stat = async (name: string) => Number(/: (\d+)/.exec(await (await fetch(`${streamed.adminUrl}/stats?filter=^${name.replace(/\./g, '\\.')}$`)).text())?.[1] ?? NaN);
    const resets = await stat(`cluster.${WARDEN}.http2.tx_reset`);
    const streams = await stat(`cluster.${WARDEN}.upstream_rq_total`);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => call(streamed, `${MODEL_PATH}:generateContent`, { id: rid(`close-${i}`), token: alice, body: prompt('close me') })));
    assert.deepEqual([...new Set(answers.map((a) => a.status))], [200]);
    assert.equal(await stat(`cluster.${WARDEN}.upstream_rq_total`), streams + 20, 'one stream per call');
    assert.equal(await stat(`cluster.${WARDEN}.http2.tx_reset`), resets, 'no stream reset');
    assert.equal(await stat(`cluster.${WARDEN}.upstream_cx_total`), 1, 'one connection to Warden throughout');
  });

  it('Warden slower than Envoy\'s message timeout: Envoy answers 504 (fail closed), nothing reaches the upstream', async () => {
    const id = rid('slow');
    const res = await call(short, `${MODEL_PATH}:generateContent`, { id, token: slowIssuerToken(slowUrl), body: prompt('too slow') });
    assert.equal(res.status, 504);
    assert.equal(upstreamSaw(id), undefined);
    const log = await short.waitForLog((l) => l.requestId === id, id);
    assert.equal(log.upstreamHost, null);
  });

  it('Warden stopped: Envoy refuses every call (fail closed)', async () => {
    await s.gw.close();
    const id = rid('down');
    const res = await call(streamed, `${MODEL_PATH}:generateContent`, { id, token: alice, body: prompt('nobody home') });
    assert.equal(res.status, 500);
    assert.equal(upstreamSaw(id), undefined);
  });
});
