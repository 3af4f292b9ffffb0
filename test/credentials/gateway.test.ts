// The credential stage end to end through Warden: every identity mapping rule
// kind, rule order and the default, per-caller federation with a real OIDC
// provider, an API key upstream, key file rotation while traffic flows, the
// 503 when no token can be had, the credential's name in the audit record, and
// the mint metrics.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import type { RunningGateway } from '../../src/gateway.js';
import { createLogger } from '../../src/telemetry/log.js';
import { waitForAuditRow } from '../helpers/audit-db.js';
import { startGatewayFromYaml } from '../helpers/gateway.js';
import { closeServer, listen } from '../helpers/http-server.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { startIssuer, type Issuer } from './helpers.js';

const TRAINER = 'trainer@emulator-project.iam.gserviceaccount.com';
const BATCH = 'batch@emulator-project.iam.gserviceaccount.com';
const RESEARCH = 'research@emulator-project.iam.gserviceaccount.com';
const PRO = 'pro@emulator-project.iam.gserviceaccount.com';
const COUNTER = 'counter@emulator-project.iam.gserviceaccount.com';
const ROTATED = 'rotated@emulator-project.iam.gserviceaccount.com';
const GENERATE = '/v1/projects/emulator-project/locations/us-central1/publishers/google/models/gemini-2.0-flash:generateContent';
const MODELS = '/v1/projects/emulator-project/locations/us-central1/publishers/google/models';
const PRO_GENERATE = `${MODELS}/gemini-1.5-pro-002:generateContent`;
const COUNT = `${MODELS}/gemini-2.0-flash:countTokens`;
const PRO_COUNT = `${MODELS}/gemini-1.5-pro-002:countTokens`;
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
  echo.url = await listen(echo.server);
  dir = makeTempDir('warden-cred-gw-');
  const files = await emu.writeCredentials(dir);
  const wif = JSON.parse(readFileSync(files.externalAccount, 'utf8')) as Record<string, unknown>;
  delete wif.service_account_impersonation_url;
  await writeFile(join(dir, 'wif.json'), JSON.stringify(wif));
  await writeFile(join(dir, 'key.txt'), 'AIza-upstream-key\n');
  await emu.writeCredentials(join(dir, 'credentials'));
  // The raw access log text: no secret may appear in it.
  const sink = new Writable({ write: (c, _e, cb) => (logs.push(String(c)), cb()) });
  ({ gw } = await startGatewayFromYaml(
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
        - {when: {principals: ["spiffe://cluster.local/ns/batch/*", "cluster.local/ns/ops/sa/cron"]}, credential: batch}
        - {when: {namespaces: [research]}, credential: research}
        - {when: {models: [gemini-1.5-pro*]}, credential: pro}
        - {when: {operations: [countTokens]}, credential: counter}
        - {when: {requestPrincipals: ["${issuer.issuer}/*"]}, credential: federated}
    - name: keyed
      provider: http
      match: {pathPrefix: /keyed}
      upstream: "${echo.url}"
      credential: key
  credentials:
    - {name: serving, google: {file: credentials/service-account.json}}
    - {name: trainer, google: {file: credentials/service-account.json, impersonate: ${TRAINER}, iamEndpoint: "${emu.url}"}}
    - {name: batch, google: {file: credentials/service-account.json, impersonate: ${BATCH}, iamEndpoint: "${emu.url}"}}
    - {name: research, google: {file: credentials/service-account.json, impersonate: ${RESEARCH}, iamEndpoint: "${emu.url}"}}
    - {name: pro, google: {file: credentials/service-account.json, impersonate: ${PRO}, iamEndpoint: "${emu.url}"}}
    - {name: counter, google: {file: credentials/service-account.json, impersonate: ${COUNTER}, iamEndpoint: "${emu.url}"}}
    - {name: federated, google: {file: wif.json, subjectToken: caller}}
    - {name: key, apiKey: {file: key.txt}}
  identity:
    trustedProxies: [{address: 127.0.0.0/8}]   # the test's XFCC "sidecar" is on loopback
  audit: {sqlite: ./audit.db}
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: callers}
spec:
  jwtRules:
    - {issuer: "${emu.issuer}", audiences: [warden]}
    - {issuer: "${issuer.issuer}", jwksUri: "${issuer.jwksUri}"}
`,
    { dir, log: createLogger({ destination: sink }) },
  ));
});
after(async () => {
  emu.control.tokenEndpointsDown = false;
  await gw.close();
  await Promise.all([emu.close(), issuer.close(), closeServer(echo.server)]);
  removeDir(dir);
});

const PROMPT = { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] };

async function call(path: string, token: string, body: unknown = PROMPT, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(gw.url + path, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

/** The peer's SPIFFE ID as a trusted sidecar forwards it. */
const xfcc = (spiffe: string) => ({ 'x-forwarded-client-cert': `By=spiffe://cluster.local/ns/istio-system/sa/gw;URI=${spiffe}` });

/** The audit row of one request; audit writes are batched off the request path, so wait for it to land. */
async function auditRow(requestId: string): Promise<Record<string, unknown>> {
  return (await waitForAuditRow(join(dir, 'audit.db'), requestId, { tries: 400, intervalMs: 25 })) ?? assert.fail(`no audit row for ${requestId}`);
}

/** `name{labels} value` lines of the admin /metrics whose labels include `labels`, summed. */
async function metric(name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(`${gw.adminUrl}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^(\w+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...m[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(m[3]);
  }
  return sum;
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

  it('by SPIFFE ID (principals, via a trusted proxy’s XFCC), with or without spiffe://; a near miss gets the default', async () => {
    const plain = await emu.mintIdToken({ sub: 'carol', aud: 'warden' });
    assert.equal((await call(GENERATE, plain, PROMPT, xfcc('spiffe://cluster.local/ns/batch/sa/nightly'))).status, 200);
    assert.equal(upstreamIdentity(), BATCH);
    assert.equal((await call(GENERATE, plain, PROMPT, xfcc('spiffe://cluster.local/ns/ops/sa/cron'))).status, 200);
    assert.equal(upstreamIdentity(), BATCH);
    assert.equal((await call(GENERATE, plain, PROMPT, xfcc('spiffe://cluster.local/ns/batchy/sa/nightly'))).status, 200);
    assert.equal(upstreamIdentity(), emu.serviceAccountEmail);
    assert.equal((await call(GENERATE, plain, PROMPT, xfcc('spiffe://cluster.local/ns/ops/sa/cron2'))).status, 200);
    assert.equal(upstreamIdentity(), emu.serviceAccountEmail);
  });

  it('by namespace, by model, by operation', async () => {
    const plain = await emu.mintIdToken({ sub: 'carol', aud: 'warden' });
    assert.equal((await call(GENERATE, plain, PROMPT, xfcc('spiffe://cluster.local/ns/research/sa/notebook'))).status, 200);
    assert.equal(upstreamIdentity(), RESEARCH);

    assert.equal((await call(PRO_GENERATE, plain)).status, 200);
    assert.equal(upstreamIdentity(), PRO);
    assert.equal((await call(`${MODELS}/gemini-1.5-flash-002:generateContent`, plain)).status, 200);
    assert.equal(upstreamIdentity(), emu.serviceAccountEmail, 'gemini-1.5-pro* does not match another model');

    assert.equal((await call(COUNT, plain)).status, 200);
    assert.equal(upstreamIdentity(), COUNTER);
  });

  it('the first matching rule wins; a caller no rule covers gets the default', async () => {
    const plain = await emu.mintIdToken({ sub: 'carol', aud: 'warden' });
    const trainer = await emu.mintIdToken({ sub: 'dave', groups: ['trainers'], aud: 'warden' });
    const batch = xfcc('spiffe://cluster.local/ns/batch/sa/nightly');
    const research = xfcc('spiffe://cluster.local/ns/research/sa/notebook');
    const job = { displayName: 'j', jobSpec: { workerPoolSpecs: [{ machineSpec: { machineType: 'n1-standard-4' }, replicaCount: 1, containerSpec: { imageUri: 'x' } }] } };
    const cases: [string, string, unknown, Record<string, string>, string][] = [
      // [what, path, body, headers, expected identity]
      ['groups before principals', GENERATE, PROMPT, batch, TRAINER],
      ['operationClasses before principals', TRAIN, job, batch, TRAINER],
      ['principals before models and operations', PRO_COUNT, PROMPT, batch, BATCH],
      ['namespaces before models', PRO_GENERATE, PROMPT, research, RESEARCH],
      ['models before operations', PRO_COUNT, PROMPT, {}, PRO],
      ['none: the default', GENERATE, PROMPT, {}, emu.serviceAccountEmail],
    ];
    for (const [what, path, body, headers, expected] of cases) {
      const token = what.startsWith('groups') ? trainer : plain;
      assert.equal((await call(path, token, body, headers)).status, 200, what);
      assert.equal(upstreamIdentity(), expected, what);
    }
  });

  it('the chosen credential’s name is in the audit record, never its token', async () => {
    const plain = await emu.mintIdToken({ sub: 'carol', aud: 'warden' });
    const res = await call(GENERATE, plain, PROMPT, { ...xfcc('spiffe://cluster.local/ns/batch/sa/nightly'), 'x-request-id': 'cred-audit-batch' });
    assert.equal(res.status, 200);
    const token = String(emu.vertexRequests.at(-1)!.headers.authorization).replace(/^Bearer /, '');
    assert.equal(emu.tokenInfo(token)?.identity, BATCH);
    const row = await auditRow('cred-audit-batch');
    assert.equal(row.credential, 'batch');
    assert.equal(row.status, 200);
    assert.ok(!JSON.stringify(row).includes(token), 'the upstream token is not in the audit record');

    assert.equal((await call(PRO_GENERATE, plain, PROMPT, { 'x-request-id': 'cred-audit-pro' })).status, 200);
    assert.equal((await auditRow('cred-audit-pro')).credential, 'pro');
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
    assert.deepEqual(body.credentials.map((c) => c.name), ['serving', 'trainer', 'batch', 'research', 'pro', 'counter', 'federated', 'key']);
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
    const res = await call(GENERATE, token, PROMPT, { 'x-request-id': 'cred-503-serving' });
    assert.equal(res.status, 503);
    const body = (await res.json()) as { error: { status: string; details: { reason: string }[] } };
    assert.equal(body.error.status, 'UNAVAILABLE');
    assert.equal(body.error.details[0]?.reason, 'CREDENTIAL_UNAVAILABLE');
    assert.match(res.headers.get('retry-after') ?? '', /^\d+$/);
    assert.equal(emu.stats.vertexCalls + emu.stats.rejectedCalls, forwarded, 'never forwarded without a credential');
    emu.control.tokenEndpointsDown = false;
    const row = await auditRow('cred-503-serving');
    assert.equal(row.status, 503);
    assert.equal(row.credential, 'serving', 'the 503 still records which credential was unavailable');
  });
});

describe('mint metrics on the admin /metrics', () => {
  it('count a mint (with its duration) and a failure, per credential', async () => {
    // Per-caller tokens are minted only on a request, never in the background: the counts are exact.
    const labels = { credential: 'federated' };
    const [ok0, err0, n0] = await Promise.all([
      metric('warden_credential_mints_total', { ...labels, result: 'ok' }),
      metric('warden_credential_mints_total', { ...labels, result: 'error' }),
      metric('warden_credential_mint_duration_seconds_count', labels),
    ]);
    const exchanges = emu.stats.byGrant['token-exchange'] ?? 0;
    assert.equal((await call(GENERATE, await issuer.token('alice-app'))).status, 200);
    assert.equal(emu.stats.byGrant['token-exchange'], exchanges + 1);
    assert.equal(await metric('warden_credential_mints_total', { ...labels, result: 'ok' }), ok0 + 1);
    assert.equal(await metric('warden_credential_mint_duration_seconds_count', labels), n0 + 1);
    assert.ok((await metric('warden_credential_mint_duration_seconds_sum', labels)) > 0);
    assert.equal(await metric('warden_credential_mints_total', { ...labels, result: 'error' }), err0);

    const caller = await issuer.token('bob-app');
    emu.control.tokenEndpointsDown = true;
    try {
      const res = await call(GENERATE, caller, PROMPT, { 'x-request-id': 'cred-503-federated' });
      assert.equal(res.status, 503);
      assert.equal(((await res.json()) as { error: { details: { reason: string }[] } }).error.details[0]?.reason, 'CREDENTIAL_UNAVAILABLE');
    } finally {
      emu.control.tokenEndpointsDown = false;
    }
    assert.equal(await metric('warden_credential_mints_total', { ...labels, result: 'error' }), err0 + 1);
    assert.equal(await metric('warden_credential_mints_total', { ...labels, result: 'ok' }), ok0 + 1);
    const row = await auditRow('cred-503-federated');
    assert.equal(row.status, 503);
    assert.equal(row.credential, 'federated');
    const metrics = await (await fetch(`${gw.adminUrl}/metrics`)).text();
    assert.doesNotMatch(metrics, /ya29\.|eyJ/, 'no token in the metrics');
  });
});
