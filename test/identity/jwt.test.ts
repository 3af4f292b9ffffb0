// JWT rules end to end through the gateway: the table of bad tokens (each a
// 401 with its own reason in the access log), token locations, per-issuer
// algorithm allow-lists and what a jwtRule sends upstream.
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { gatewayYaml, startEcho, startTestGateway, type Echo, type TestGateway } from './helpers.js';
import { until } from '../helpers/process.js';

const ISS = 'https://idp.example';
const STRICT = 'https://strict.example';

describe('JWT rules', () => {
  let echo: Echo;
  let t: TestGateway;
  let key: CryptoKey;
  let other: CryptoKey;
  let ecKey: CryptoKey;
  let publicPem: string;
  const now = () => Math.floor(Date.now() / 1000);

  before(async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    key = pair.privateKey as CryptoKey;
    other = (await generateKeyPair('RS256')).privateKey as CryptoKey;
    publicPem = createPublicKey({ key: (await exportJWK(pair.publicKey)) as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string;
    const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }] });
    const ec = await generateKeyPair('ES256');
    ecKey = ec.privateKey as CryptoKey;
    const strictJwks = JSON.stringify({ keys: [{ ...(await exportJWK(ec.publicKey)), kid: 'e1' }, { ...(await exportJWK(pair.publicKey)), kid: 'k1' }] });
    echo = await startEcho();
    t = await startTestGateway(() =>
      gatewayYaml(echo.url, `  identity:
    jwt:
      clockSkew: 30s
      issuers: [{issuer: ${STRICT}, algorithms: [ES256]}]
`) + `---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: idp}
spec:
  jwtRules:
    - issuer: ${ISS}
      audiences: [warden]
      jwks: '${jwks}'
      outputPayloadToHeader: x-payload
      outputClaimToHeaders: [{header: x-tenant, claim: org.tenant}]
      spaceDelimitedClaims: [roles]
    - issuer: ${STRICT}
      jwks: '${strictJwks}'
      fromHeaders: [{name: x-jwt, prefix: 'JWT '}]
      fromCookies: [session]
      forwardOriginalToken: true
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: deny-readers}
spec:
  action: DENY
  rules:
    - when: [{key: 'request.auth.claims[roles]', values: [reader]}]
`,
    );
  });
  after(async () => {
    await t.close();
    await echo.close();
  });

  const sign = (claims: JWTPayload, o: { alg?: string; kid?: string; with?: CryptoKey | Uint8Array } = {}) =>
    new SignJWT({ iss: ISS, sub: 'alice', aud: 'warden', iat: now(), exp: now() + 300, ...claims })
      .setProtectedHeader({ alg: o.alg ?? 'RS256', kid: o.kid ?? 'k1' })
      .sign(o.with ?? key);

  let n = 0;
  const call = async (o: { token?: string; headers?: Record<string, string>; query?: string }) => {
    const id = `jwt-${++n}`;
    const res = await fetch(`${t.gw.url}/v1/things${o.query ?? ''}`, {
      headers: { 'x-request-id': id, ...(o.token !== undefined ? { authorization: `Bearer ${o.token}` } : {}), ...o.headers },
    });
    const text = await res.text();
    await until(() => t.logOf(id) !== undefined, `the access log line of ${id}`);
    return { status: res.status, www: res.headers.get('www-authenticate'), reason: t.logOf(id)?.error, log: t.logOf(id), text };
  };

  it('accepts a good token and records the request principal', async () => {
    const r = await call({ token: await sign({}) });
    assert.equal(r.status, 200);
    assert.equal(r.log!.principal, `${ISS}/alice`);
  });

  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const table: [string, () => Promise<{ token?: string; headers?: Record<string, string>; query?: string }>, string][] = [
    ['bad signature', async () => ({ token: await sign({}, { with: other }) }), 'SIGNATURE_INVALID'],
    ['alg: none', async () => ({ token: `${b64({ alg: 'none', kid: 'k1' })}.${b64({ iss: ISS, sub: 'x', aud: 'warden', exp: now() + 60 })}.` }), 'ALGORITHM_NOT_ALLOWED'],
    ['HS256 signed with the RSA public key', async () => ({ token: await sign({}, { alg: 'HS256', with: new TextEncoder().encode(publicPem) }) }), 'ALGORITHM_NOT_ALLOWED'],
    ['expired', async () => ({ token: await sign({ exp: now() - 120, iat: now() - 600 }) }), 'TOKEN_EXPIRED'],
    ['not yet valid (nbf)', async () => ({ token: await sign({ nbf: now() + 600 }) }), 'TOKEN_NOT_YET_VALID'],
    ['issued in the future (iat)', async () => ({ token: await sign({ iat: now() + 600 }) }), 'TOKEN_NOT_YET_VALID'],
    ['without exp', async () => ({ token: await sign({ exp: undefined }) }), 'EXP_MISSING'],
    ['wrong issuer', async () => ({ token: await sign({ iss: 'https://evil.example' }) }), 'ISSUER_UNKNOWN'],
    ['wrong audience', async () => ({ token: await sign({ aud: 'someone-else' }) }), 'AUDIENCE_MISMATCH'],
    ['unknown kid', async () => ({ token: await sign({}, { kid: 'k9' }) }), 'KEY_UNKNOWN'],
    ['malformed segments (two)', async () => ({ token: 'abc.def' }), 'TOKEN_MALFORMED'],
    ['malformed segments (four)', async () => ({ token: `${await sign({})}.x` }), 'TOKEN_MALFORMED'],
    ['garbage in three segments', async () => ({ token: 'a.b.c' }), 'TOKEN_MALFORMED'],
    ['oversized', async () => ({ token: await sign({ pad: 'x'.repeat(9000) }) }), 'TOKEN_TOO_LARGE'],
    ['two tokens in two places', async () => ({ token: await sign({}), query: `?access_token=${await sign({ sub: 'bob' })}` }), 'TOKEN_AMBIGUOUS'],
    ['an issuer outside its own locations', async () => ({ token: await sign({ iss: STRICT, aud: undefined }) }), 'ISSUER_UNKNOWN'],
    ['an algorithm outside the issuer allow-list', async () => ({ headers: { 'x-jwt': `JWT ${await sign({ iss: STRICT })}` } }), 'ALGORITHM_NOT_ALLOWED'],
  ];
  for (const [name, make, reason] of table) {
    it(`rejects ${name}: 401 ${reason}`, async () => {
      const r = await call(await make());
      assert.equal(r.status, 401);
      assert.match(r.www ?? '', /^Bearer realm="warden", error="invalid_token"/);
      assert.equal(r.reason, reason);
    });
  }

  it('says when an expired token expired, and which audience was not accepted', async () => {
    const exp = now() - 120;
    const expired = await call({ token: await sign({ exp, iat: now() - 600 }) });
    assert.match(expired.text, new RegExp(`the token expired at ${new Date(exp * 1000).toISOString()}; get a new one`));
    const aud = await call({ token: await sign({ aud: 'someone-else' }) });
    assert.match(aud.text, /the token's audience \\"someone-else\\" is not one this gateway accepts/);
  });

  it('takes the token from the access_token parameter and removes it before forwarding', async () => {
    const r = await call({ query: `?alt=sse&access_token=${await sign({})}&x=%24y` });
    assert.equal(r.status, 200);
    assert.equal(echo.last!.url, '/v1/things?alt=sse&x=%24y');
  });

  it('removes the access_token parameter when the same token also came as Authorization: Bearer', async () => {
    const token = await sign({});
    const r = await call({ token, query: `?alt=sse&access_token=${token}&x=%24y` });
    assert.equal(r.status, 200);
    assert.equal(echo.last!.url, '/v1/things?alt=sse&x=%24y');
    assert.ok(!echo.last!.url.includes(token), 'the caller’s token never reaches the upstream');
  });

  it('sends the payload and nested claims upstream, and strips spoofed identity headers', async () => {
    const token = await sign({ org: { tenant: 'acme' } });
    const r = await call({ token, headers: { 'x-tenant': 'spoofed' } });
    assert.equal(r.status, 200);
    assert.equal(echo.last!.headers['x-payload'], token.split('.')[1]);
    assert.equal(echo.last!.headers['x-tenant'], 'acme');
    assert.equal(echo.last!.headers.authorization, undefined, 'the token is not forwarded by default');

    const anon = await call({ headers: { 'x-tenant': 'spoofed', 'x-payload': 'e30' } });
    assert.equal(anon.status, 200);
    assert.equal(echo.last!.headers['x-tenant'], undefined);
    assert.equal(echo.last!.headers['x-payload'], undefined);
  });

  it('splits space-delimited claims for policy', async () => {
    assert.equal((await call({ token: await sign({ roles: 'writer reader' }) })).status, 403);
    assert.equal((await call({ token: await sign({ roles: 'writer' }) })).status, 200);
  });

  it('reads custom header and cookie locations, and forwards the original token when asked', async () => {
    const token = await sign({ iss: STRICT, aud: undefined, sub: 'svc' }, { alg: 'ES256', kid: 'e1', with: ecKey });
    const viaHeader = await call({ headers: { 'x-jwt': `JWT ${token}` } });
    assert.equal(viaHeader.status, 200);
    assert.equal(viaHeader.log!.principal, `${STRICT}/svc`);
    assert.equal(echo.last!.headers['x-jwt'], `JWT ${token}`, 'forwardOriginalToken keeps the header');
    const viaCookie = await call({ headers: { cookie: `theme=dark; session=${token}` } });
    assert.equal(viaCookie.status, 200);
    assert.equal(viaCookie.log!.principal, `${STRICT}/svc`);
    // The RSA key is in STRICT's set too, but RS256 is not on its allow-list.
    const rs = await call({ headers: { cookie: `session=${await sign({ iss: STRICT, aud: undefined })}` } });
    assert.equal(rs.reason, 'ALGORITHM_NOT_ALLOWED');
  });
});
