// Unknown must mean refused (issue: six ways a request passed policy,
// guardrails or quotas because Warden could not see what it was). Each case
// through the proxy (an upstream records what reaches it), both ext_authz
// modes and ext_proc (a gRPC client plays Envoy) where it applies.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { credentials as grpcCredentials, loadPackageDefinition, type Client, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { ConfigError } from '../../src/config/load.js';
import { LOADER_OPTIONS } from '../../src/envoy-api/load.js';
import { EXTERNAL_AUTH_PROTO, type CheckRequest } from '../../src/extauthz/proto.js';
import { HEADERS_TO_REMOVE } from '../../src/extauthz/http-server.js';
import { loadGateway } from '../../src/gateway.js';
import { waitForAuditRow } from '../helpers/audit-db.js';
import { ExtProcClient, type ExtProcRequest } from '../helpers/extproc-client.js';
import { startGatewayFromYaml, type YamlGateway } from '../helpers/gateway.js';
import { rawRequest, startRecordingUpstream, type RecordingUpstream } from '../helpers/recording-upstream.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { writeFileSync } from 'node:fs';

const HOST = 'us-central1-aiplatform.googleapis.com';
const P = '/v1/projects/p/locations/us-central1';
const FLASH = `${P}/publishers/google/models/gemini-2.0-flash:generateContent`;
const OPENAPI = `${P}/endpoints/openapi/chat/completions`;
const API_KEY = 'sk-warden-test-key-0123456789';
const ISS = 'https://idp.test';
/** ext_proc's bodyBufferBytes here: a body padded past it (JSON may end in white space) streams on, unread. */
const BODY_BUFFER = 1024;
const SECRET_PROMPT = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'deploy with AKIAIOSFODNN7EXAMPLE please' }] }] });

interface Answer {
  status: { code: number; message?: string };
  okResponse?: { headersToRemove?: string[] };
  deniedResponse?: { status?: { code: number | string }; body: string };
}
type AuthorizationClient = Client & { Check(req: CheckRequest, cb: (err: ServiceError | null, res: Answer) => void): void };

/** `ownership`: spec.ownership.enforce; off by default here (these cases are about guardrails and policy; a generation's cut body would otherwise be refused first, as it may name a context cache). */
function gatewayYaml(upstream: string, jwks: string, o: { oversize?: string; audit?: boolean; ownership?: string } = {}): string {
  return `apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: t}
spec:
  listen: {host: 127.0.0.1, port: 0}
  extAuthz: {timeout: 5s, grpc: {port: 0}, http: {port: 0, pathPrefix: /check}}
  extProc: {grpc: {port: 0}, timeout: 5s, bodyBufferBytes: ${BODY_BUFFER}}
  identity:
    apiKeys: {keys: [{name: svc, sha256: ${createHash('sha256').update(API_KEY).digest('hex')}, groups: [svc]}]}
  guardrails: {request: {secret: block}${o.oversize ? `, oversize: ${o.oversize}` : ''}}
  ownership: {enforce: ${o.ownership ?? 'off'}}
${o.audit ? '  audit: {sqlite: ./audit.db}\n' : ''}  routes:
    - {name: vertex, provider: vertex, upstream: "${upstream}"}
    - {name: openai, provider: openai, match: {pathPrefix: /openai/}, upstream: "${upstream}"}
    - {name: generic, provider: http, match: {pathPrefix: /http/}, upstream: "${upstream}"}
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: idp}
spec:
  jwtRules:
    - issuer: ${ISS}
      jwks: '${jwks}'
      fromHeaders: [{name: authorization, prefix: 'Bearer '}]
      fromCookies: [session]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: no-expensive-models}
spec:
  action: DENY
  rules: [{when: [{key: request.model, values: [gpt-4o, gemini-2.5-pro, llama-forbidden]}]}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: no-streams-on-openai}
spec:
  targetRefs: [{kind: Service, group: "", name: openai}]
  action: DENY
  rules: [{when: [{key: request.stream, values: ["true"]}]}]
`;
}

