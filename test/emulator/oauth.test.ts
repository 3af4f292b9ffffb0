import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator, type Emulator, type ServiceAccountKeyFile } from '../../src/emulator/index.js';
import { assertionFor, jwtBearer } from './helpers.js';

let emu: Emulator;
let key: ServiceAccountKeyFile;

before(async () => {
  emu = await startEmulator({ port: 0 });
  key = emu.createServiceAccountKey();
});
after(() => emu.close());

describe('service account key file', () => {
  it('has exactly the fields Google writes', () => {
    assert.deepEqual(Object.keys(key).sort(), [
      'auth_provider_x509_cert_url',
      'auth_uri',
      'client_email',
      'client_id',
      'client_x509_cert_url',
      'private_key',
      'private_key_id',
      'project_id',
      'token_uri',
      'type',
      'universe_domain',
    ]);
    assert.equal(key.type, 'service_account');
    assert.equal(key.client_email, emu.serviceAccountEmail);
    assert.equal(key.project_id, 'emulator-project');
    assert.equal(key.token_uri, `${emu.url}/token`);
    assert.equal(key.universe_domain, 'googleapis.com');
    assert.match(key.private_key, /^-----BEGIN PRIVATE KEY-----\n/);
    assert.match(key.private_key_id, /^[0-9a-f]{40}$/);
    assert.match(key.client_id, /^\d{21}$/);
  });
});

describe('POST /token jwt-bearer', () => {
  it('answers a good assertion with a Bearer access token the emulator recognises', async () => {
    const before = emu.stats.tokensMinted;
    const r = await jwtBearer(emu, await assertionFor(key));
    assert.equal(r.status, 200);
    const body = (await r.json()) as { access_token: string; expires_in: number; token_type: string };
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.expires_in, 3600);
    assert.match(body.access_token, /^ya29\.emu\./);
    assert.equal(emu.isValidAccessToken(body.access_token), true);
    assert.equal(emu.tokenInfo(body.access_token)?.identity, emu.serviceAccountEmail);
    assert.equal(emu.stats.tokensMinted, before + 1);
    assert.ok((emu.stats.byGrant['jwt-bearer'] ?? 0) >= 1);
  });

  it("accepts Google's token URL as audience (libraries hard-code it)", async () => {
    const r = await jwtBearer(emu, await assertionFor(key, { aud: 'https://oauth2.googleapis.com/token' }));
    assert.equal(r.status, 200);
  });

  it('finds the key by iss when the header has no kid', async () => {
    const r = await jwtBearer(emu, await assertionFor(key, { kid: null }));
    assert.equal(r.status, 200);
  });

  it('accepts keys of other accounts created later', async () => {
    const other = emu.createServiceAccountKey('other@emulator-project.iam.gserviceaccount.com');
    const r = await jwtBearer(emu, await assertionFor(other));
    assert.equal(r.status, 200);
    const { access_token } = (await r.json()) as { access_token: string };
    assert.equal(emu.tokenInfo(access_token)?.identity, 'other@emulator-project.iam.gserviceaccount.com');
  });

  async function expectInvalidGrant(assertion: string, error = 'invalid_grant') {
    const r = await jwtBearer(emu, assertion);
    assert.equal(r.status, 400);
    const body = (await r.json()) as { error: string; error_description: string };
    assert.equal(body.error, error);
    assert.equal(typeof body.error_description, 'string');
    return body;
  }

  it('rejects an assertion signed by a key it never issued', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const foreign: ServiceAccountKeyFile = {
      ...key,
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    };
    const body = await expectInvalidGrant(await assertionFor(foreign));
    assert.match(body.error_description, /Signature/);
  });

  it("rejects another account's key used under this account's name", async () => {
    const other = emu.createServiceAccountKey('third@emulator-project.iam.gserviceaccount.com');
    await expectInvalidGrant(await assertionFor({ ...other, client_email: key.client_email }));
  });

  it('rejects an unknown issuer', async () => {
    await expectInvalidGrant(await assertionFor(key, { iss: 'nobody@emulator-project.iam.gserviceaccount.com' }));
  });

  it('rejects a wrong audience', async () => {
    const body = await expectInvalidGrant(await assertionFor(key, { aud: 'https://example.com/token' }));
    assert.match(body.error_description, /audience/);
  });

  it('rejects an expired assertion', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectInvalidGrant(await assertionFor(key, { iat: now - 7200, exp: now - 3600 }));
  });

  it('rejects an assertion valid for more than an hour', async () => {
    const now = Math.floor(Date.now() / 1000);
    const body = await expectInvalidGrant(await assertionFor(key, { iat: now, exp: now + 7200 }));
    assert.match(body.error_description, /short-lived/);
  });

  it('rejects an assertion without scope', async () => {
    await expectInvalidGrant(await assertionFor(key, { scope: null }), 'invalid_scope');
  });

  it('rejects other grant types and garbage assertions', async () => {
    const r = await fetch(`${emu.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    assert.equal(r.status, 400);
    assert.equal(((await r.json()) as { error: string }).error, 'unsupported_grant_type');
    await expectInvalidGrant('not.a.jwt');
  });

  it('answers 405 to GET', async () => {
    const r = await fetch(`${emu.url}/token`);
    assert.equal(r.status, 405);
  });
});

describe('tokeninfo', () => {
  it('describes a minted token and rejects an unknown one', async () => {
    const r = await jwtBearer(emu, await assertionFor(key));
    const { access_token } = (await r.json()) as { access_token: string };
    const info = await fetch(`${emu.url}/tokeninfo?access_token=${encodeURIComponent(access_token)}`);
    assert.equal(info.status, 200);
    const body = (await info.json()) as { email: string; scope: string };
    assert.equal(body.email, emu.serviceAccountEmail);
    assert.equal(body.scope, 'https://www.googleapis.com/auth/cloud-platform');
    const bad = await fetch(`${emu.url}/tokeninfo?access_token=ya29.nope`);
    assert.equal(bad.status, 400);
  });
});

describe('access token expiry', () => {
  it('stops accepting a token after accessTokenTtlSeconds', async () => {
    const short = await startEmulator({ port: 0, accessTokenTtlSeconds: 1 });
    try {
      const k = short.createServiceAccountKey();
      const r = await jwtBearer(short, await assertionFor(k));
      const body = (await r.json()) as { access_token: string; expires_in: number };
      assert.equal(body.expires_in, 1);
      assert.equal(short.isValidAccessToken(body.access_token), true);
      await new Promise((res) => setTimeout(res, 1100));
      assert.equal(short.isValidAccessToken(body.access_token), false);
      const v = await fetch(`${short.url}/v1/publishers/google/models/m:countTokens`, {
        method: 'POST',
        headers: { authorization: `Bearer ${body.access_token}`, 'content-type': 'application/json' },
        body: '{}',
      });
      assert.equal(v.status, 401);
    } finally {
      await short.close();
    }
  });
});
