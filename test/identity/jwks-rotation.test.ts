// A verified token is cached, but only under the key set that verified it:
// when the issuer's keys change, a cached token is verified again against the
// new ones. Two rotations a cached verification used to survive: a new key
// published under the old kid, and keys without a kid (the token names none).
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { closeServer, listen } from '../helpers/http-server.js';
import { until } from '../helpers/process.js';
import { gatewayYaml, startEcho, startTestGateway, type Echo, type TestGateway } from './helpers.js';

const ISS = 'https://rotating.example';

describe('cached JWT verifications across a key rotation', () => {
  let echo: Echo;
  let t: TestGateway;
  let jwksUrl: string;
  let closeJwks: () => Promise<void>;
  /** What the issuer's JWKS endpoint serves now, and how often it was fetched. */
  let served: { keys: JWK[] } = { keys: [] };
  let fetches = 0;

  before(async () => {
    const server = createServer((_req, res) => {
      fetches++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(served));
    });
    jwksUrl = `${await listen(server)}/jwks`;
    closeJwks = () => closeServer(server);
    echo = await startEcho();
  });
  after(async () => {
    await t?.close();
    await echo.close();
    await closeJwks();
  });

  async function keyPair(kid?: string) {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    return { jwk: { ...(await exportJWK(publicKey)), alg: 'RS256', use: 'sig', ...(kid ? { kid } : {}) }, privateKey };
  }
  const sign = (privateKey: CryptoKey, kid?: string) =>
    new SignJWT({ iss: ISS, sub: 'alice', aud: 'warden' })
      .setProtectedHeader({ alg: 'RS256', ...(kid ? { kid } : {}) })
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);

  let n = 0;
  const call = async (token: string) => {
    const id = `rot-${++n}`;
    const res = await fetch(`${t.gw.url}/v1/things`, { headers: { 'x-request-id': id, authorization: `Bearer ${token}` } });
    await res.arrayBuffer();
    return { status: res.status, id };
  };
  /** Serves `keys` from now on and waits for the gateway's background refresh to have fetched them. */
  async function rotate(keys: JWK[]) {
    served = { keys };
    const seen = fetches;
    await until(() => fetches >= seen + 2, 'two background JWKS refreshes'); // the second began after the swap
  }

  for (const kid of ['k1', undefined]) {
    it(kid ? 'verifies a cached token again when its kid now names another key' : 'verifies a cached token without a kid again when the keys change', async () => {
      const [a, b] = [await keyPair(kid), await keyPair(kid)];
      served = { keys: [a.jwk] };
      await t?.close();
      t = await startTestGateway(() =>
        gatewayYaml(echo.url, `  identity:
    jwt: {jwksRefreshInterval: 100ms}
`) + `---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: rotating}
spec:
  jwtRules: [{issuer: ${ISS}, audiences: [warden], jwksUri: '${jwksUrl}'}]
`);
      const old = await sign(a.privateKey, kid);
      assert.equal((await call(old)).status, 200);
      assert.equal((await call(old)).status, 200, 'served from the cache');

      // The same keys fetched again: the cached verification stands.
      await rotate([a.jwk]);
      assert.equal((await call(old)).status, 200);

      // Key a is gone; b is published in its place (under the same kid, or with none).
      await rotate([b.jwk]);
      const refused = await call(old);
      assert.equal(refused.status, 401, 'a token only the removed key vouched for is refused');
      await until(() => !!t.logOf(refused.id), 'the access log line');
      assert.equal(t.logOf(refused.id)!.error, 'SIGNATURE_INVALID');
      assert.equal((await call(await sign(b.privateKey, kid))).status, 200, 'the new key verifies');
    });
  }
});