function check(o: { path: string; body?: string; size?: number; headers?: Record<string, string>; route?: string; contentType?: string | null }): CheckRequest {
  const headers: Record<string, string> = { ':authority': HOST, ':method': 'POST', ':path': o.path, ...o.headers };
  if (o.contentType !== null) headers['content-type'] = o.contentType ?? 'application/json';
  const size = o.size ?? Buffer.byteLength(o.body ?? '');
  if (size) headers['content-length'] = String(size);
  return {
    attributes: {
      source: { address: { socketAddress: { address: '10.44.0.13', portValue: 52088 } } },
      request: { http: { id: '1', method: 'POST', headers, path: o.path, host: HOST, protocol: 'HTTP/1.1', size: String(size), ...(o.body ? { body: o.body } : {}) } },
      ...(o.route ? { contextExtensions: { route: o.route } } : {}),
    },
  };
}

function httpCheck(port: number, o: { path: string; body?: string; headers?: Record<string, string>; contentType?: string | null }): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { host: HOST, ...o.headers };
    if (o.contentType !== null) headers['content-type'] = o.contentType ?? 'application/json';
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: `/check${o.path}`, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

/** A request as ext_proc sees it: STREAMED with the header answer waiting for the body (the rendered filter), JSON unless said. */
function proc(path: string, body: string | undefined, o: Partial<ExtProcRequest> & { contentType?: string | null } = {}): ExtProcRequest {
  const headers: Record<string, string> = o.contentType === null ? {} : { 'content-type': o.contentType ?? 'application/json' };
  return { path, authority: HOST, body, ...o, headers: { ...headers, ...o.headers } };
}

/** The same body, past bodyBufferBytes: Warden decides before its end, on a body it did not read. */
const pastBuffer = (body: string): Partial<ExtProcRequest> => ({ body: body + ' '.repeat(2 * BODY_BUFFER), chunks: 3 });

