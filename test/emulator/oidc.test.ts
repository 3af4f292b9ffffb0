import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';

let emu: Emulator;

before(async () => {
  emu = await startEmulator({ port: 0 });
});
after(() => emu.close());

interface Discovery {
  issuer: string;
  jwks_uri: string;
  token_endpoint: string;
  grant_types_supported: string[];
  id_token_signing_alg_values_supported: string[];
}

async function clientCredentials(form: Record<string, string>, basic = true): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  const body = new URLSearchParams({ grant_type: 'client_credentials', ...form });
  if (basic) headers.authorization = `Basic ${Buffer.from('warden-dev:warden-dev-secret').toString('base64')}`;
  return fetch(`${emu.issuer}/token`, { method: 'POST', headers, body });
}

describe('dev OIDC issuer', () => {
  it('publishes discovery at ${issuer}/.well-known/openid-configuration', async () => {
    assert.equal(emu.issuer, `${emu.url}/oidc`);
    const r = await fetch(`${emu.issuer}/.well-known/openid-configuration`);
    assert.equal(r.status, 200);
    const d = (await r.json()) as Discovery;
    assert.equal(d.issuer, emu.issuer);
    assert.equal(d.jwks_uri, `${emu.issuer}/jwks`);
    assert.equal(d.token_endpoint, `${emu.issuer}/token`);
    assert.ok(d.grant_types_supported.includes('client_credentials'));
    assert.deepEqual(d.id_token_signing_alg_values_supported, ['RS256']);
  });

  it('publishes an RS256 signing key in the JWKS', async () => {
    const r = await fetch(`${emu.issuer}/jwks`);
    const { keys } = (await r.json()) as { keys: Array<Record<string, string>> };
    assert.equal(keys.length, 1);
    const k = keys[0]!;
    assert.equal(k.kty, 'RSA');
    assert.equal(k.alg, 'RS256');
    assert.equal(k.use, 'sig');
    assert.ok(k.kid);
    assert.equal(k.d, undefined, 'no private material');
  });

  it('client_credentials (HTTP Basic) issues a JWT verifiable with createRemoteJWKSet', async () => {
    const r = await clientCredentials({});
    assert.equal(r.status, 200);
    const body = (await r.json()) as { access_token: string; token_type: string; expires_in: number };
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.expires_in, 3600);
    const jwks = createRemoteJWKSet(new URL(`${emu.issuer}/jwks`));
    const { payload, protectedHeader } = await jwtVerify(body.access_token, jwks, { issuer: emu.issuer, audience: 'warden' });
    assert.equal(protectedHeader.alg, 'RS256');
    assert.equal(payload.sub, 'warden-dev');
    assert.equal(payload.exp! - payload.iat!, 3600);
    assert.equal(typeof payload.jti, 'string');
    assert.equal(typeof payload.scope, 'string');
  });

  it('client_credentials with form credentials, sub/groups override and audience', async () => {
    const r = await clientCredentials(
      { client_id: 'warden-dev', client_secret: 'warden-dev-secret', sub: 'alice', groups: 'eng, ml-admins', audience: 'other-aud', scope: 'predict' },
      false,
    );
    assert.equal(r.status, 200);
    const { access_token } = (await r.json()) as { access_token: string };
    const jwks = createRemoteJWKSet(new URL(`${emu.issuer}/jwks`));
    const { payload } = await jwtVerify(access_token, jwks, { issuer: emu.issuer, audience: 'other-aud' });
    assert.equal(payload.sub, 'alice');
    assert.deepEqual(payload.groups, ['eng', 'ml-admins']);
    assert.equal(payload.scope, 'predict');
  });

  it('refuses a wrong client secret with 401 invalid_client', async () => {
    const r = await fetch(`${emu.issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from('warden-dev:wrong').toString('base64')}`,
      },
      body: 'grant_type=client_credentials',
    });
    assert.equal(r.status, 401);
    assert.equal(((await r.json()) as { error: string }).error, 'invalid_client');
  });

  it('refuses other grant types', async () => {
    const r = await clientCredentials({ grant_type: 'password' });
    assert.equal(r.status, 400);
    assert.equal(((await r.json()) as { error: string }).error, 'unsupported_grant_type');
  });

  it('mintIdToken signs with the current key and honours aud, groups, ttl and extra claims', async () => {
    const t = await emu.mintIdToken({ sub: 'bob', groups: ['g1'], aud: ['a1', 'a2'], ttlSeconds: 60, claims: { email: 'bob@example.com' } });
    const jwks = createRemoteJWKSet(new URL(`${emu.issuer}/jwks`));
    const { payload } = await jwtVerify(t, jwks, { issuer: emu.issuer, audience: 'a2' });
    assert.equal(payload.sub, 'bob');
    assert.deepEqual(payload.groups, ['g1']);
    assert.equal(payload.email, 'bob@example.com');
    assert.equal(payload.exp! - payload.iat!, 60);
  });

  it('mintIdToken can mint an already-expired token', async () => {
    const t = await emu.mintIdToken({ sub: 'old', ttlSeconds: -10 });
    const jwks = createRemoteJWKSet(new URL(`${emu.issuer}/jwks`));
    await assert.rejects(jwtVerify(t, jwks, { issuer: emu.issuer }), { code: 'ERR_JWT_EXPIRED' });
  });

  it('rotateIssuerKey publishes a new kid and drops the old key', async () => {
    const before = await emu.mintIdToken({ sub: 'x' });
    const oldKid = decodeProtectedHeader(before).kid;
    await emu.rotateIssuerKey();
    const { keys } = (await (await fetch(`${emu.issuer}/jwks`)).json()) as { keys: Array<{ kid: string }> };
    assert.equal(keys.length, 1);
    assert.notEqual(keys[0]!.kid, oldKid);

    const after = await emu.mintIdToken({ sub: 'x' });
    assert.equal(decodeProtectedHeader(after).kid, keys[0]!.kid);
    const jwks = createRemoteJWKSet(new URL(`${emu.issuer}/jwks`));
    await jwtVerify(after, jwks, { issuer: emu.issuer });
    await assert.rejects(jwtVerify(before, jwks, { issuer: emu.issuer }), { code: 'ERR_JWKS_NO_MATCHING_KEY' });
  });
});
