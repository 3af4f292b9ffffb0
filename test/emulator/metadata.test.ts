import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';

let emu: Emulator;

before(async () => {
  emu = await startEmulator({ port: 0 });
});
after(() => emu.close());

const md = (path: string, flavor = true) =>
  fetch(`${emu.url}${path}`, { headers: flavor ? { 'Metadata-Flavor': 'Google' } : {} });

describe('metadata server', () => {
  it('refuses requests without Metadata-Flavor: Google (403), still answering with the flavor header', async () => {
    for (const path of ['/', '/computeMetadata/v1/', '/computeMetadata/v1/instance/service-accounts/default/token']) {
      const r = await md(path, false);
      assert.equal(r.status, 403, path);
      assert.equal(r.headers.get('metadata-flavor'), 'Google');
    }
    const wrong = await fetch(`${emu.url}/computeMetadata/v1/project/project-id`, { headers: { 'Metadata-Flavor': 'Azure' } });
    assert.equal(wrong.status, 403);
  });

  it('answers pings at / and /computeMetadata/v1/ and /computeMetadata/v1/instance', async () => {
    for (const path of ['/', '/computeMetadata/v1/', '/computeMetadata/v1/instance']) {
      const r = await md(path);
      assert.equal(r.status, 200, path);
      assert.equal(r.headers.get('metadata-flavor'), 'Google');
    }
    assert.match(await (await md('/computeMetadata/v1/')).text(), /^instance\/\nproject\/\nuniverse\/\n$/);
  });

  it('mints a default service-account token with the requested scopes', async () => {
    const before = emu.stats.byGrant['metadata'] ?? 0;
    const r = await md('/computeMetadata/v1/instance/service-accounts/default/token?scopes=a,b');
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('metadata-flavor'), 'Google');
    const body = (await r.json()) as { access_token: string; expires_in: number; token_type: string };
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.expires_in, 3600);
    assert.equal(emu.isValidAccessToken(body.access_token), true);
    assert.deepEqual(emu.tokenInfo(body.access_token)?.scopes, ['a', 'b']);
    assert.equal(emu.stats.byGrant['metadata'], before + 1);
  });

  it('answers the account by email too, and 404 for other accounts', async () => {
    assert.equal((await md(`/computeMetadata/v1/instance/service-accounts/${emu.serviceAccountEmail}/token`)).status, 200);
    assert.equal((await md('/computeMetadata/v1/instance/service-accounts/nobody@x.iam.gserviceaccount.com/token')).status, 404);
  });

  it('serves email, project ids and universe as text', async () => {
    assert.equal(await (await md('/computeMetadata/v1/instance/service-accounts/default/email')).text(), emu.serviceAccountEmail);
    assert.equal(await (await md('/computeMetadata/v1/project/project-id')).text(), 'emulator-project');
    assert.equal(await (await md('/computeMetadata/v1/project/numeric-project-id')).text(), '123456789012');
    assert.equal(await (await md('/computeMetadata/v1/universe/universe-domain')).text(), 'googleapis.com');
  });

  it('serves a directory listing, and JSON with ?recursive=true (camelCase keys)', async () => {
    const listing = await (await md('/computeMetadata/v1/instance/service-accounts/default/')).text();
    assert.deepEqual(listing.trim().split('\n'), ['aliases', 'email', 'scopes']);
    const r = await md('/computeMetadata/v1/instance/service-accounts/default/?recursive=true');
    assert.match(r.headers.get('content-type') ?? '', /application\/json/);
    assert.deepEqual(await r.json(), {
      aliases: ['default'],
      email: emu.serviceAccountEmail,
      scopes: ['https://www.googleapis.com/auth/cloud-platform'],
    });
    const project = (await (await md('/computeMetadata/v1/project/?recursive=true')).json()) as Record<string, unknown>;
    assert.equal(project.projectId, 'emulator-project');
    assert.equal(project.numericProjectId, 123456789012);
  });

  it('issues an identity token for an audience, signed by the dev issuer', async () => {
    const r = await md('/computeMetadata/v1/instance/service-accounts/default/identity?audience=https://svc&format=full');
    assert.equal(r.status, 200);
    const { createRemoteJWKSet, jwtVerify } = await import('jose');
    const { payload } = await jwtVerify(await r.text(), createRemoteJWKSet(new URL(`${emu.issuer}/jwks`)), { audience: 'https://svc' });
    assert.equal(payload.email, emu.serviceAccountEmail);
  });

  it('answers 404 for unknown keys', async () => {
    const r = await md('/computeMetadata/v1/instance/nothing');
    assert.equal(r.status, 404);
    assert.equal(r.headers.get('metadata-flavor'), 'Google');
  });
});

describe("google-auth-library with GCE_METADATA_HOST", () => {
  it('GoogleAuth finds the emulator as the metadata server and gets a valid token and project', async () => {
    process.env.GCE_METADATA_HOST = `127.0.0.1:${emu.port}`;
    // Nothing else may win over the metadata server in ADC's search order.
    for (const v of ['GOOGLE_APPLICATION_CREDENTIALS', 'GOOGLE_CLOUD_PROJECT', 'GCLOUD_PROJECT', 'gcloud_project', 'google_cloud_project']) delete process.env[v];
    process.env.CLOUDSDK_CONFIG = await mkdtemp(join(tmpdir(), 'warden-gcloud-'));
    const { GoogleAuth } = await import('google-auth-library');
    const auth = new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'] });
    const client = await auth.getClient();
    const token = await client.getAccessToken();
    assert.ok(token.token);
    assert.equal(emu.isValidAccessToken(token.token!), true);
    assert.equal(emu.tokenInfo(token.token!)?.identity, emu.serviceAccountEmail);
    assert.equal(await auth.getProjectId(), 'emulator-project');
  });
});
