// API keys (hashes only; Bearer, x-api-key, x-goog-api-key), XFCC trusted by
// proxy address, and Warden's own identity token for the upstream, checked
// against the public keys on the admin port.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { gatewayYaml, startEcho, startTestGateway, type Echo, type TestGateway } from './helpers.js';
import { until } from '../helpers/process.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const BATCH_KEY = 'wk_batch_7f3a9c0e5b2d4a1f';
const FILE_KEY = 'wk_nightly_0c1d2e3f4a5b6c7d';
const ISS = 'https://idp.example';

describe('API keys, trusted proxies by address, identity to the upstream', () => {
  let echo: Echo;
  let trusting: TestGateway;
  let distrusting: TestGateway;
  let idpKey: CryptoKey;

  before(async () => {
    echo = await startEcho();
    const pair = await generateKeyPair('ES256');
    idpKey = pair.privateKey as CryptoKey;
    const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'i1' }] });
    const identityRoute = `    - name: model-server
      provider: http
      match: {pathPrefix: /identity}
      upstream: ${echo.url}
      identityToken: {header: x-warden-identity, audience: model-server, ttl: 30s}
`;
    trusting = await startTestGateway(
      () =>
        gatewayYaml(echo.url, `  identity:
    trustedProxies: [{address: 127.0.0.0/8}]
    apiKeys:
      file: keys.yaml
      keys: [{name: batch, sha256: ${sha256(BATCH_KEY)}, groups: [batch-jobs]}]
`, identityRoute) + `---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: idp}
spec:
  jwtRules: [{issuer: ${ISS}, jwks: '${jwks}'}]
`,
      { 'keys.yaml': `keys:\n  - {name: nightly, sha256: ${sha256(FILE_KEY)}, principal: svc/nightly, groups: [reports]}\n` },
    );
    distrusting = await startTestGateway(() => gatewayYaml(echo.url, `  identity:
    trustedProxies: [{address: 10.0.0.0/8}]
`));
  });
  after(async () => {
    await trusting.close();
    await distrusting.close();
    await echo.close();
  });

  let n = 0;
  async function call(t: TestGateway, headers: Record<string, string>, path = '/v1/things') {
    const id = `kp-${++n}`;
    const res = await fetch(t.gw.url + path, { headers: { 'x-request-id': id, ...headers } });
    await res.arrayBuffer();
    await until(() => t.logOf(id) !== undefined, `the access log line of ${id}`);
    return { status: res.status, log: t.logOf(id)! };
  }

  const places: [string, Record<string, string>][] = [
    ['Authorization: Bearer', { authorization: `Bearer ${BATCH_KEY}` }],
    ['x-api-key', { 'x-api-key': BATCH_KEY }],
    ['x-goog-api-key', { 'x-goog-api-key': BATCH_KEY }],
  ];
  for (const [where, headers] of places) {
    it(`accepts the right key in ${where} and never forwards it`, async () => {
      const r = await call(trusting, headers);
      assert.equal(r.status, 200);
      assert.equal(r.log.principal, 'api-key/batch');
      assert.deepEqual(r.log.authMethods, ['api-key']);
      assert.equal(echo.last!.headers.authorization, undefined);
      assert.equal(echo.last!.headers['x-api-key'], undefined);
      assert.equal(echo.last!.headers['x-goog-api-key'], undefined);
    });
  }

  it('reads keys from the key file, with their own principal', async () => {
    const r = await call(trusting, { 'x-api-key': FILE_KEY });
    assert.equal(r.status, 200);
    assert.equal(r.log.principal, 'svc/nightly');
  });

  it('refuses a wrong key with 401 API_KEY_INVALID', async () => {
    const wrong: Record<string, string>[] = [{ 'x-api-key': `${BATCH_KEY}x` }, { authorization: 'Bearer wk_guess' }, { 'x-goog-api-key': 'AIzaSyWrong' }];
    for (const headers of wrong) {
      const r = await call(trusting, headers);
      assert.equal(r.status, 401);
      assert.equal(r.log.error, 'API_KEY_INVALID');
    }
  });

  it('refuses an API key and a JWT together', async () => {
    const jwt = await new SignJWT({ sub: 'alice' }).setProtectedHeader({ alg: 'ES256', kid: 'i1' }).setIssuer(ISS).setExpirationTime('5m').sign(idpKey);
    assert.equal((await call(trusting, { authorization: `Bearer ${jwt}` })).status, 200);
    const r = await call(trusting, { authorization: `Bearer ${jwt}`, 'x-api-key': BATCH_KEY });
    assert.equal(r.status, 401);
    assert.equal(r.log.error, 'TOKEN_AMBIGUOUS');
  });

  it('believes XFCC from a trusted proxy address, and records how', async () => {
    const r = await call(trusting, { 'x-forwarded-client-cert': 'By=spiffe://cluster.local/ns/istio-system/sa/gw;URI=spiffe://cluster.local/ns/ml/sa/notebook' });
    assert.equal(r.status, 200);
    assert.equal(r.log.principal, 'cluster.local/ns/ml/sa/notebook');
    assert.deepEqual(r.log.authMethods, ['xfcc']);
    assert.equal(echo.last!.headers['x-forwarded-client-cert'], undefined);
  });

  it('ignores XFCC from an address that is not trusted, and strips it', async () => {
    const r = await call(distrusting, { 'x-forwarded-client-cert': 'By=x;URI=spiffe://cluster.local/ns/ml/sa/notebook' });
    assert.equal(r.status, 200);
    assert.equal(r.log.principal, undefined);
    assert.deepEqual(r.log.authMethods, []);
    assert.equal(echo.last!.headers['x-forwarded-client-cert'], undefined);
  });

  it("sends a short-lived Warden JWT the upstream can verify with the admin port's keys", async () => {
    const r = await call(trusting, { 'x-api-key': BATCH_KEY, 'x-warden-identity': 'spoofed', 'x-forwarded-client-cert': 'URI=spiffe://td/ns/a/sa/b' }, '/identity/v1/x');
    assert.equal(r.status, 200);
    const token = String(echo.last!.headers['x-warden-identity']);
    assert.notEqual(token, 'spoofed');
    const keys = createRemoteJWKSet(new URL(`${trusting.gw.adminUrl}/.well-known/warden/jwks.json`));
    const { payload } = await jwtVerify(token, keys, { issuer: 'warden', audience: 'model-server' });
    assert.equal(payload.sub, 'api-key/batch');
    assert.deepEqual(payload.groups, ['batch-jobs']);
    assert.equal(payload.source_principal, 'td/ns/a/sa/b');
    assert.equal(payload.request_id, r.log.requestId);
    assert.equal(payload.exp! - payload.iat!, 30);
    // A route without identityToken sends none.
    await call(trusting, { 'x-api-key': BATCH_KEY });
    assert.equal(echo.last!.headers['x-warden-identity'], undefined);
  });
});
