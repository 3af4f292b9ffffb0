import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator, type Emulator, type ServiceAccountKeyFile } from '../../src/emulator/index.js';
import { assertionFor, CLOUD_PLATFORM, jwtBearer, metadataToken, postJson } from './helpers.js';

let emu: Emulator;
let key: ServiceAccountKeyFile;

before(async () => {
  emu = await startEmulator({ port: 0 });
  key = emu.createServiceAccountKey();
});
afterEach(() => {
  emu.control.tokenEndpointsDown = false;
});
after(() => emu.close());

describe('tokenEndpointsDown', () => {
  it('makes the OAuth, STS, IAM and metadata token endpoints answer 503, and recovers', async () => {
    const token = await metadataToken(emu);
    const subject = await emu.mintIdToken({ sub: 'alice' });
    const minted = emu.stats.tokensMinted;
    emu.control.tokenEndpointsDown = true;

    const oauth = await jwtBearer(emu, await assertionFor(key));
    assert.equal(oauth.status, 503);
    assert.equal(((await oauth.json()) as { error: string }).error, 'temporarily_unavailable');

    const sts = await fetch(`${emu.url}/sts/v1/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
        audience: '//iam.googleapis.com/x',
        subject_token: subject,
        subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      }),
    });
    assert.equal(sts.status, 503);

    const iam = await postJson(`${emu.url}/iam/v1/projects/-/serviceAccounts/${emu.serviceAccountEmail}:generateAccessToken`, token, { scope: [CLOUD_PLATFORM] });
    assert.equal(iam.status, 503);
    assert.equal(((await iam.json()) as { error: { status: string } }).error.status, 'UNAVAILABLE');

    const md = await fetch(`${emu.url}/computeMetadata/v1/instance/service-accounts/default/token`, { headers: { 'Metadata-Flavor': 'Google' } });
    assert.equal(md.status, 503);
    assert.equal(md.headers.get('metadata-flavor'), 'Google');

    assert.equal(emu.stats.tokensMinted, minted, 'nothing minted while down');

    // Already-issued tokens keep working: only minting is down.
    const v = await postJson(`${emu.url}/v1/publishers/google/models/m:countTokens`, token, { contents: [{ parts: [{ text: 'x' }] }] });
    assert.equal(v.status, 200);

    emu.control.tokenEndpointsDown = false;
    assert.equal((await jwtBearer(emu, await assertionFor(key))).status, 200);
    assert.equal(emu.stats.tokensMinted, minted + 1);
  });
});

describe('misc routes', () => {
  it('GET /healthz answers 200 ok', async () => {
    const r = await fetch(`${emu.url}/healthz`);
    assert.equal(r.status, 200);
    assert.equal(await r.text(), 'ok');
  });

  it('unknown non-Vertex paths answer JSON 404', async () => {
    const r = await fetch(`${emu.url}/nothing/here`);
    assert.equal(r.status, 404);
    assert.match(r.headers.get('content-type') ?? '', /application\/json/);
    assert.equal(((await r.json()) as { error: { status: string } }).error.status, 'NOT_FOUND');
  });

  it('reports the documented identity values', () => {
    assert.equal(emu.projectId, 'emulator-project');
    assert.equal(emu.serviceAccountEmail, 'warden@emulator-project.iam.gserviceaccount.com');
    assert.equal(emu.url, `http://127.0.0.1:${emu.port}`);
    assert.ok(emu.port > 0);
  });

  it('close() stops the server', async () => {
    const e = await startEmulator({ port: 0 });
    await e.close();
    await assert.rejects(fetch(`${e.url}/healthz`));
  });
});
