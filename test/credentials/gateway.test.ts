// The credential stage end to end through Warden: identity mapping rules,
// per-caller federation with a real OIDC provider, an API key upstream, key
// file rotation while traffic flows, and the 503 when no token can be had.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { loadGateway, startGateway, type RunningGateway } from '../../src/gateway.js';
import { createLogger } from '../../src/telemetry/log.js';
import { startIssuer, type Issuer } from './helpers.js';

const TRAINER = 'trainer@emulator-project.iam.gserviceaccount.com';
const ROTATED = 'rotated@emulator-project.iam.gserviceaccount.com';
const GENERATE = '/v1/projects/emulator-project/locations/us-central1/publishers/google/models/gemini-2.0-flash:generateContent';
const TRAIN = '/v1/projects/emulator-project/locations/us-central1/customJobs';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let emu: Emulator;
let issuer: Issuer;
let echo: { server: Server; url: string; last?: IncomingHttpHeaders };
let gw: RunningGateway;
let dir: string;
const logs: string[] = [];

before(async () => {
  [emu, issuer] = await Promise.all([startEmulator({ port: 0, accessTokenTtlSeconds: 4 }), startIssuer()]);
  emu.trustIssuer(issuer.issuer, issuer.jwksUri);
  echo = { server: createServer((req, res) => ((echo.last = req.headers), req.resume(), res.end('{}'))), url: '' };
  await new Promise<void>((r) => echo.server.listen(0, '127.0.0.1', r));
  echo.url = `http://127.0.0.1:${(echo.server.address() as AddressInfo).port}`;
  dir = await mkdtemp(join(tmpdir(), 'warden-cred-gw-'));
  const files = await emu.writeCredentials(dir);
  const wif = JSON.parse(readFileSync(files.externalAccount, 'utf8')) as Record<string, unknown>;
  delete wif.service_account_impersonation_url;
  await writeFile(join(dir, 'wif.json'), JSON.stringify(wif));
  await writeFile(join(dir, 'key.txt'), 'AIza-upstream-key\n');
  await writeFile(
    join(dir, 'warden.yaml'),
    `apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: t}
spec:
  routes:
    - name: vertex
      provider: vertex
      upstream: "${emu.url}"
      credential: serving
      credentials:
        - {when: {groups: [trainers]}, credential: trainer}
        - {when: {operationClasses: [training]}, credential: trainer}
        - {when: {requestPrincipals: ["${issuer.issuer}/*"]}, credential: federated}
    - name: keyed
      provider: http
      match: {pathPrefix: /keyed}
      upstream: "${echo.url}"
      credential: key
  credentials:
    - {name: serving, google: {file: credentials/service-account.json}}
    - {name: trainer, google: {file: credentials/service-account.json, impersonate: ${TRAINER}, iamEndpoint: "${emu.url}"}}
    - {name: federated, google: {file: wif.json, subjectToken: caller}}
    - {name: key, apiKey: {file: key.txt}}
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: callers}
spec:
  jwtRules:
    - {issuer: "${emu.issuer}", audiences: [warden]}
    - {issuer: "${issuer.issuer}", jwksUri: "${issuer.jwksUri}"}
`,
  );
  await emu.writeCredentials(join(dir, 'credentials'));
  const sink = new Writable({ write: (c, _e, cb) => (logs.push(String(c)), cb()) });
  gw = await startGateway(loadGateway(join(dir, 'warden.yaml')), { log: createLogger({ destination: sink }), listen: { port: 0 }, admin: { port: 0 } });
});
after(async () => {
  emu.control.tokenEndpointsDown = false;
  await gw.close();
  await Promise.all([emu.close(), issuer.close(), new Promise((r) => echo.server.close(r))]);
  await rm(dir, { recursive: true, force: true });
});

