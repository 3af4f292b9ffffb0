// ext_authz over gRPC, as Envoy calls it: a client built from Envoy's own
// proto files replays the CheckRequests an Istio gateway sends, and every
// field of each CheckResponse is checked.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { credentials, loadPackageDefinition, type Client, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { LOADER_OPTIONS } from '../../src/envoy-api/load.js';
import { EXTERNAL_AUTH_PROTO, type CheckRequest } from '../../src/extauthz/proto.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { MODEL_PATH, PROMPT, TRAINER, TRAINING_PATH, meshConfig, sidecarCheck } from './mesh.js';
import { until } from '../helpers/process.js';

interface Answer {
  status: { code: number; message?: string };
  okResponse?: { headers: { header: { key: string; value: string }; appendAction?: string }[]; headersToRemove: string[]; queryParametersToRemove?: string[] };
  deniedResponse?: { status: { code: string }; headers: { header: { key: string; value: string }; appendAction?: string }[]; body: string };
  dynamicMetadata?: { fields: Record<string, { stringValue: string }> };
  httpResponse?: string;
}
type AuthorizationClient = Client & {
  Check(req: CheckRequest, cb: (err: ServiceError | null, res: Answer) => void): void;
};

const fields = (a: Answer) => Object.fromEntries(Object.entries(a.dynamicMetadata?.fields ?? {}).map(([k, v]) => [k, v.stringValue]));
const headerMap = (hs: { header: { key: string; value: string }; appendAction?: string }[]) => {
  for (const h of hs) assert.equal(h.appendAction, 'OVERWRITE_IF_EXISTS_OR_ADD', `header ${h.header.key} must replace what the caller sent`);
  return Object.fromEntries(hs.map((h) => [h.header.key, h.header.value]));
};