function post(path: string, body: string, headers = 'Content-Type: application/json\r\n'): string {
  return `POST ${path} HTTP/1.1\r\nHost: ${HOST}\r\n${headers}Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

/** The reason of a refusal in either protocol: google.rpc.Status's ErrorInfo, or OpenAI's `code`, upper-cased. */
function reasonOf(body: string): string {
  const e = (JSON.parse(body) as { error: { code: unknown; details?: { reason: string }[] } }).error;
  return e.details?.[0]?.reason ?? String(e.code).toUpperCase();
}

function grpcClient(port: number): AuthorizationClient {
  const pkg = loadPackageDefinition(loadSync(EXTERNAL_AUTH_PROTO, LOADER_OPTIONS)) as unknown as {
    envoy: { service: { auth: { v3: { Authorization: new (addr: string, creds: ReturnType<typeof grpcCredentials.createInsecure>) => AuthorizationClient } } } };
  };
  return new pkg.envoy.service.auth.v3.Authorization(`127.0.0.1:${port}`, grpcCredentials.createInsecure());
}

describe('unknown means refused', () => {
  let up: RecordingUpstream;
  let g: YamlGateway;
  let dir: string;
  let port: number;
  let httpPort: number;
  let client: AuthorizationClient;
  let extProc: ExtProcClient;
  let jwt: string;
  let jwks: string;
  const grpc = (req: CheckRequest) => new Promise<Answer>((resolve, reject) => client.Check(req, (err, res) => (err ? reject(err) : resolve(res))));
  const nothingForwarded = async (fn: () => Promise<void>) => {
    const before = up.seen.length;
    await fn();
    assert.equal(up.seen.length, before, `reached the upstream: ${up.seen.slice(before).map((s) => s.url).join(', ')}`);
  };

  before(async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    jwks = JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256' }] });
    jwt = await new SignJWT({ groups: ['staff'] }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(ISS).setSubject('alice').setIssuedAt().setExpirationTime('1h').sign(pair.privateKey);
    up = await startRecordingUpstream();
    dir = makeTempDir('warden-unknown-');
    g = await startGatewayFromYaml(gatewayYaml(up.url, jwks), { dir, quiet: true });
    port = Number(new URL(g.gw.url).port);
    httpPort = g.gw.extAuthz!.http!.port;
    client = grpcClient(g.gw.extAuthz!.grpc!.port);
    extProc = new ExtProcClient(g.gw.extProc!.port);
  });
  after(async () => {
    client?.close();
    extProc?.close();
    await g?.gw.close();
    await up?.close();
    removeDir(dir);
  });

  it('1: a body without Content-Type and with leading white space is read as JSON, and policy decides on it', async () => {
    await nothingForwarded(async () => {
      for (const [path, body] of [
        ['/openai/v1/chat/completions', '\n{"model":"gpt-4o","messages":[]}'],
        ['/openai/v1/chat/completions', ' {"model":"gpt-4o-mini","stream":true,"messages":[]}'],
        [OPENAPI, '\r\n\t{"model":"google/gemini-2.5-pro","messages":[]}'],
      ] as const) {
        const r = await rawRequest(port, post(path, body, ''));
        assert.equal(r.status, 403, `${path} ${JSON.stringify(body)}: ${r.body}`);
        assert.equal(reasonOf(r.body), 'POLICY_DENIED');
      }
    });
    const g1 = await grpc(check({ path: '/openai/v1/chat/completions', body: '\n{"model":"gpt-4o","messages":[]}', contentType: null, route: 'openai' }));
    assert.equal(g1.status.code, 7, 'gRPC ext_authz denies');
    const h1 = await httpCheck(httpPort, { path: '/openai/v1/chat/completions', body: '\n{"model":"gpt-4o","messages":[]}', contentType: null });
    assert.equal(h1.status, 403, 'HTTP ext_authz denies');
    const p1 = await extProc.decide(proc('/openai/v1/chat/completions', '\n{"model":"gpt-4o","messages":[]}', { contentType: null }));
    assert.deepEqual([p1.status, p1.reason], [403, 'POLICY_DENIED'], 'ext_proc denies');
    // A body without Content-Type that is not JSON, on a call whose body Warden reads: refused, not passed unread.
    const garbage = await rawRequest(port, post(FLASH, 'contents=AKIAIOSFODNN7EXAMPLE', ''));
    assert.equal(garbage.status, 400);
    assert.equal(reasonOf(garbage.body), 'MALFORMED_JSON');
    const pg = await extProc.decide(proc(FLASH, 'contents=AKIAIOSFODNN7EXAMPLE', { contentType: null }));
    assert.deepEqual([pg.status, pg.reason], [400, 'MALFORMED_JSON']);
  });

  it('2: ext_authz with a cut or absent body does not skip guardrails: 413 BODY_TOO_LARGE_TO_SCAN', async () => {
    const whole = await grpc(check({ path: FLASH, body: SECRET_PROMPT }));
    assert.equal(whole.status.code, 7, 'the whole body: GUARDRAIL_BLOCKED');
    const cut = await grpc(check({ path: FLASH, body: SECRET_PROMPT.slice(0, 40), size: Buffer.byteLength(SECRET_PROMPT) }));
    assert.equal(cut.status.code, 3);
    assert.equal(String(cut.deniedResponse?.status?.code), 'PayloadTooLarge');
    assert.equal(reasonOf(cut.deniedResponse!.body), 'BODY_TOO_LARGE_TO_SCAN');
    const none = await grpc(check({ path: FLASH, size: Buffer.byteLength(SECRET_PROMPT) }));
    assert.equal(none.status.code, 3);
    assert.equal(reasonOf(none.deniedResponse!.body), 'BODY_TOO_LARGE_TO_SCAN');
    const partial = await httpCheck(httpPort, { path: FLASH, body: SECRET_PROMPT.slice(0, 40), headers: { 'x-envoy-auth-partial-body': 'true' } });
    assert.equal(partial.status, 413);
    assert.equal(reasonOf(partial.body), 'BODY_TOO_LARGE_TO_SCAN');
    // ext_proc: the whole body is scanned; one it decides on unread (past bodyBufferBytes, held by Envoy, never sent) is not.
    const pw = await extProc.decide(proc(FLASH, SECRET_PROMPT));
    assert.deepEqual([pw.status, pw.reason], [403, 'GUARDRAIL_BLOCKED']);
    for (const unread of [pastBuffer(SECRET_PROMPT), { waitForHeaderAnswer: true }, { mode: 'NONE' as const }]) {
      const pu = await extProc.decide(proc(FLASH, SECRET_PROMPT, unread));
      assert.deepEqual([pu.status, pu.reason], [413, 'BODY_TOO_LARGE_TO_SCAN'], `ext_proc ${JSON.stringify({ ...unread, body: undefined })}`);
    }
  });

  it('ext_proc: a model named in a body it did not read, on a route whose policy needs it: 413 BODY_TOO_LARGE_TO_CLASSIFY', async () => {
    const chat = '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}';
    const whole = await extProc.decide(proc('/openai/v1/chat/completions', chat));
    assert.equal(whole.allowed, true, `the whole body: ${whole.status} ${whole.reason}`);
    for (const unread of [pastBuffer(chat), { waitForHeaderAnswer: true }, { mode: 'NONE' as const }]) {
      const d = await extProc.decide(proc('/openai/v1/chat/completions', chat, unread));
      assert.deepEqual([d.status, d.reason], [413, 'BODY_TOO_LARGE_TO_CLASSIFY'], `ext_proc ${JSON.stringify({ ...unread, body: undefined })}`);
    }
    // Vertex's OpenAI-compatible endpoint alike; a model in the path needs no body.
    const vertex = await extProc.decide(proc(OPENAPI, '', pastBuffer('{"model":"google/gemini-2.0-flash","messages":[]}')));
    assert.equal(vertex.reason, 'BODY_TOO_LARGE_TO_CLASSIFY');
    const inPath = await extProc.decide(proc(FLASH, '{"contents":[]}', { mode: 'NONE' }));
    assert.equal(inPath.reason, 'BODY_TOO_LARGE_TO_SCAN', 'classified from the path; only the guardrails miss the body');
  });

  it('2: with oversize: flag, a cut body passes as UNSCANNED, recorded', async () => {
    const d = makeTempDir('warden-unknown-flag-');
    const g2 = await startGatewayFromYaml(gatewayYaml(up.url, jwks, { oversize: 'flag', audit: true }), { dir: d, quiet: true });
    const c2 = grpcClient(g2.gw.extAuthz!.grpc!.port);
    try {
      const req = check({ path: FLASH, body: SECRET_PROMPT.slice(0, 40), size: Buffer.byteLength(SECRET_PROMPT), headers: { 'x-request-id': 'unscanned-1' } });
      const res = await new Promise<Answer>((resolve, reject) => c2.Check(req, (err, r) => (err ? reject(err) : resolve(r))));
      assert.equal(res.status.code, 0);
      const row = await waitForAuditRow<{ findings: string }>(join(d, 'audit.db'), 'unscanned-1');
      assert.match(row!.findings, /"type":"UNSCANNED"/);
    } finally {
      c2.close();
      await g2.gw.close();
      removeDir(d);
    }
  });

  it('a generation\'s cut body on a route that tracks owners: refused whatever oversize says (it may name another\'s context cache)', async () => {
    const d = makeTempDir('warden-unknown-owner-');
    const g2 = await startGatewayFromYaml(gatewayYaml(up.url, jwks, { oversize: 'flag', ownership: 'owner' }), { dir: d, quiet: true });
    const c2 = grpcClient(g2.gw.extAuthz!.grpc!.port);
    try {
      const req = check({ path: FLASH, body: SECRET_PROMPT.slice(0, 40), size: Buffer.byteLength(SECRET_PROMPT) });
      const res = await new Promise<Answer>((resolve, reject) => c2.Check(req, (err, r) => (err ? reject(err) : resolve(r))));
      assert.equal(res.status.code, 3);
      assert.equal(reasonOf(res.deniedResponse!.body), 'BODY_TOO_LARGE_TO_CLASSIFY');
      // A body read whole that names no cache passes; a model call with no body at all (countTokens by path) is not a generation.
      const whole = await new Promise<Answer>((resolve, reject) => c2.Check(check({ path: FLASH, body: '{"contents":[]}' }), (err, r) => (err ? reject(err) : resolve(r))));
      assert.equal(whole.status.code, 0, whole.status.message);
    } finally {
      c2.close();
      await g2.gw.close();
      removeDir(d);
    }
  });

  it('3: ext_authz removes the caller\'s own credential: an API key as Authorization, a JWT in a cookie', async () => {
    const key = await grpc(check({ path: FLASH, body: SECRET_PROMPT.replace('AKIAIOSFODNN7EXAMPLE', 'x'), headers: { authorization: `Bearer ${API_KEY}` } }));
    assert.equal(key.status.code, 0, key.status.message);
    assert.ok(key.okResponse!.headersToRemove!.includes('authorization'), `headers_to_remove: ${key.okResponse!.headersToRemove}`);
    const keyHttp = await httpCheck(httpPort, { path: FLASH, body: '{"contents":[]}', headers: { authorization: `Bearer ${API_KEY}` } });
    assert.equal(keyHttp.status, 200);
    assert.ok(String(keyHttp.headers[HEADERS_TO_REMOVE]).split(',').includes('authorization'));
    const cookie = await grpc(check({ path: FLASH, body: '{"contents":[]}', headers: { cookie: `theme=dark; session=${jwt}` } }));
    assert.equal(cookie.status.code, 0, cookie.status.message);
    assert.ok(cookie.okResponse!.headersToRemove!.includes('cookie'), `headers_to_remove: ${cookie.okResponse!.headersToRemove}`);
    // ext_proc removes what the proxy would not forward: the same two among them.
    const pk = await extProc.decide(proc(FLASH, '{"contents":[]}', { headers: { authorization: `Bearer ${API_KEY}`, 'x-goog-api-client': 'genai-js' } }));
    assert.equal(pk.allowed, true, `${pk.status} ${pk.reason}`);
    assert.ok(pk.remove!.includes('authorization') && !pk.remove!.includes('x-goog-api-client'), `removed: ${pk.remove}`);
    const pc = await extProc.decide(proc(FLASH, '{"contents":[]}', { headers: { cookie: `theme=dark; session=${jwt}` } }));
    assert.equal(pc.allowed, true, `${pc.status} ${pc.reason}`);
    assert.ok(pc.remove!.includes('cookie'), `removed: ${pc.remove}`);
  });

  it('4: HTTP ext_authz with a policy on the client address is a config error; gRPC carries the address', async () => {
    const d = makeTempDir('warden-unknown-ip-');
    try {
      const ipPolicy = `---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: no-office}
