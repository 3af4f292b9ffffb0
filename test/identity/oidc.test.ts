// JWT identity against a real OIDC provider (oidc-provider on loopback):
// discovery, client_credentials tokens, key rotation without restart, and
// what happens when the issuer goes away.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generateKeyPair, SignJWT } from 'jose';
import { gatewayYaml, RESOURCE, startEcho, startIssuer, startTestGateway, type Echo, type Issuer, type TestGateway } from './helpers.js';

describe('JWT identity with a real OIDC provider', () => {
  let idp: Issuer;
  let echo: Echo;
  let t: TestGateway;
  before(async () => {
    idp = await startIssuer();
    echo = await startEcho();
    t = await startTestGateway(() =>
      gatewayYaml(echo.url, `  identity:
    jwt: {jwksMinRefetchInterval: 50ms, clockSkew: 5s}
`) + `---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: idp}
spec:
  jwtRules:
    - issuer: ${idp.issuer}
      audiences: [${RESOURCE}]
      outputClaimToHeaders: [{header: x-sub, claim: client_id}]
`,
    );
  });
  after(async () => {
    await t.close();
    await echo.close();
    await idp.close();
  });

  const call = (token: string | undefined, id: string) =>
    fetch(`${t.gw.url}/v1/models`, { headers: { 'x-request-id': id, ...(token ? { authorization: `Bearer ${token}` } : {}) } });

  it('finds the keys by OIDC discovery and accepts a client_credentials token', async () => {
    const token = await idp.clientCredentials();
    const res = await call(token, 'cc-1');
    assert.equal(res.status, 200);
    assert.ok(idp.hits.includes('/.well-known/openid-configuration'), 'discovery document was read');
    assert.ok(idp.hits.some((h) => h.startsWith('/jwks')), 'key set was fetched from the discovered jwks_uri');
    // The caller's token is consumed; the jwtRule's claim header is added.
    assert.equal(echo.last!.headers.authorization, undefined);
    assert.equal(echo.last!.headers['x-sub'], 'batch-job');
    await settle();
    const log = t.logOf('cc-1')!;
    assert.equal(log.principal, `${idp.issuer}/batch-job`);
  });

  it('a request without a token has no principal (policy decides; here none, so allowed)', async () => {
    const res = await call(undefined, 'anon-1');
    assert.equal(res.status, 200);
    await settle();
    assert.equal(t.logOf('anon-1')!.principal, undefined);
  });

  it('verifies a hot token once: later requests do not touch the issuer', async () => {
    const token = await idp.clientCredentials();
    assert.equal((await call(token, 'hot-1')).status, 200);
    const hits = idp.hits.length;
    for (let i = 0; i < 5; i++) assert.equal((await call(token, `hot-${i + 2}`)).status, 200);
    assert.equal(idp.hits.length, hits);
  });

  it('accepts a rotated key without restart and drops the old one', async () => {
    const old = await idp.clientCredentials();
    assert.equal((await call(old, 'rot-0')).status, 200);
    await idp.rotate();
    await sleep(60); // past the refetch rate limit
    const fresh = await idp.clientCredentials();
    assert.notEqual(kidOf(fresh), kidOf(old));
    assert.equal((await call(fresh, 'rot-1')).status, 200, 'unknown kid triggered one refetch');
    // The old token was verified and cached before, but its key is gone now.
    const res = await call(old, 'rot-2');
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer /);
    await settle();
    assert.equal(t.logOf('rot-2')!.error, 'KEY_UNKNOWN');
  });

  it('keeps the last good key set while the issuer is down; an unknown kid fails closed', async () => {
    const unseen = await idp.clientCredentials(); // signed with the current key, never presented yet
    idp.mode = 'down';
    try {
      await sleep(60);
      assert.equal((await call(unseen, 'down-1')).status, 200, 'cached keys still verify');
      const { privateKey } = await generateKeyPair('RS256');
      const forged = await new SignJWT({ client_id: 'mallory' })
        .setProtectedHeader({ alg: 'RS256', kid: 'not-in-the-set' })
        .setIssuer(idp.issuer)
        .setAudience(RESOURCE)
        .setSubject('mallory')
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey);
      const res = await call(forged, 'down-2');
      assert.equal(res.status, 401);
      await settle();
      assert.equal(t.logOf('down-2')!.error, 'KEY_UNKNOWN');
      assert.ok(t.logs.some((l) => l.msg?.toString().includes('JWKS fetch failed')), 'the failed refetch is logged');
    } finally {
      idp.mode = 'up';
    }
  });
});

describe('JWKS refresh and refetch limits', () => {
  let idp: Issuer;
  let echo: Echo;
  let refreshing: TestGateway;
  let limited: TestGateway;
  const config = (jwt: string) => () =>
    gatewayYaml(echo.url, `  identity:\n    jwt: ${jwt}\n`) + `---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: idp}
spec:
  jwtRules: [{issuer: ${idp.issuer}, jwksUri: ${idp.issuer}/jwks}]
`;
  before(async () => {
    idp = await startIssuer();
    echo = await startEcho();
    refreshing = await startTestGateway(config('{jwksRefreshInterval: 100ms}'));
    limited = await startTestGateway(config('{jwksMinRefetchInterval: 1h}'));
  });
  after(async () => {
    await refreshing.close();
    await limited.close();
    await echo.close();
    await idp.close();
  });
  const jwksHits = () => idp.hits.filter((h) => h.startsWith('/jwks')).length;

  it('refreshes the key set in the background, without requests', async () => {
    const start = jwksHits();
    for (let i = 0; i < 100 && jwksHits() < start + 2; i++) await sleep(50);
    assert.ok(jwksHits() >= start + 2, `background refreshes seen: ${jwksHits() - start}`);
  });

  it('a flood of unknown kids does not hammer the issuer', async () => {
    await refreshing.close(); // its refresh timer would blur the count
    const good = await idp.clientCredentials();
    assert.equal((await fetch(`${limited.gw.url}/x`, { headers: { authorization: `Bearer ${good}` } })).status, 200);
    const { privateKey } = await generateKeyPair('RS256');
    const before = jwksHits();
    for (let i = 0; i < 30; i++) {
      const forged = await new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: `forged-${i}` }).setIssuer(idp.issuer).setSubject('x').setExpirationTime('5m').sign(privateKey);
      const res = await fetch(`${limited.gw.url}/x`, { headers: { authorization: `Bearer ${forged}` } });
      assert.equal(res.status, 401);
    }
    // The key set was fetched at start; unknown-kid refetches are held to one per hour.
    assert.equal(jwksHits() - before, 0, `issuer fetched ${jwksHits() - before} times for 30 forged tokens`);
  });
});

function kidOf(token: string): string | undefined {
  return JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()).kid;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Access log lines are written after the response; give the event loop a turn. */
function settle(): Promise<void> {
  return sleep(20);
}