describe('ext_authz gRPC (envoy.service.auth.v3.Authorization/Check)', () => {
  let s: Stack;
  let client: AuthorizationClient;
  const check = (req: CheckRequest) =>
    new Promise<Answer>((resolve, reject) => client.Check(req, (err, res) => (err ? reject(err) : resolve(res))));

  before(async () => {
    s = await startStack(meshConfig);
    const pkg = loadPackageDefinition(loadSync(EXTERNAL_AUTH_PROTO, LOADER_OPTIONS)) as unknown as {
      envoy: { service: { auth: { v3: { Authorization: new (addr: string, creds: ReturnType<typeof credentials.createInsecure>) => AuthorizationClient } } } };
    };
    client = new pkg.envoy.service.auth.v3.Authorization(`127.0.0.1:${s.gw.extAuthz!.grpc!.port}`, credentials.createInsecure());
  });
  after(async () => {
    client?.close();
    await s?.close();
  });

  it('allows a mesh workload with a valid token: Warden-minted Google token upstream, caller credentials removed', async () => {
    const token = await s.token('alice', ['ml-engineers']);
    const res = await check(sidecarCheck({ path: `${MODEL_PATH}:generateContent`, token, body: PROMPT, requestId: 'grpc-allow-1' }));

    assert.deepEqual(res.status, { code: 0 });
    assert.equal(res.httpResponse, 'okResponse');
    assert.equal(res.deniedResponse, undefined);
    const ok = res.okResponse!;
    const upstream = headerMap(ok.headers);
    assert.deepEqual(Object.keys(upstream), ['authorization']);
    const minted = /^Bearer (.+)$/.exec(upstream.authorization)?.[1];
    assert.ok(minted && minted !== token, 'the upstream token is Warden’s own, not the caller’s');
    assert.equal(s.emu.isValidAccessToken(minted), true, 'the emulator accepts the minted token');
    // Warden overwrites `authorization`; everything else that can carry a credential goes.
    assert.ok(!ok.headersToRemove.includes('authorization'));
    assert.deepEqual([...ok.headersToRemove].sort(), ['x-api-key', 'x-forwarded-client-cert', 'x-goog-api-key']);
    assert.deepEqual(fields(res), {
      requestId: 'grpc-allow-1',
      decision: 'allow',
      principal: `${s.emu.issuer}/alice`,
      sourcePrincipal: TRAINER.slice('spiffe://'.length),
      policy: 'ml-engineers',
      reason: fields(res).reason,
      route: 'vertex',
      model: 'gemini-2.0-flash',
      operation: 'generateContent',
    });
    assert.match(fields(res).reason, /ml-engineers/);

    // The minted token really works: call the emulator as Envoy then would.
    const up = await fetch(`${s.emu.url}${MODEL_PATH}:generateContent`, {
      method: 'POST',
      headers: { authorization: upstream.authorization, 'content-type': 'application/json' },
      body: PROMPT,
    });
    assert.equal(up.status, 200);
  });

  it('takes a token from the access_token parameter and has Envoy remove it (query_parameters_to_remove)', async () => {
    const token = await s.token('alice', ['ml-engineers']);
    const path = `${MODEL_PATH}:generateContent?alt=json&access_token=${token}&x=%24y`;
    const res = await check(sidecarCheck({ path, body: PROMPT, requestId: 'grpc-query-1' }));

    assert.deepEqual(res.status, { code: 0 });
    const ok = res.okResponse!;
    assert.deepEqual(ok.queryParametersToRemove, ['access_token'], 'only the consumed parameter goes');
    const upstream = headerMap(ok.headers);
    assert.deepEqual(Object.keys(upstream), ['authorization']);
    assert.ok(!upstream.authorization.includes(token), 'the caller’s token never goes upstream');
    assert.equal(fields(res).principal, `${s.emu.issuer}/alice`);

    // The same token in the header and the query: the header's is used, and the query's copy still goes.
    const both = await check(sidecarCheck({ path, token, body: PROMPT, requestId: 'grpc-query-3' }));
    assert.deepEqual(both.status, { code: 0 });
    assert.deepEqual(both.okResponse!.queryParametersToRemove, ['access_token']);

    // Without a consumed token nothing is asked of the query.
    const plain = await check(sidecarCheck({ path: `${MODEL_PATH}:generateContent?alt=json`, token, body: PROMPT, requestId: 'grpc-query-2' }));
    assert.deepEqual(plain.status, { code: 0 });
    assert.deepEqual(plain.okResponse!.queryParametersToRemove ?? [], []);
  });

  it('denies by policy with PERMISSION_DENIED and a 403 google.rpc.Status body', async () => {
    const token = await s.token('bob', ['analysts']);
    const res = await check(sidecarCheck({ path: TRAINING_PATH, token, body: '{"displayName":"job"}', requestId: 'grpc-deny-1' }));

    assert.deepEqual(res.status, { code: 7, message: 'permission denied by policy' });
    assert.equal(res.httpResponse, 'deniedResponse');
    assert.equal(res.okResponse, undefined);
    const denied = res.deniedResponse!;
    assert.equal(denied.status.code, 'Forbidden');
    assert.deepEqual(headerMap(denied.headers), { 'content-type': 'application/json; charset=UTF-8', 'x-request-id': 'grpc-deny-1' });
    const body = JSON.parse(denied.body) as { error: { code: number; status: string; message: string; details: { reason: string; metadata: { requestId: string } }[] } };
    assert.equal(body.error.code, 403);
    assert.equal(body.error.status, 'PERMISSION_DENIED');
    assert.equal(body.error.details[0].reason, 'POLICY_DENIED');
    assert.equal(body.error.details[0].metadata.requestId, 'grpc-deny-1');
    const meta = fields(res);
    assert.equal(meta.decision, 'deny');
    assert.equal(meta.principal, `${s.emu.issuer}/bob`);
    assert.equal(meta.reason, 'POLICY_DENIED');
    assert.equal(meta.operation, 'training.create');
    assert.equal(meta.policy, undefined, 'no policy matched: the default (no ALLOW matched) decided');
  });

  it('refuses an invalid token with UNAUTHENTICATED, 401 and WWW-Authenticate', async () => {
    const res = await check(sidecarCheck({ path: `${MODEL_PATH}:generateContent`, token: 'not.a.jwt', body: PROMPT, requestId: 'grpc-unauth-1' }));

    assert.equal(res.status.code, 16);
    assert.equal(res.httpResponse, 'deniedResponse');
    const denied = res.deniedResponse!;
    assert.equal(denied.status.code, 'Unauthorized');
    const headers = headerMap(denied.headers);
    assert.match(headers['www-authenticate'], /^Bearer realm="warden"/);
    assert.equal(headers['x-request-id'], 'grpc-unauth-1');
    const body = JSON.parse(denied.body) as { error: { code: number; status: string } };
    assert.deepEqual([body.error.code, body.error.status], [401, 'UNAUTHENTICATED']);
    // identify refused the request: no principal, no policy; what was called is still said.
    const { reason, ...meta } = fields(res);
    assert.deepEqual(meta, { requestId: 'grpc-unauth-1', decision: 'deny', route: 'vertex', model: 'gemini-2.0-flash', operation: 'generateContent' });
    assert.match(reason, /^TOKEN_/);
  });

  it('denies a mesh workload outside the allowed namespace even with the right group', async () => {
    const token = await s.token('carol', ['ml-engineers']);
    const res = await check(sidecarCheck({ path: `${MODEL_PATH}:generateContent`, token, body: PROMPT, requestId: 'grpc-ns-1', source: 'spiffe://cluster.local/ns/web/sa/frontend' }));
    assert.equal(res.status.code, 7);
    assert.equal(fields(res).sourcePrincipal, 'cluster.local/ns/web/sa/frontend');
  });

  it('refuses a route context_extensions names but the config does not have', async () => {
    const res = await check(sidecarCheck({ path: `${MODEL_PATH}:generateContent`, body: PROMPT, requestId: 'grpc-route-1', contextExtensions: { route: 'nope' } }));
    assert.equal(res.status.code, 5);
    assert.equal(res.deniedResponse!.status.code, 'NotFound');
    assert.match(JSON.parse(res.deniedResponse!.body).error.message, /no route named "nope"/);
  });

  it('refuses a malformed JSON body Envoy sent with the check', async () => {
    const token = await s.token('alice', ['ml-engineers']);
    const res = await check(sidecarCheck({ path: `${MODEL_PATH}:generateContent`, token, body: '{"contents": [', requestId: 'grpc-json-1' }));
    assert.equal(res.status.code, 3);
    assert.equal(res.deniedResponse!.status.code, 'BadRequest');
  });

  it('records every check like a proxied request', async () => {
    const line = (id: string) => s.logs.find((l) => l.requestId === id);
    await until(() => ['grpc-allow-1', 'grpc-deny-1', 'grpc-unauth-1'].every((id) => line(id)), 'the checks\' access log lines');
    assert.deepEqual(
      ['grpc-allow-1', 'grpc-deny-1', 'grpc-unauth-1'].map((id) => [line(id)?.decision, line(id)?.status]),
      [['allow', 200], ['deny', 403], ['deny', 401]],
    );
    assert.equal(line('grpc-allow-1')?.policy, 'ml-engineers');
    assert.equal(line('grpc-allow-1')?.model, 'gemini-2.0-flash');
  });
});