spec:
  action: DENY
  rules: [{from: [{source: {ipBlocks: [10.0.0.0/24]}}]}]
`;
      const file = join(d, 'warden.yaml');
      writeFileSync(file, gatewayYaml('http://127.0.0.1:1', jwks) + ipPolicy);
      await assert.rejects(loadGateway(file), (e: Error) => e instanceof ConfigError && /policy no-office reads the client address/.test(e.message));
      writeFileSync(file, gatewayYaml('http://127.0.0.1:1', jwks).replace(', http: {port: 0, pathPrefix: /check}', '') + ipPolicy);
      await assert.doesNotReject(loadGateway(file));
    } finally {
      removeDir(d);
    }
  });

  it('5: calls that name their model in the body are classified with it, or refused', async () => {
    await nothingForwarded(async () => {
      for (const [path, body, reason] of [
        [`${P}/batchPredictionJobs`, { displayName: 'b', model: 'publishers/google/models/gemini-2.5-pro' }, 'POLICY_DENIED'],
        ['/openai/v1/fine_tuning/jobs', { model: 'gpt-4o', training_file: 'file-1' }, 'POLICY_DENIED'],
        ['/openai/v1/assistants', { model: 'gpt-4o' }, 'POLICY_DENIED'],
        ['/openai/v1/realtime/sessions', { model: 'gpt-4o' }, 'POLICY_DENIED'],
        ['/openai/v1/threads/thread_1/runs', { assistant_id: 'asst_1', model: 'gpt-4o' }, 'POLICY_DENIED'],
        // The model is in the batch's input file, or the assistant's: Warden cannot see it.
        ['/openai/v1/batches', { input_file_id: 'file-1', endpoint: '/v1/chat/completions', completion_window: '24h' }, 'MODEL_UNKNOWN'],
        ['/openai/v1/threads/runs', { assistant_id: 'asst_1' }, 'MODEL_UNKNOWN'],
        ['/openai/v1/chat/completions', { messages: [] }, 'MODEL_UNKNOWN'],
      ] as const) {
        const r = await rawRequest(port, post(path, JSON.stringify(body)));
        assert.equal(reasonOf(r.body), reason, `${path}: ${r.status} ${r.body}`);
      }
    });
    const batch = await grpc(check({ path: `${P}/batchPredictionJobs`, body: JSON.stringify({ model: 'publishers/google/models/gemini-2.5-pro' }) }));
    assert.equal(batch.status.code, 7);
    const tune = await httpCheck(httpPort, { path: '/openai/v1/fine_tuning/jobs', body: JSON.stringify({ model: 'gpt-4o' }) });
    assert.equal(tune.status, 403);
    const pb = await extProc.decide(proc(`${P}/batchPredictionJobs`, JSON.stringify({ model: 'publishers/google/models/gemini-2.5-pro' })));
    assert.deepEqual([pb.status, pb.reason], [403, 'POLICY_DENIED']);
    const pn = await extProc.decide(proc('/openai/v1/batches', JSON.stringify({ input_file_id: 'file-1', endpoint: '/v1/chat/completions', completion_window: '24h' })));
    assert.deepEqual([pn.status, pn.reason], [400, 'MODEL_UNKNOWN']);
  });

  it('6: a non-boolean stream is refused with 400 STREAM_INVALID in the caller\'s protocol', async () => {
    await nothingForwarded(async () => {
      for (const stream of ['"true"', '1']) {
        const r = await rawRequest(port, post('/openai/v1/chat/completions', `{"model":"gpt-4o-mini","stream":${stream},"messages":[]}`));
        assert.equal(r.status, 400);
        assert.equal((JSON.parse(r.body) as { error: { code: string } }).error.code, 'stream_invalid');
      }
      const v = await rawRequest(port, post(OPENAPI, '{"model":"google/gemini-2.0-flash","stream":"true","messages":[]}'));
      assert.equal(reasonOf(v.body), 'STREAM_INVALID');
    });
    const g6 = await grpc(check({ path: '/openai/v1/chat/completions', body: '{"model":"gpt-4o-mini","stream":"true"}', route: 'openai' }));
    assert.equal(g6.status.code, 3);
    const h6 = await httpCheck(httpPort, { path: '/openai/v1/chat/completions', body: '{"model":"gpt-4o-mini","stream":1}' });
    assert.equal(h6.status, 400);
    const p6 = await extProc.decide(proc(OPENAPI, '{"model":"google/gemini-2.0-flash","stream":"true","messages":[]}'));
    assert.deepEqual([p6.status, p6.reason], [400, 'STREAM_INVALID']);
  });

  it('7: a body that names one member twice is refused: the upstream may read the other one', async () => {
    const tool = (key: string, text: string) => ({ role: 'user', parts: [{ [key]: { name: 'lookup', response: { result: text } } }] });
    await nothingForwarded(async () => {
      for (const [path, body] of [
        ['/openai/v1/chat/completions', '{"model":"gpt-4o-mini","model":"gpt-4o","messages":[]}'],
        ['/openai/v1/chat/completions', '{"model":"gpt-4o","mod\\u0065l":"gpt-4o-mini","messages":[]}'],
        [FLASH, `{"contents":[{"role":"user","parts":[{"text":"hi"}]}],"contents":${JSON.stringify([tool('functionResponse', 'AKIAIOSFODNN7EXAMPLE')])}}`],
      ] as const) {
        const r = await rawRequest(port, post(path, body));
        assert.equal(r.status, 400, `${body}: ${r.body}`);
        assert.equal(reasonOf(r.body), 'MALFORMED_JSON');
        assert.match(r.body, /names the same member twice/);
      }
    });
    const dup = '{"model":"gpt-4o-mini","model":"gpt-4o","messages":[]}';
    assert.equal((await grpc(check({ path: '/openai/v1/chat/completions', body: dup, route: 'openai' }))).status.code, 3);
    assert.equal((await httpCheck(httpPort, { path: '/openai/v1/chat/completions', body: dup })).status, 400);
    const p7 = await extProc.decide(proc('/openai/v1/chat/completions', dup));
    assert.deepEqual([p7.status, p7.reason], [400, 'MALFORMED_JSON']);
    // One name in different objects is ordinary JSON.
    const ok = await rawRequest(port, post('/openai/v1/chat/completions', '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"a"},{"role":"user","content":"b"}]}'));
    assert.equal(ok.status, 200, ok.body);
    // A tool result under its proto field name (function_response, which Vertex accepts) is scanned like functionResponse.
    await nothingForwarded(async () => {
      const r = await rawRequest(port, post(FLASH, JSON.stringify({ contents: [tool('function_response', 'deploy with AKIAIOSFODNN7EXAMPLE')] })));
      assert.equal(r.status, 403, r.body);
      assert.equal(reasonOf(r.body), 'GUARDRAIL_BLOCKED');
    });
  });

  it('suspected: an http route with a text/plain body whose model a policy depends on is refused (415)', async () => {
    await nothingForwarded(async () => {
      const r = await rawRequest(port, post('/http/api/generate', '{"model":"llama-forbidden","prompt":"hi"}', 'Content-Type: text/plain\r\n'));
      assert.equal(r.status, 415, r.body);
      assert.equal(reasonOf(r.body), 'CONTENT_TYPE_UNSUPPORTED');
    });
    const g7 = await grpc(check({ path: '/http/api/generate', body: '{"model":"llama-forbidden"}', contentType: 'text/plain', route: 'generic' }));
    assert.equal(g7.status.code, 3);
    const p7 = await extProc.decide(proc('/http/api/generate', '{"model":"llama-forbidden"}', { contentType: 'text/plain' }));
    assert.deepEqual([p7.status, p7.reason], [415, 'CONTENT_TYPE_UNSUPPORTED']);
    // A JSON body naming no model on a generic upstream is fine: its API may have none.
    const ok = await rawRequest(port, post('/http/api/other', '{"prompt":"hi"}'));
    assert.equal(ok.status, 200);
  });

  it('suspected: ext_authz classifies the normalized path, as the proxy does', async () => {
    const path = `${P}/publishers/google/models/gemini-2.0-flash/../gemini-2.5-pro:generateContent`;
    assert.equal((await grpc(check({ path, body: '{"contents":[]}' }))).status.code, 7);
    assert.equal((await httpCheck(httpPort, { path, body: '{"contents":[]}' })).status, 403);
    assert.equal((await extProc.decide(proc(path, '{"contents":[]}'))).status, 403);
  });

  it('ext_proc: the request target read as the proxy reads it; a model it cannot classify refused (MODEL_INVALID)', async () => {
    // Absolute-form is what a broken data plane might send: its authority must be the :authority Envoy routes by.
    const same = await extProc.decide(proc(`https://${HOST}${P}/publishers/google/models/gemini-2.5-pro:generateContent`, '{"contents":[]}'));
    assert.deepEqual([same.status, same.reason], [403, 'POLICY_DENIED'], 'classified from the absolute-form target');
    const other = await extProc.decide(proc(`http://elsewhere.example${P}/publishers/google/models/gemini-2.0-flash:generateContent`, '{"contents":[]}'));
    assert.deepEqual([other.status, other.reason], [400, 'REQUEST_TARGET_INVALID']);
    const allowed = await extProc.decide(proc(`https://${HOST}${P}/publishers/google/models/gemini-2.0-flash:generateContent`, '{"contents":[]}'));
    assert.equal(allowed.set?.[':path'], `${P}/publishers/google/models/gemini-2.0-flash:generateContent`, 'Envoy forwards the origin-form path');
    const star = await extProc.decide(proc('*', undefined, { method: 'OPTIONS' }));
    assert.deepEqual([star.status, star.reason], [400, 'REQUEST_TARGET_INVALID']);
    const hidden = await extProc.decide(proc(`${P}/publishers/google/models/gemini-2.0-flash%2F..%2Fgemini-2.5-pro:generateContent`, '{"contents":[]}'));
    assert.deepEqual([hidden.status, hidden.reason], [400, 'MODEL_INVALID']);
  });
});

