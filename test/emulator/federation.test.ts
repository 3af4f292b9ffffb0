import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExternalAccountClient } from 'google-auth-library';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { CLOUD_PLATFORM, metadataToken, postJson } from './helpers.js';

let emu: Emulator;
let dir: string;

before(async () => {
  emu = await startEmulator({ port: 0 });
  dir = await mkdtemp(join(tmpdir(), 'warden-emu-'));
});
after(async () => {
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

const AUDIENCE = '//iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/warden-pool/providers/warden-dev';

function sts(emuUrl: string, form: Record<string, string>, json = false): Promise<Response> {
  return fetch(`${emuUrl}/sts/v1/token`, {
    method: 'POST',
    headers: { 'content-type': json ? 'application/json' : 'application/x-www-form-urlencoded' },
    body: json ? JSON.stringify(form) : new URLSearchParams(form),
  });
}

const exchange = (subject_token: string) => ({
  grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
  audience: AUDIENCE,
  scope: CLOUD_PLATFORM,
  requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
  subject_token,
  subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
});

function generateAccessToken(bearer: string, email: string, body: unknown): Promise<Response> {
  return postJson(`${emu.url}/iam/v1/projects/-/serviceAccounts/${email}:generateAccessToken`, bearer, body);
}

describe('STS token exchange', () => {
  it('exchanges a dev-issuer JWT for a federated access token (form)', async () => {
    const r = await sts(emu.url, exchange(await emu.mintIdToken({ sub: 'alice' })));
    assert.equal(r.status, 200);
    const body = (await r.json()) as { access_token: string; issued_token_type: string; token_type: string; expires_in: number };
    assert.equal(body.issued_token_type, 'urn:ietf:params:oauth:token-type:access_token');
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.expires_in, 3600);
    assert.equal(
      emu.tokenInfo(body.access_token)?.identity,
      'principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/warden-pool/subject/alice',
    );
    assert.ok((emu.stats.byGrant['token-exchange'] ?? 0) >= 1);
  });

  it('accepts a JSON body too', async () => {
    const r = await sts(emu.url, exchange(await emu.mintIdToken({ sub: 'carol' })), true);
    assert.equal(r.status, 200);
  });

  it('rejects a JWT from a foreign issuer, an expired one, and a non-JWT', async () => {
    const other = await startEmulator({ port: 0 });
    try {
      const foreign = await other.mintIdToken({ sub: 'mallory' });
      const good = await emu.mintIdToken({ sub: 'alice' });
      // Untrimmed (a token file's trailing newline) is rejected, as Google's STS does: clients must trim.
      for (const subject of [foreign, await emu.mintIdToken({ sub: 'old', ttlSeconds: -60 }), 'opaque-string', `${good}\n`, ` ${good}`]) {
        const r = await sts(emu.url, exchange(subject));
        assert.equal(r.status, 400);
        assert.equal(((await r.json()) as { error: string }).error, 'invalid_grant');
      }
    } finally {
      await other.close();
    }
  });

  it('rejects a missing audience or a wrong grant type', async () => {
    const good = exchange(await emu.mintIdToken({ sub: 'alice' }));
    const { audience: _a, ...noAudience } = good;
    assert.equal((await sts(emu.url, noAudience)).status, 400);
    assert.equal((await sts(emu.url, { ...good, grant_type: 'client_credentials' })).status, 400);
  });

  it('rejects a token signed by the issuer key before rotation', async () => {
    const old = await emu.mintIdToken({ sub: 'alice' });
    await emu.rotateIssuerKey();
    assert.equal((await sts(emu.url, exchange(old))).status, 400);
    assert.equal((await sts(emu.url, exchange(await emu.mintIdToken({ sub: 'alice' })))).status, 200);
  });
});

describe('IAM generateAccessToken', () => {
  it('impersonates a service account with a federated token', async () => {
    const fed = (await (await sts(emu.url, exchange(await emu.mintIdToken({ sub: 'alice' })))).json()) as { access_token: string };
    const r = await generateAccessToken(fed.access_token, emu.serviceAccountEmail, { scope: [CLOUD_PLATFORM], lifetime: '600s' });
    assert.equal(r.status, 200);
    const body = (await r.json()) as { accessToken: string; expireTime: string };
    assert.match(body.expireTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const ttl = Date.parse(body.expireTime) - Date.now();
    assert.ok(ttl > 590_000 && ttl <= 601_000, `lifetime honoured, got ${ttl}`);
    assert.equal(emu.tokenInfo(body.accessToken)?.identity, emu.serviceAccountEmail);
    assert.equal(emu.tokenInfo(body.accessToken)?.grant, 'generateAccessToken');
  });

  it('answers on the bare /v1/projects/-/serviceAccounts path too', async () => {
    const r = await postJson(`${emu.url}/v1/projects/-/serviceAccounts/${encodeURIComponent(emu.serviceAccountEmail)}:generateAccessToken`, await metadataToken(emu), {
      scope: [CLOUD_PLATFORM],
    });
    assert.equal(r.status, 200);
  });

  it('refuses without a minted bearer (401) and with insufficient scopes (403)', async () => {
    assert.equal((await generateAccessToken('ya29.fake', emu.serviceAccountEmail, { scope: [CLOUD_PLATFORM] })).status, 401);
    const meta = await fetch(`${emu.url}/computeMetadata/v1/instance/service-accounts/default/token?scopes=https://www.googleapis.com/auth/userinfo.email`, {
      headers: { 'Metadata-Flavor': 'Google' },
    });
    const narrow = ((await meta.json()) as { access_token: string }).access_token;
    const r = await generateAccessToken(narrow, emu.serviceAccountEmail, { scope: [CLOUD_PLATFORM] });
    assert.equal(r.status, 403);
    assert.equal(((await r.json()) as { error: { status: string } }).error.status, 'PERMISSION_DENIED');
  });

  it('refuses a bad lifetime or missing scope with 400, a non-service-account with 404', async () => {
    const t = await metadataToken(emu);
    assert.equal((await generateAccessToken(t, emu.serviceAccountEmail, { scope: [CLOUD_PLATFORM], lifetime: '1h' })).status, 400);
    assert.equal((await generateAccessToken(t, emu.serviceAccountEmail, {})).status, 400);
    assert.equal((await generateAccessToken(t, 'someone@example.com', { scope: [CLOUD_PLATFORM] })).status, 404);
  });
});

describe('writeCredentials', () => {
  it('writes the three files in Google shapes', async () => {
    const paths = await emu.writeCredentials(dir);
    assert.deepEqual(paths, {
      serviceAccount: join(dir, 'service-account.json'),
      externalAccount: join(dir, 'external-account.json'),
      subjectToken: join(dir, 'subject-token.txt'),
    });
    const sa = JSON.parse(await readFile(paths.serviceAccount, 'utf8')) as Record<string, string>;
    assert.equal(sa.type, 'service_account');
    assert.equal(sa.client_email, emu.serviceAccountEmail);
    const ext = JSON.parse(await readFile(paths.externalAccount, 'utf8')) as Record<string, unknown>;
    assert.equal(ext.type, 'external_account');
    assert.equal(ext.audience, AUDIENCE);
    assert.equal(ext.token_url, `${emu.url}/sts/v1/token`);
    assert.equal(ext.service_account_impersonation_url, `${emu.url}/iam/v1/projects/-/serviceAccounts/${emu.serviceAccountEmail}:generateAccessToken`);
    assert.deepEqual(ext.credential_source, { file: paths.subjectToken, format: { type: 'text' } });
    assert.equal((await stat(paths.serviceAccount)).mode & 0o077, 0, 'key file is owner-only');
  });

  it('the written subject token stays accepted by STS across issuer key rotation', async () => {
    const paths = await emu.writeCredentials(dir);
    const subject = await readFile(paths.subjectToken, 'utf8');
    await emu.rotateIssuerKey();
    const r = await sts(emu.url, exchange(subject));
    assert.equal(r.status, 200);
    const { access_token } = (await r.json()) as { access_token: string };
    assert.match(emu.tokenInfo(access_token)!.identity, /\/subject\/warden-workload$/);
  });

  it("google-auth-library's ExternalAccountClient gets a working Vertex token from external-account.json", async () => {
    const paths = await emu.writeCredentials(dir);
    const json = JSON.parse(await readFile(paths.externalAccount, 'utf8')) as Parameters<typeof ExternalAccountClient.fromJSON>[0];
    const client = ExternalAccountClient.fromJSON(json);
    assert.ok(client, 'fromJSON accepted the file');
    const exchanges = emu.stats.byGrant['token-exchange'] ?? 0;
    const impersonations = emu.stats.byGrant['generateAccessToken'] ?? 0;
    const { token } = await client.getAccessToken();
    assert.ok(token);
    assert.equal(emu.stats.byGrant['token-exchange'], exchanges + 1);
    assert.equal(emu.stats.byGrant['generateAccessToken'], impersonations + 1);
    assert.equal(emu.tokenInfo(token)?.identity, emu.serviceAccountEmail);
    const r = await postJson(`${emu.url}/v1/projects/p/locations/l/publishers/google/models/m:generateContent`, token, {
      contents: [{ role: 'user', parts: [{ text: 'via WIF' }] }],
    });
    assert.equal(r.status, 200);
  });
});