async function call(path: string, token: string, body: unknown = { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }): Promise<Response> {
  return fetch(gw.url + path, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/** The identity the emulator saw on the last Vertex call. */
const upstreamIdentity = () => emu.vertexRequests.at(-1)?.identity;

describe('identity mapping through Warden', () => {
  it('picks the credential by group, by operation class, by request principal, else the default', async () => {
    const plain = await emu.mintIdToken({ sub: 'carol', aud: 'warden' });
    const trainer = await emu.mintIdToken({ sub: 'dave', groups: ['trainers'], aud: 'warden' });

    assert.equal((await call(GENERATE, plain)).status, 200);
    assert.equal(upstreamIdentity(), emu.serviceAccountEmail);

    assert.equal((await call(GENERATE, trainer)).status, 200);
    assert.equal(upstreamIdentity(), TRAINER);

    const job = { displayName: 'j', jobSpec: { workerPoolSpecs: [{ machineSpec: { machineType: 'n1-standard-4' }, replicaCount: 1, containerSpec: { imageUri: 'x' } }] } };
    assert.equal((await call(TRAIN, plain, job)).status, 200);
    assert.equal(upstreamIdentity(), TRAINER);

    // Callers of the real OIDC provider: each is federated as itself.
    for (const client of ['alice-app', 'bob-app'] as const) {
      const res = await call(GENERATE, await issuer.token(client));
      assert.equal(res.status, 200);
      assert.match(upstreamIdentity() ?? '', new RegExp(`^principal://iam\\.googleapis\\.com/.*/subject/${client}$`));
    }
    // The caller's token never reaches the upstream.
    assert.ok(emu.vertexRequests.every((r) => !String(r.headers.authorization).includes(plain)));
  });

  it('sends an API key as x-goog-api-key, not Authorization', async () => {
    const plain = await emu.mintIdToken({ sub: 'carol', aud: 'warden' });
    const res = await fetch(`${gw.url}/keyed/anything`, { headers: { authorization: `Bearer ${plain}` } });
    assert.equal(res.status, 200);
    assert.equal(echo.last?.['x-goog-api-key'], 'AIza-upstream-key');
    assert.equal(echo.last?.authorization, undefined);
  });

  it('admin /credentials shows each credential’s status, never a secret', async () => {
    const res = await fetch(`${gw.adminUrl}/credentials`);
    const text = await res.text();
    const body = JSON.parse(text) as { credentials: { name: string; source: string; mints: number; perCaller: boolean }[] };
    assert.deepEqual(body.credentials.map((c) => c.name), ['serving', 'trainer', 'federated', 'key']);
    assert.ok(body.credentials.find((c) => c.name === 'serving')!.mints >= 1);
    assert.equal(body.credentials.find((c) => c.name === 'federated')!.perCaller, true);
    assert.doesNotMatch(text, /ya29\.|AIza-upstream-key|PRIVATE KEY/);
    assert.doesNotMatch(logs.join(''), /ya29\.|AIza-upstream-key|PRIVATE KEY/);
  });
});

describe('key file rotation while traffic flows', () => {
  it('every request succeeds and the new key’s identity takes over without a restart', async () => {
    const token = await emu.mintIdToken({ sub: 'carol', aud: 'warden' });
    const statuses: number[] = [];
    let stop = false;
    const loop = async () => {
      while (!stop) statuses.push((await call(GENERATE, token)).status);
    };
    const loops = [loop(), loop(), loop()];
    await sleep(100);
    const rotated = emu.createServiceAccountKey(ROTATED);
    await writeFile(join(dir, 'credentials', 'service-account.json'), JSON.stringify(rotated, null, 2));
    for (let i = 0; i < 100 && upstreamIdentity() !== ROTATED; i++) await sleep(30);
    await sleep(100);
    stop = true;
    await Promise.all(loops);
    assert.equal(upstreamIdentity(), ROTATED);
    assert.ok(statuses.length > 10);
    assert.deepEqual(new Set(statuses), new Set([200]));
  });
});

describe('no token to be had', () => {
  it('a cached token is used while the token endpoint is down, then 503 UNAVAILABLE and nothing is forwarded', async () => {
    const token = await emu.mintIdToken({ sub: 'carol', aud: 'warden' });
    assert.equal((await call(GENERATE, token)).status, 200);
    emu.control.tokenEndpointsDown = true;
    assert.equal((await call(GENERATE, token)).status, 200, 'the cached token');
    await sleep(4_200); // every token minted before has expired
    const forwarded = emu.stats.vertexCalls + emu.stats.rejectedCalls;
    const res = await call(GENERATE, token);
    assert.equal(res.status, 503);
    const body = (await res.json()) as { error: { status: string; details: { reason: string }[] } };
    assert.equal(body.error.status, 'UNAVAILABLE');
    assert.equal(body.error.details[0]?.reason, 'CREDENTIAL_UNAVAILABLE');
    assert.match(res.headers.get('retry-after') ?? '', /^\d+$/);
    assert.equal(emu.stats.vertexCalls + emu.stats.rejectedCalls, forwarded, 'never forwarded without a credential');
    emu.control.tokenEndpointsDown = false;
  });
});