describe('HTTP ext_authz and x-forwarded-client-cert', () => {
  it('suspected: an XFCC in an HTTP check is not believed, though the peer is a trusted proxy; a DENY on principals refuses', async () => {
    const up = await startRecordingUpstream();
    const d = makeTempDir('warden-unknown-xfcc-');
    const g3 = await startGatewayFromYaml(
      `apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: t}
spec:
  listen: {host: 127.0.0.1, port: 0}
  extAuthz: {timeout: 5s, grpc: {port: 0}, http: {port: 0, pathPrefix: /check}}
  identity: {trustedProxies: [{address: 127.0.0.1}]}
  routes:
    - {name: vertex, provider: vertex, upstream: "${up.url}"}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: not-from-sandbox}
spec:
  action: DENY
  rules: [{from: [{source: {namespaces: [sandbox]}}]}]
`,
      { dir: d, quiet: true },
    );
    const c3 = grpcClient(g3.gw.extAuthz!.grpc!.port);
    try {
      // A sandbox workload writes itself an XFCC naming another namespace.
      const forged = await httpCheck(g3.gw.extAuthz!.http!.port, {
        path: FLASH,
        body: '{"contents":[]}',
        headers: { 'x-forwarded-client-cert': 'By=spiffe://cluster.local/ns/istio-system/sa/gw;URI=spiffe://cluster.local/ns/ml/sa/trainer' },
      });
      assert.equal(forged.status, 403, forged.body);
      assert.equal(reasonOf(forged.body), 'SOURCE_UNKNOWN');
      // gRPC carries the principal Envoy verified.
      const req = check({ path: FLASH, body: '{"contents":[]}' });
      req.attributes!.source!.principal = 'spiffe://cluster.local/ns/ml/sa/trainer';
      const ok = await new Promise<Answer>((resolve, reject) => c3.Check(req, (err, r) => (err ? reject(err) : resolve(r))));
      assert.equal(ok.status.code, 0);
      req.attributes!.source!.principal = 'spiffe://cluster.local/ns/sandbox/sa/x';
      const denied = await new Promise<Answer>((resolve, reject) => c3.Check(req, (err, r) => (err ? reject(err) : resolve(r))));
      assert.equal(denied.status.code, 7);
    } finally {
      c3.close();
      await g3.gw.close();
      await up.close();
      removeDir(d);
    }
  });
});
